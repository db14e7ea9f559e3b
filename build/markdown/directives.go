package markdown

import (
	"encoding/csv"
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// MyST's built-in directives beyond callouts and code: layout (grid,
// cards, tabs, margin notes), figures and images, tables written as lists
// or CSV, glossaries and the children listing of {tableofcontents}. Each
// renders to plain HTML a theme styles by class; none needs JavaScript.

// kindDirective is the goldmark node kind of a known MyST directive.
var kindDirective = ast.NewNodeKind("Directive")

// directiveNode is a MyST directive we render. Its body is Markdown
// (children) unless the directive is literal (CSV, diagrams): then the
// body lines are kept verbatim in Lines.
type directiveNode struct {
	ast.BaseBlock
	name    string            // lower case: "grid-item-card"
	arg     string            // the text after the name on the opening line
	opts    map[string]string // options (":width: 500") that the directive uses
	literal bool
	at      int // body offset of the opening line, for positions
	// included is the rendered file of an {include}.
	included *Result
	// number is a labelled {math} equation's "(1)", in page order.
	number string
	// complete is set on a one-line "$$ x $$" block: nothing follows.
	complete bool
	// source is a {myst} demo's body lines, verbatim (its children are
	// their parse).
	source text.Segments
}

func (n *directiveNode) Kind() ast.NodeKind { return kindDirective }

func (n *directiveNode) IsRaw() bool { return n.literal }

func (n *directiveNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Name": n.name, "Arg": n.arg}, nil)
}

// directiveSpec says how a known directive is read: whether its body is
// verbatim, and which options it uses (others are reported).
type directiveSpec struct {
	literal bool
	options []string
}

// directives are the MyST directives we render, by name; "toc" and
// "contents" are aliases, see below.
var directives = map[string]directiveSpec{
	"tableofcontents": {options: []string{"context", "maxdepth", "caption", "hidden", "titlesonly"}},
	"toc":             {options: []string{"context", "maxdepth", "caption", "hidden", "titlesonly"}},
	"contents":        {options: []string{"local", "depth", "backlinks", "class"}},
	"glossary":        {options: []string{"sorted"}},
	"list-table":      {options: []string{"header-rows", "stub-columns", "widths", "width", "align", "class", "name"}},
	"csv-table":       {literal: true, options: []string{"header", "header-rows", "widths", "width", "align", "class", "name", "delim"}},
	"table":           {options: []string{"align", "class", "name", "width", "widths"}},
	"image":           {options: []string{"alt", "width", "height", "align", "class", "name", "target", "scale"}},
	"figure":          {options: []string{"alt", "width", "height", "align", "class", "name", "target", "scale", "figwidth", "figclass"}},
	"myst":            {options: []string{"class", "name"}},
	"iframe":          {options: []string{"width", "height", "title", "align", "class", "name"}},
	"mermaid":         {literal: true, options: []string{"caption", "name", "align", "zoom"}},
	"math":            {literal: true, options: []string{"name", "class", "nowrap", "enumerated"}},
	"card":            {options: []string{"link", "link-type", "class", "class-card", "class-body", "class-header", "class-footer", "header", "footer", "shadow", "text-align", "width", "margin", "padding"}},
	"grid":            {options: []string{"class", "class-container", "class-row", "gutter", "margin", "padding", "reverse"}},
	"grid-item":       {options: []string{"class", "columns", "child-align", "child-direction", "margin", "padding", "outline", "shadow"}},
	"grid-item-card":  {options: []string{"link", "link-type", "class", "class-card", "class-body", "class-header", "class-footer", "class-item", "header", "footer", "shadow", "text-align", "columns", "margin", "padding", "width"}},
	"tab-set":         {options: []string{"class", "sync-group"}},
	"tab-item":        {options: []string{"sync", "selected", "class", "class-container", "class-label", "class-content", "name"}},
	"margin":          {options: []string{"class", "name"}},
	"sidebar":         {options: []string{"class", "name", "subtitle"}},
	"topic":           {options: []string{"class", "name"}},
	"epigraph":        {options: []string{"class", "name"}},
	"pull-quote":      {options: []string{"class", "name"}},
	"highlights":      {options: []string{"class", "name"}},
	"div":             {options: []string{"class", "name"}},
	"aside":           {options: []string{"class", "name"}},
	"rubric":          {options: []string{"class", "name"}},
	// The include directives have no body; their options are checked
	// strictly (see mystOption), and they need Files (see include.go).
	"include":        {literal: true, options: []string{"start-line", "end-line", "start-after", "end-before"}},
	"literalinclude": {literal: true, options: []string{"language", "lines", "start-line", "end-line", "start-after", "end-before", "caption", "emphasize-lines", "linenos", "lineno-start", "name"}},
}

// newDirective returns the node of a known directive, or nil.
func newDirective(name, arg string, at int) *directiveNode {
	spec, ok := directives[name]
	if !ok {
		return nil
	}
	d := &directiveNode{name: name, arg: arg, literal: spec.literal, opts: map[string]string{}, at: at}
	d.SetPos(at)
	return d
}

// title is what a link to the directive's :name: shows: its argument,
// unless that is an image path.
func (n *directiveNode) title() string {
	if _, known := directives[n.name]; !known || n.name == "image" || n.name == "figure" {
		return "" // callouts' argument is their first line of text
	}
	if n.name == "include" || n.name == "literalinclude" {
		return strings.TrimSpace(n.opts["caption"]) // the argument is a path
	}
	if n.name == "math" {
		return n.number // the argument is TeX
	}
	if n.name == "iframe" {
		return strings.TrimSpace(n.opts["title"]) // the argument is a URL
	}
	return strings.TrimSpace(n.arg)
}

// setOption records an option the directive uses; it reports false for
// options it does not, which the caller reports.
func (n *directiveNode) setOption(key, val string) bool {
	if key == "label" {
		key = "name" // mystmd's synonym
	}
	for _, o := range directives[n.name].options {
		if o == key {
			n.opts[key] = val
			return true
		}
	}
	return false
}

// appendVerbatim adds a body line of a literal directive, with the opening
// fence's indentation removed.
func appendVerbatim(node ast.Node, line []byte, seg text.Segment, reader text.Reader, f *fence) {
	node.Lines().Append(verbatimSegment(line, seg, reader, f))
}

// verbatimSegment is a body line of a directive, without the opening
// fence's indentation.
func verbatimSegment(line []byte, seg text.Segment, reader text.Reader, f *fence) text.Segment {
	pos, padding := util.IndentPositionPadding(line, reader.LineOffset(), seg.Padding, f.indent)
	if pos < 0 {
		pos = max(0, util.FirstNonSpacePosition(line)) - seg.Padding
		padding = 0
	}
	s := text.NewSegmentPadding(seg.Start+pos, seg.Stop, padding)
	s.ForceNewline = true
	return s
}

// codeLabelAttr carries a code directive's :name: or :label: from the
// parser to directiveTransformer.
const codeLabelAttr = "compass-label"

// ChildrenMarker is what {tableofcontents} renders as: the build, which
// knows the page's children in the table of contents, replaces it with
// their list.
const ChildrenMarker = "<!--compass:children-->"

// directiveTransformer shapes known directives once parsed: list tables
// become tables, images and figures get an image node (so their source is
// resolved and checked like any image), cards with :link: get a link.
type directiveTransformer struct{}

func (directiveTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	st := getState(pc)
	if !st.directives {
		return
	}
	var found []*directiveNode
	var labelled []*ast.FencedCodeBlock
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n := n.(type) {
		case *directiveNode:
			if entering {
				found = append(found, n)
			}
		case *ast.FencedCodeBlock:
			if _, ok := n.AttributeString(codeLabelAttr); ok && entering {
				labelled = append(labelled, n)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, c := range labelled {
		v, _ := c.AttributeString(codeLabelAttr)
		name := attrString(v)
		l := &labelNode{name: name, id: LabelID(name), at: st.fences[c].at}
		c.Parent().InsertBefore(c.Parent(), c, l)
	}
	for _, d := range found {
		if name := strings.TrimSpace(d.opts["name"]); name != "" && !inDemo(d) {
			if d.name == "math" {
				st.equations++
				d.number = equationNumber(st.equations)
			}
			// ":name:" labels the directive, as a "(label)=" line above it would.
			l := &labelNode{name: name, id: LabelID(name), title: d.title(), at: d.at}
			d.Parent().InsertBefore(d.Parent(), d, l)
		}
		switch d.name {
		case "include", "literalinclude":
			st.includeFile(d)
		case "glossary":
			glossaryTerms(d, reader.Source())
		case "list-table":
			listTable(d, st)
		case "iframe":
			checkIframe(d, st)
		case "myst":
			demo(d, reader.Source())
		case "image", "figure":
			imageNode(d)
		case "card", "grid-item-card":
			cardLink(d)
		}
	}
}

// imageNode gives an {image} or {figure} an image node, so its source is
// resolved and checked like any image; a figure's body becomes its caption.
func imageNode(d *directiveNode) {
	img := ast.NewImage(ast.NewLink())
	img.Destination = []byte(strings.TrimSpace(d.arg))
	img.AppendChild(img, ast.NewString([]byte(d.opts["alt"])))
	for _, a := range []string{"width", "height"} {
		if v := d.opts[a]; v != "" {
			img.SetAttributeString(a, []byte(v))
		}
	}
	copyPos(img, d)
	if d.name == "figure" && d.HasChildren() {
		caption := &directiveNode{name: "figcaption", opts: map[string]string{}}
		for c := d.FirstChild(); c != nil; {
			next := c.NextSibling()
			caption.AppendChild(caption, c)
			c = next
		}
		d.AppendChild(d, caption)
	}
	d.InsertBefore(d, d.FirstChild(), img)
}

// cardLink gives a card with :link: a link, checked like any other.
func cardLink(d *directiveNode) {
	target := strings.TrimSpace(d.opts["link"])
	if target == "" {
		return
	}
	if d.opts["link-type"] == "ref" && !strings.Contains(target, "#") {
		target = "#" + target
	}
	l := ast.NewLink()
	l.Destination = []byte(target)
	l.AppendChild(l, ast.NewString([]byte(cardLinkText(d))))
	copyPos(l, d)
	p := ast.NewParagraph()
	p.AppendChild(p, l)
	d.AppendChild(d, p)
}

// copyPos gives a node made up from a directive the directive's position,
// so problems with it point at the opening line.
func copyPos(n ast.Node, d *directiveNode) { n.SetPos(d.at) }

// cardLinkText is the text of a card's link: its title, else "Open".
func cardLinkText(d *directiveNode) string {
	if t := strings.TrimSpace(d.arg); t != "" {
		return t
	}
	return "Open"
}

// listTable turns a {list-table}'s body, a list of lists, into a table.
func listTable(d *directiveNode, st *renderState) {
	list, ok := d.FirstChild().(*ast.List)
	if !ok {
		st.warn(d.at, "list-table: the body is not a list of rows; rendered as written")
		return
	}
	headers, _ := strconv.Atoi(strings.TrimSpace(d.opts["header-rows"]))
	cols := 0
	for row := list.FirstChild(); row != nil; row = row.NextSibling() {
		if cells, ok := row.LastChild().(*ast.List); ok {
			cols = max(cols, cells.ChildCount())
		}
	}
	table := east.NewTable()
	table.Alignments = make([]east.Alignment, cols)
	i := 0
	for row := list.FirstChild(); row != nil; row = row.NextSibling() {
		cells, ok := row.LastChild().(*ast.List)
		if !ok {
			st.warn(d.at, "list-table: row %d is not a list of cells; left out", i+1)
			continue
		}
		tr := east.NewTableRow(table.Alignments)
		for cell := cells.FirstChild(); cell != nil; cell = cell.NextSibling() {
			td := east.NewTableCell()
			for c := cell.FirstChild(); c != nil; {
				next := c.NextSibling()
				td.AppendChild(td, c)
				c = next
			}
			tr.AppendChild(tr, td)
		}
		if i == 0 && headers > 0 {
			table.AppendChild(table, east.NewTableHeader(tr))
		} else {
			table.AppendChild(table, tr)
		}
		i++
	}
	d.ReplaceChild(d, list, table)
}

// csvRows reads a {csv-table} body.
func csvRows(body string, delim string) ([][]string, error) {
	r := csv.NewReader(strings.NewReader(body))
	r.LazyQuotes, r.TrimLeadingSpace, r.FieldsPerRecord = true, true, -1
	if delim != "" {
		if delim == "tab" {
			r.Comma = '\t'
		} else {
			r.Comma = []rune(delim)[0]
		}
	}
	return r.ReadAll()
}

// glossaryTerms gives each term of a {glossary} the id "term-<term>" and a
// label of that name, so {term} roles anywhere in the site link to it.
func glossaryTerms(d *directiveNode, source []byte) {
	for c := d.FirstChild(); c != nil; c = c.NextSibling() {
		dl, ok := c.(*east.DefinitionList)
		if !ok {
			continue
		}
		for t := dl.FirstChild(); t != nil; t = t.NextSibling() {
			if _, ok := t.(*east.DefinitionTerm); !ok {
				continue
			}
			var b strings.Builder
			writePlain(&b, t, source)
			text := collapse(b.String())
			name := termLabel(text)
			t.SetAttributeString("id", []byte(LabelID(name)))
			l := &labelNode{name: name, id: LabelID(name), title: text, at: t.Pos(), elsewhere: true}
			if t.Lines().Len() > 0 {
				l.at = t.Lines().At(0).Start
			}
			d.InsertBefore(d, c, l)
		}
	}
}

// termLabel is the label of a glossary term: "term-" and the term.
func termLabel(term string) string { return "term-" + term }

func (r *htmlRenderer) directive(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*directiveNode)
	if r.leafDirective(w, source, n, entering) {
		return ast.WalkSkipChildren, nil
	}
	if n.name == "iframe" {
		if entering {
			r.openIframe(w, source, n)
		} else {
			closeIframe(w, n)
		}
		return ast.WalkContinue, nil
	}
	tag := containerTag(n.name)
	if !entering {
		_, _ = w.WriteString("</" + tag + ">\n")
		return ast.WalkContinue, nil
	}
	open := func(cls string) {
		_, _ = w.WriteString("<" + tag + ` class="`)
		writeEscaped(w, directiveClass(n, cls))
		_, _ = w.WriteString(`">`)
	}
	title := func(cls string) {
		if t := strings.TrimSpace(n.arg); t != "" {
			_, _ = w.WriteString(`<p class="` + cls + `">`)
			writeEscaped(w, t)
			_, _ = w.WriteString("</p>\n")
		}
	}
	switch n.name {
	case "figcaption":
		_, _ = w.WriteString("<figcaption>")
	case "list-table", "table":
		open("table")
		if t := strings.TrimSpace(n.arg); t != "" {
			_, _ = w.WriteString("<figcaption>")
			writeEscaped(w, t)
			_, _ = w.WriteString("</figcaption>\n")
		}
	case "card", "grid-item-card":
		open("card")
		title("card-title")
	case "tab-item":
		open("tab-item")
		title("tab-title")
	case "margin", "sidebar", "aside", "topic":
		open(n.name)
		title(n.name + "-title")
	case "myst":
		open("myst-demo")
	default: // figure, epigraph, pull-quote, highlights, image, glossary, grid, grid-item, tab-set, div
		open(n.name)
	}
	_ = w.WriteByte('\n')
	return ast.WalkContinue, nil
}

// leafDirective renders the directives whose body is not rendered as
// Markdown children, reporting false for the others.
func (r *htmlRenderer) leafDirective(w util.BufWriter, source []byte, n *directiveNode, entering bool) bool {
	switch n.name {
	case "tableofcontents", "toc":
		if entering {
			_, _ = w.WriteString(ChildrenMarker + "\n")
		}
	case "include", "literalinclude": // a {literalinclude} left here failed: see include.go
		if entering && n.included != nil {
			_, _ = w.Write(n.included.HTML)
		}
	case "contents":
		// The theme's "On this page" list already shows the page's contents.
	case "math":
		if entering {
			var tex strings.Builder
			tex.WriteString(n.arg)
			for i := 0; i < n.Lines().Len(); i++ {
				tex.Write(lineValue(n, i, source))
			}
			writeDisplayMath(w, tex.String(), n.number)
		}
	case "csv-table", "mermaid":
		if entering {
			r.literalDirective(w, source, n)
		}
	case "rubric":
		if entering {
			_, _ = w.WriteString(`<p class="`)
			writeEscaped(w, directiveClass(n, "rubric"))
			_, _ = w.WriteString(`">`)
			writeEscaped(w, strings.TrimSpace(n.arg))
			_, _ = w.WriteString("</p>\n")
		}
	default:
		return false
	}
	return true
}

// containerTag is the HTML element a directive with Markdown children is
// drawn as.
func containerTag(name string) string {
	switch name {
	case "figure", "list-table", "table":
		return "figure"
	case "figcaption":
		return "figcaption"
	case "tab-item":
		return "section"
	case "margin", "sidebar", "aside", "topic":
		return "aside"
	case "epigraph", "pull-quote", "highlights":
		return "blockquote"
	}
	return "div" // card, grid-item-card, image, glossary, grid, grid-item, tab-set, div
}

// directiveClass is base followed by the classes of the directive's
// :class: option.
func directiveClass(n *directiveNode, base string) string {
	if c := strings.TrimSpace(n.opts["class"]); c != "" {
		return base + " " + c
	}
	return base
}

// literalDirective renders the directives whose body is not Markdown.
func (r *htmlRenderer) literalDirective(w util.BufWriter, source []byte, n *directiveNode) {
	var body strings.Builder
	for i := 0; i < n.Lines().Len(); i++ {
		body.Write(lineValue(n, i, source))
	}
	if n.name == "mermaid" {
		writeDiagram(w, body.String(), strings.TrimSpace(n.opts["caption"]))
		return
	}
	rows, _ := csvRows(body.String(), n.opts["delim"])
	var header [][]string
	if h := n.opts["header"]; h != "" {
		if hr, err := csvRows(h, ""); err == nil {
			header = hr
		}
	}
	if k, _ := strconv.Atoi(strings.TrimSpace(n.opts["header-rows"])); k > 0 && k <= len(rows) {
		header, rows = append(header, rows[:k]...), rows[k:]
	}
	_, _ = w.WriteString(`<figure class="table">`)
	if t := strings.TrimSpace(n.arg); t != "" {
		_, _ = w.WriteString("<figcaption>")
		writeEscaped(w, t)
		_, _ = w.WriteString("</figcaption>")
	}
	_, _ = w.WriteString("\n<table>\n")
	writeRows := func(rows [][]string, cell string) {
		for _, row := range rows {
			_, _ = w.WriteString("<tr>")
			for _, c := range row {
				_, _ = w.WriteString("<" + cell + ">")
				writeEscaped(w, c)
				_, _ = w.WriteString("</" + cell + ">")
			}
			_, _ = w.WriteString("</tr>\n")
		}
	}
	if len(header) > 0 {
		_, _ = w.WriteString("<thead>\n")
		writeRows(header, "th")
		_, _ = w.WriteString("</thead>\n")
	}
	_, _ = w.WriteString("<tbody>\n")
	writeRows(rows, "td")
	_, _ = w.WriteString("</tbody>\n</table>\n</figure>\n")
}

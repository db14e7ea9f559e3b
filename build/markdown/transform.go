package markdown

import (
	"bytes"
	"cmp"
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// collector is the last AST transformer: it assigns heading ids, rewrites
// link destinations through resolve and extracts the plain text the search
// index needs, all in one walk of the finished tree.
type collector struct {
	unsafeHTML bool
	ids        idRule
}

// collected is what the collector hands back to Render.
type collected struct {
	title    string
	intro    string
	headings []Heading
	labels   []Label
}

var collectedKey = parser.NewContextKey()

func (c collector) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	st := getState(pc)
	source := reader.Source()
	out := &collected{}
	pc.Set(collectedKey, out)

	ids := newIDSet(c.ids.sep)
	// Pass 1: explicit ids ({#id}, :name:) are reserved first, so they win
	// over generated ones wherever they appear on the page.
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			reserveID(n, source, st, ids)
		}
		return ast.WalkContinue, nil
	})

	// Pass 2: generated ids, links, plain text and escaped-HTML warnings.
	w := &textWalk{collector: c, st: st, source: source, out: out, claimed: ids, current: -1}
	_ = ast.Walk(doc, w.visit)
	w.endSection()
	for _, r := range w.rewrites {
		r.old.Parent().ReplaceChild(r.old.Parent(), r.old, r.new)
	}
}

// reserveID claims the explicit id of node n, if it has one, renaming it
// with a warning when an earlier node has the same id.
func reserveID(n ast.Node, source []byte, st *renderState, ids *idSet) {
	switch n := n.(type) {
	case *ast.Heading:
		if n.Attributes() == nil {
			trailingAttributes(n, source)
		}
		if v, ok := n.AttributeString("id"); ok {
			id := attrString(v)
			if id == "" {
				n.RemoveAttributes()
				break
			}
			if got := ids.claim(id); got != id {
				st.warn(n.Pos(), "duplicate heading id %q; using %q", id, got)
				n.SetAttributeString("id", []byte(got))
			}
		}
	case *labelNode:
		if h, ok := n.NextSibling().(*ast.Heading); ok && !n.elsewhere {
			if h.Attributes() == nil {
				trailingAttributes(h, source)
			}
			if _, has := h.AttributeString("id"); !has {
				// The heading claims it below as its explicit id.
				h.SetAttributeString("id", []byte(n.id))
				n.onHeading = true
				break
			}
		}
		if got := ids.claim(n.id); got != n.id {
			st.warn(n.Pos(), "duplicate id %q; using %q", n.id, got)
			n.id = got
		}
	case *calloutNode:
		if n.id != "" {
			if got := ids.claim(n.id); got != n.id {
				st.warn(n.Pos(), "duplicate id %q; using %q", n.id, got)
				n.id = got
			}
		}
	}
}

// textWalk is the second pass over a page: it gives headings their
// generated ids, resolves links, collects labels and each section's plain
// text, and warns about raw HTML it escapes.
type textWalk struct {
	collector
	st       *renderState
	source   []byte
	out      *collected
	claimed  *idSet          // ids on the page so far
	buf      strings.Builder // plain text of the current part of the page
	current  int             // index in out.headings of the section being collected, -1 for the intro
	rewrites []rawRewrite    // raw HTML whose links were rewritten, replaced after the walk
}

// endSection stores the plain text collected since the last heading as the
// body of the section it ends (the intro before the first heading).
func (w *textWalk) endSection() {
	s := collapse(w.buf.String())
	w.buf.Reset()
	if w.current < 0 {
		w.out.intro = s
	} else {
		w.out.headings[w.current].Body = s
	}
}

func (w *textWalk) visit(n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		if n.Type() == ast.TypeBlock {
			w.buf.WriteByte(' ')
		}
		return ast.WalkContinue, nil
	}
	switch n := n.(type) {
	case *ast.Heading:
		if inDemo(n) {
			// An example in a {myst} demo, not a section of the page.
			writePlain(&w.buf, n, w.source)
			resolveInside(n, w.st)
			return ast.WalkSkipChildren, nil
		}
		w.heading(n)
		return ast.WalkSkipChildren, nil
	case *ast.Link, *ast.Image, *roleNode:
		resolveLink(n, w.st)
	case *calloutNode:
		if n.name != "" {
			lb := Label{Name: n.name, ID: n.id}
			lb.Line, _ = w.st.position(n.at)
			w.out.labels = append(w.out.labels, lb)
		}
	case *labelNode:
		lb := Label{Name: n.name, ID: n.id, Title: n.title}
		lb.Line, _ = w.st.position(labelPos(n, w.source))
		w.out.labels = append(w.out.labels, lb)
		return ast.WalkSkipChildren, nil
	case *directiveNode:
		if n.included != nil {
			w.includedFile(n)
			return ast.WalkSkipChildren, nil
		}
	case *ast.RawHTML:
		w.rawHTML(n, n.Segments, nil, !w.unsafeHTML && !isComment(n.Segments, w.source) && !isClosingTag(n.Segments, w.source))
		return ast.WalkSkipChildren, nil
	case *ast.HTMLBlock:
		var closure *text.Segment
		if n.HasClosure() {
			closure = &n.ClosureLine
		}
		w.rawHTML(n, n.Lines(), closure, !w.unsafeHTML && n.HTMLBlockType != ast.HTMLBlockType2 && n.Lines().Len() > 0)
		return ast.WalkSkipChildren, nil
	}
	if n.Type() == ast.TypeInline {
		// Inline nodes are written with their descendants by writePlain;
		// links inside still need resolving.
		writePlain(&w.buf, n, w.source)
		resolveInside(n, w.st)
		return ast.WalkSkipChildren, nil
	}
	w.buf.WriteByte(' ')
	writePlainNode(&w.buf, n, w.source)
	if n.IsRaw() {
		return ast.WalkSkipChildren, nil
	}
	return ast.WalkContinue, nil
}

// includedFile adds what an {include} rendered to the page's headings,
// labels and text, at the directive's line. Its heading ids were made
// apart from the page's, so a page repeating an included heading's text
// gets the same id twice.
func (w *textWalk) includedFile(n *directiveNode) {
	sub := n.included
	line, _ := w.st.position(n.at)
	w.buf.WriteString(" " + sub.Intro)
	if len(sub.Headings) > 0 {
		w.endSection()
		for _, h := range sub.Headings {
			h.Line = line
			w.claimed.claim(h.ID)
			w.out.headings = append(w.out.headings, h)
		}
		w.current = len(w.out.headings) - 1
	}
	if w.out.title == "" {
		w.out.title = sub.Title
	}
	for _, l := range sub.Labels {
		l.Line = line
		w.out.labels = append(w.out.labels, l)
	}
}

// heading ends the section before heading n and starts its own, giving n
// a generated id when it has no explicit one.
func (w *textWalk) heading(n *ast.Heading) {
	w.endSection()
	var hb strings.Builder
	writePlain(&hb, n, w.source)
	h := Heading{Level: n.Level, Text: collapse(hb.String())}
	h.Line, _ = w.st.position(headingPos(n, w.source))
	if v, ok := n.AttributeString("id"); ok {
		h.ID = attrString(v)
	} else {
		h.ID = w.claimed.claim(w.ids.slug(h.Text))
		n.SetAttributeString("id", []byte(h.ID))
	}
	if h.Level == 1 && w.out.title == "" {
		w.out.title = h.Text
	}
	// Every label just above a heading is titled by it.
	i := len(w.out.labels) - 1
	for prev := n.PreviousSibling(); i >= 0; prev = prev.PreviousSibling() {
		if _, ok := prev.(*labelNode); !ok {
			break
		}
		w.out.labels[i].Title = h.Text
		i--
	}
	w.out.headings = append(w.out.headings, h)
	w.current = len(w.out.headings) - 1
	resolveInside(n, w.st)
}

// rawHTML handles raw HTML node n, written in segs (and closure): warn
// says it is escaped in a way a reader would see; with unsafe HTML its
// links are rewritten instead.
func (w *textWalk) rawHTML(n ast.Node, segs *text.Segments, closure *text.Segment, warn bool) {
	if warn {
		w.st.warn(segs.At(0).Start, "raw HTML escaped; set unsafe HTML to render it")
	}
	if w.unsafeHTML {
		w.rewrites = rewriteRawLinks(n, segs, closure, w.source, w.st, w.rewrites)
	}
}

// trailingID matches a heading's trailing "{#id .class}" whose id goldmark
// refused (it only takes letters, digits and "_-:." in ids, HTML allows any
// character but space): "## Quotas {#quota(s)}".
var trailingID = regexp.MustCompile(`[ \t]*\{#([^\s{}]+)((?:[ \t]+\.[^\s{}]+)*)[ \t]*\}[ \t]*$`)

// trailingAttributes takes such a "{#id}" off the end of heading n and
// makes it the heading's id and classes, rather than leaving it visible in
// the heading text and in a slug made from it.
func trailingAttributes(n *ast.Heading, source []byte) {
	last, ok := n.LastChild().(*ast.Text)
	if !ok || !bytes.HasSuffix(bytes.TrimRight(last.Segment.Value(source), " \t"), []byte("}")) {
		return // the common case, without allocating
	}
	// The braces may have split the text into several Text nodes.
	var tail []*ast.Text
	for c := n.LastChild(); c != nil; c = c.PreviousSibling() {
		t, ok := c.(*ast.Text)
		if !ok {
			break
		}
		tail = append([]*ast.Text{t}, tail...)
	}
	if len(tail) == 0 {
		return
	}
	var joined []byte
	for _, t := range tail {
		joined = append(joined, t.Segment.Value(source)...)
	}
	m := trailingID.FindSubmatchIndex(joined)
	if m == nil {
		return
	}
	n.SetAttributeString("id", joined[m[2]:m[3]])
	if classes := strings.Fields(strings.ReplaceAll(string(joined[m[4]:m[5]]), ".", " ")); len(classes) > 0 {
		n.SetAttributeString("class", []byte(strings.Join(classes, " ")))
	}
	cut := m[0] // bytes of joined to keep
	for _, t := range tail {
		l := t.Segment.Len()
		switch {
		case cut <= 0:
			n.RemoveChild(n, t)
		case cut < l:
			t.Segment = t.Segment.WithStop(t.Segment.Start + cut)
		}
		cut -= l
	}
}

// headingPos returns the offset of a heading's first line (setext headings
// report their underline position otherwise).
func headingPos(n *ast.Heading, source []byte) int {
	if n.Lines().Len() > 0 {
		off := n.Lines().At(0).Start
		// Walk back to the '#' markers so the line is the heading's line.
		for off > 0 && source[off-1] != '\n' {
			off--
		}
		return off
	}
	return max(n.Pos(), 0)
}

// resolveInside resolves links nested in an inline subtree.
func resolveInside(n ast.Node, st *renderState) {
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering && c != n {
			switch c.(type) {
			case *ast.Link, *ast.Image, *roleNode:
				resolveLink(c, st)
			}
		}
		return ast.WalkContinue, nil
	})
}

// scheme matches the start of an absolute URL ("https:", "mailto:").
var scheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// isExternal reports whether a destination leaves the site, so it is not
// offered to resolve.
func isExternal(dest string) bool {
	return scheme.MatchString(dest) || strings.HasPrefix(dest, "//")
}

// resolveLink passes an internal destination to resolve, rewrites it when it
// matches, and records it with its position.
func resolveLink(n ast.Node, st *renderState) {
	var dest string
	pos := n.Pos()
	image := false
	// goldmark keeps backslash escapes in destinations and removes them
	// only when rendering; check what the reader will follow ("#a\_b" is
	// "#a_b").
	switch n := n.(type) {
	case *ast.Link:
		dest = string(util.UnescapePunctuations(n.Destination))
	case *ast.Image:
		dest, image = string(util.UnescapePunctuations(n.Destination)), true // goldmark places an image at its '!'
	case *roleNode:
		if n.dest == "" {
			return
		}
		dest = n.dest
	}
	if dest == "" || isExternal(dest) {
		return
	}
	t := st.resolveTarget(dest, pos, image)
	if t.OK {
		switch n := n.(type) {
		case *ast.Link:
			n.Destination = []byte(t.Href)
		case *ast.Image:
			n.Destination = []byte(t.Href)
		case *roleNode:
			n.dest = t.Href
		}
	}
	// A link without text shows its target's title, as MyST does.
	switch n := n.(type) {
	case *ast.Link:
		if n.FirstChild() == nil && t.Title != "" {
			n.AppendChild(n, ast.NewString([]byte(t.Title)))
		}
	case *roleNode:
		if n.label == "" {
			n.label = cmp.Or(t.Title, n.content)
		}
		if strings.Contains(n.label, "%s") { // {numref}`Figure %s <label>`
			n.label = strings.ReplaceAll(n.label, "%s", cmp.Or(t.Title, strings.TrimPrefix(dest, "#")))
		}
	}
}

// labelPos is the body offset of a label line (or of the directive whose
// :name: it is).
func labelPos(n *labelNode, source []byte) int {
	if n.Lines().Len() > 0 {
		return n.Lines().At(0).Start
	}
	return n.at
}

func isComment(segs *text.Segments, source []byte) bool {
	if segs.Len() == 0 {
		return false
	}
	seg := segs.At(0)
	return bytes.HasPrefix(seg.Value(source), []byte("<!--"))
}

func isClosingTag(segs *text.Segments, source []byte) bool {
	if segs.Len() == 0 {
		return false
	}
	seg := segs.At(0)
	return bytes.HasPrefix(seg.Value(source), []byte("</"))
}

func attrString(v any) string {
	switch v := v.(type) {
	case []byte:
		return string(v)
	case string:
		return v
	}
	return ""
}

// writePlain writes the plain text of n and its descendants.
func writePlain(b *strings.Builder, n ast.Node, source []byte) {
	writePlainNode(b, n, source)
	if n.IsRaw() {
		return
	}
	if _, ok := n.(*ast.CodeSpan); ok {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			if t, ok := c.(*ast.Text); ok {
				b.Write(t.Segment.Value(source))
			}
		}
		return
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		writePlain(b, c, source)
	}
}

// writePlainNode writes the text a node contributes by itself (not its
// children): text, code lines, callout titles, unknown directive lines.
func writePlainNode(b *strings.Builder, n ast.Node, source []byte) {
	switch n := n.(type) {
	case *ast.Text:
		v := n.Segment.Value(source)
		if bytes.IndexByte(v, '\\') < 0 && bytes.IndexByte(v, '&') < 0 {
			b.Write(v) // nothing to unescape: the common case, without copies
		} else {
			b.WriteString(html.UnescapeString(string(util.UnescapePunctuations(v))))
		}
		if n.SoftLineBreak() || n.HardLineBreak() {
			b.WriteByte(' ')
		}
	case *ast.String:
		if n.IsCode() { // HTML written as is, such as the typographer's "&ldquo;"
			b.WriteString(html.UnescapeString(string(n.Value)))
		} else {
			b.Write(n.Value)
		}
	case *ast.AutoLink:
		b.Write(n.Label(source))
	case *templateTag:
		if n.substituted {
			b.WriteString(n.value)
		}
	case *roleNode:
		switch {
		case n.label != "":
			b.WriteString(n.label)
		case n.name == "abbr":
			abbr, _ := splitAbbr(n.content)
			b.WriteString(abbr)
		case n.known:
			b.WriteString(n.content)
		default:
			b.WriteString(n.raw)
		}
	case *calloutNode:
		b.WriteString(n.title)
		b.WriteByte(' ')
	case *directiveNode:
		b.WriteString(n.arg)
		b.WriteByte(' ')
		if n.literal {
			writeLines(b, n, source)
		}
	case *unknownDirective:
		b.WriteString(n.opening)
		b.WriteByte(' ')
		writeLines(b, n, source)
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		writeLines(b, n, source)
	}
}

func writeLines(b *strings.Builder, n ast.Node, source []byte) {
	for i := 0; i < n.Lines().Len(); i++ {
		b.Write(lineValue(n, i, source))
	}
	b.WriteByte(' ')
}

// collapse trims and collapses runs of white space (as unicode.IsSpace
// sees it) into single spaces: strings.Join(strings.Fields(s), " ") in one
// pass, without the slice of fields. It runs over every page's whole text.
func collapse(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is owed before the next word
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiSpace[c] {
				space = b.Len() > 0
				i++
				continue
			}
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			space = b.Len() > 0
		} else {
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// asciiSpace marks the ASCII bytes unicode.IsSpace accepts.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// lineValue returns line i of a block node.
func lineValue(n ast.Node, i int, source []byte) []byte {
	seg := n.Lines().At(i)
	return seg.Value(source)
}

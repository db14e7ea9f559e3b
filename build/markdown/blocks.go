package markdown

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// directiveName matches MyST/Sphinx directive and role names ("note",
// "code-block", "py:func").
var directiveName = regexp.MustCompile(`^[A-Za-z][\w:+.-]*$`)

// mystDropdown and mystAdmonition are MyST directives that become callouts
// without being a callout kind themselves.
const (
	mystDropdown   = "dropdown"
	mystAdmonition = "admonition"
)

// codeDirectives are MyST directives whose body is code, not Markdown; their
// argument is the language.
var codeDirectives = map[string]bool{"code": true, "code-block": true, "sourcecode": true, "code-cell": true}

// lineOffset returns the body offset of index i of a line returned by
// reader.PeekLine together with its segment.
func lineOffset(seg text.Segment, i int) int { return seg.Start - seg.Padding + i }

// trimEOL drops the trailing newline (and carriage return) of a line.
func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// ---- MyST and Docusaurus colon fences: ":::{note} Title" / ":::tip Title" ----

type colonFenceParser struct{}

func (colonFenceParser) Trigger() []byte { return []byte{':'} }

func (colonFenceParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, seg := reader.PeekLine()
	pos := pc.BlockOffset()
	if pos < 0 || pos >= len(line) || line[pos] != ':' {
		return nil, parser.NoChildren
	}
	i := pos
	for i < len(line) && line[i] == ':' {
		i++
	}
	n := i - pos
	if n < 3 {
		return nil, parser.NoChildren
	}
	rest := strings.TrimSpace(string(trimEOL(line[i:])))
	if rest == "" {
		return nil, parser.NoChildren // a bare fence outside a directive is just text
	}
	st := getState(pc)
	f := &fence{char: ':', length: n, indent: pos}
	opening := strings.TrimSpace(string(trimEOL(line[pos:])))
	var name, arg string
	myst := rest[0] == '{'
	if myst {
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			return nil, parser.NoChildren
		}
		name, arg = rest[1:end], strings.TrimSpace(rest[end+1:])
		f.options = true
	} else {
		// Docusaurus ":::tip Title" / ":::tip[Title]"; Pandoc-like "::: tip".
		j := 0
		for j < len(rest) && (isWordByte(rest[j]) || rest[j] == '-') {
			j++
		}
		if j == 0 {
			return nil, parser.NoChildren
		}
		name, arg = rest[:j], strings.TrimSpace(rest[j:])
		if strings.HasPrefix(arg, "[") && strings.HasSuffix(arg, "]") {
			arg = strings.TrimSpace(arg[1 : len(arg)-1])
		}
	}
	lname := strings.ToLower(name)
	if c := mystCallout(lname, arg); c != nil && directiveName.MatchString(name) {
		c.at = lineOffset(seg, pos)
		st.setFence(c, f)
		reader.AdvanceToEOL() // the opening line is consumed
		return c, parser.HasChildren
	}
	if d := newDirective(lname, arg, lineOffset(seg, pos)); myst && d != nil {
		st.setFence(d, f)
		st.directives = true
		reader.AdvanceToEOL() // the opening line is consumed
		if d.literal {
			return d, parser.NoChildren
		}
		return d, parser.HasChildren
	}
	u := &unknownDirective{opening: opening}
	st.setFence(u, f)
	if myst {
		st.warn(lineOffset(seg, pos), "unknown MyST directive %q; rendered as text", name)
	} else {
		st.warn(lineOffset(seg, pos), "unknown admonition %q; rendered as text", name)
	}
	reader.AdvanceToEOL() // the opening line is consumed
	return u, parser.HasChildren
}

// mystCallout returns the callout for a MyST directive name and argument, or
// nil when the directive is not a callout.
func mystCallout(name, arg string) *calloutNode {
	switch {
	case calloutKind[name] != "":
		return newCallout(name, arg)
	case name == mystAdmonition:
		c := newCallout("note", arg)
		if arg == "" {
			c.title = "Note"
		}
		return c
	case name == mystDropdown:
		c := newCallout("note", arg)
		if arg == "" {
			c.title = "Details"
		}
		c.collapsible = true
		return c
	}
	return nil
}

func (colonFenceParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	f := getState(pc).fences[node]
	line, seg := reader.PeekLine()
	if closesFence(line, reader, f) {
		reader.AdvanceToEOL()
		return parser.Close
	}
	if f.options && mystOption(node, line, seg, reader, pc) {
		return parser.Continue | parser.HasChildren
	}
	f.options = false
	if d, ok := node.(*directiveNode); ok && d.literal {
		appendVerbatim(node, line, seg, reader, f)
		reader.AdvanceToEOL()
		return parser.Continue | parser.NoChildren
	}
	keepDemoSource(node, line, seg, reader, f)
	return parser.Continue | parser.HasChildren
}

func (colonFenceParser) Close(node ast.Node, reader text.Reader, pc parser.Context) {}
func (colonFenceParser) CanInterruptParagraph() bool                                { return true }
func (colonFenceParser) CanAcceptIndentedLine() bool                                { return false }

// closesFence reports whether line is a closing fence for f: at most three
// spaces of indent, at least as many fence characters, nothing else.
func closesFence(line []byte, reader text.Reader, f *fence) bool {
	w, pos := util.IndentWidth(line, reader.LineOffset())
	if w > 3 || pos >= len(line) {
		return false
	}
	i := pos
	for i < len(line) && line[i] == f.char {
		i++
	}
	return i-pos >= f.length && util.IsBlank(line[i:])
}

// mystOptionLine matches a directive option such as ":class: dropdown".
var mystOptionLine = regexp.MustCompile(`^\s*:([\w-]+):(?:\s+(.*?))?\s*$`)

// mystOption consumes a MyST option line at the top of a directive body.
// Options that change the callout are applied; the rest are reported,
// since dropping them silently would hide a difference from Sphinx.
func mystOption(node ast.Node, line []byte, seg text.Segment, reader text.Reader, pc parser.Context) bool {
	m := mystOptionLine.FindSubmatch(trimEOL(line))
	if m == nil {
		return false
	}
	key, val := string(m[1]), string(m[2])
	st := getState(pc)
	off := lineOffset(seg, bytes.IndexByte(line, ':'))
	c, isCallout := node.(*calloutNode)
	d, isDirective := node.(*directiveNode)
	switch {
	case isDirective && d.setOption(key, val):
	case isCallout && key == "name":
		c.name, c.id = val, LabelID(val)
	case isCallout && key == "class":
		for _, cls := range strings.Fields(val) {
			cls = strings.ToLower(cls)
			switch {
			case cls == mystDropdown:
				c.collapsible = true
			case calloutKind[cls] != "" && c.kind == "note":
				c.kind, c.class = cls, calloutKind[cls]
			}
		}
	case isCallout && key == "open":
		c.open = true
	case isDirective && (d.name == "include" || d.name == "literalinclude"):
		// A misspelt :lines: would silently include the wrong text.
		st.fail(off, "%s: unknown option %q", d.name, key)
	default:
		st.warn(off, "unsupported directive option %q ignored", key)
	}
	reader.AdvanceToEOL()
	return true
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// ---- MyST backtick fences: ```{note} … ``` ----

type directiveFenceParser struct{}

func (directiveFenceParser) Trigger() []byte { return []byte{'`', '~'} }

func (directiveFenceParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, seg := reader.PeekLine()
	pos := pc.BlockOffset()
	if pos < 0 || pos >= len(line) || (line[pos] != '`' && line[pos] != '~') {
		return nil, parser.NoChildren
	}
	ch := line[pos]
	i := pos
	for i < len(line) && line[i] == ch {
		i++
	}
	n := i - pos
	if n < 3 {
		return nil, parser.NoChildren
	}
	rest := trimEOL(line[i:])
	left := util.TrimLeftSpaceLength(rest)
	info := rest[left:]
	if len(info) == 0 || info[0] != '{' || (ch == '`' && bytes.IndexByte(info, '`') >= 0) {
		return nil, parser.NoChildren // an ordinary fenced code block
	}
	end := bytes.IndexByte(info, '}')
	if end < 0 {
		return nil, parser.NoChildren
	}
	name := string(info[1:end])
	if name == "" || !directiveName.MatchString(name) {
		// "```{.python}" and "``` {linenos=true}" are attribute syntaxes of other
		// tools; leave them to the code block parser.
		return nil, parser.NoChildren
	}
	argBytes := bytes.TrimSpace(info[end+1:])
	arg := string(argBytes)
	st := getState(pc)
	f := &fence{char: ch, length: n, indent: pos, options: true}
	lname := strings.ToLower(name)
	if c := mystCallout(lname, arg); c != nil {
		c.at = lineOffset(seg, pos)
		st.setFence(c, f)
		reader.AdvanceToEOL() // the opening line is consumed
		return c, parser.HasChildren
	}
	if d := newDirective(lname, arg, lineOffset(seg, pos)); d != nil {
		st.setFence(d, f)
		st.directives = true
		reader.AdvanceToEOL() // the opening line is consumed
		if d.literal {
			return d, parser.NoChildren
		}
		return d, parser.HasChildren
	}
	if codeDirectives[lname] {
		var infoText *ast.Text
		if len(argBytes) > 0 {
			start := lineOffset(seg, i+left+end+1) + util.TrimLeftSpaceLength(info[end+1:])
			infoText = ast.NewTextSegment(text.NewSegment(start, start+len(argBytes)))
		}
		code := ast.NewFencedCodeBlock(infoText)
		f.at = lineOffset(seg, pos)
		st.setFence(code, f)
		reader.AdvanceToEOL() // the opening line is consumed
		return code, parser.NoChildren
	}
	u := &unknownDirective{opening: string(bytes.TrimSpace(trimEOL(line[pos:]))), literal: true}
	st.setFence(u, f)
	st.warn(lineOffset(seg, pos), "unknown MyST directive %q; rendered as text", name)
	reader.AdvanceToEOL() // the opening line is consumed
	return u, parser.NoChildren
}

func (directiveFenceParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	f := getState(pc).fences[node]
	line, seg := reader.PeekLine()
	if closesFence(line, reader, f) {
		if u, ok := node.(*unknownDirective); ok {
			u.closing = string(bytes.TrimSpace(line))
		}
		reader.AdvanceToEOL()
		return parser.Close
	}
	if d, ok := node.(*directiveNode); ok && !d.literal {
		if f.options && mystOption(node, line, seg, reader, pc) {
			return parser.Continue | parser.HasChildren
		}
		f.options = false
		keepDemoSource(node, line, seg, reader, f)
		return parser.Continue | parser.HasChildren
	}
	if _, ok := node.(*directiveNode); ok && f.options && mystOption(node, line, seg, reader, pc) {
		return parser.Continue | parser.NoChildren
	}
	if _, ok := node.(*calloutNode); ok {
		if f.options && mystOption(node, line, seg, reader, pc) {
			return parser.Continue | parser.HasChildren
		}
		f.options = false
		return parser.Continue | parser.HasChildren
	}
	if _, ok := node.(*ast.FencedCodeBlock); ok && f.options {
		// Options of code directives (":linenos:", ":caption:") are not
		// code; the presentation ones become attributes the code renderer
		// reads (see codeOptions).
		if m := mystOptionLine.FindSubmatch(trimEOL(line)); m != nil {
			switch key := string(m[1]); key {
			case "caption", "filename", "emphasize-lines", "linenos", "lineno-start", "number-lines":
				node.SetAttributeString(key, m[2])
			case "name", "label":
				// A label, placed before the block by directiveTransformer.
				node.SetAttributeString(codeLabelAttr, bytes.TrimSpace(m[2]))
				getState(pc).directives = true
			default:
				getState(pc).warn(lineOffset(seg, bytes.IndexByte(line, ':')), "unsupported directive option %q ignored", key)
			}
			reader.AdvanceToEOL()
			return parser.Continue | parser.NoChildren
		}
	}
	f.options = false
	appendVerbatim(node, line, seg, reader, f)
	reader.AdvanceToEOL()
	return parser.Continue | parser.NoChildren
}

func (directiveFenceParser) Close(node ast.Node, reader text.Reader, pc parser.Context) {}
func (directiveFenceParser) CanInterruptParagraph() bool                                { return true }
func (directiveFenceParser) CanAcceptIndentedLine() bool                                { return false }

// ---- MkDocs / Python-Markdown admonitions: !!! note "Title", ??? / ???+ ----

// admonitionLine follows Python-Markdown's own pattern: a marker, one or more
// class words (the first is the kind), an optional quoted title, nothing else.
var admonitionLine = regexp.MustCompile(`^(!!!|\?\?\?\+?)[ \t]*([\w-]+(?:[ \t]+[\w-]+)*)(?:[ \t]+"(.*)")?[ \t]*$`)

type admonitionParser struct{}

func (admonitionParser) Trigger() []byte { return []byte{'!', '?'} }

func (admonitionParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, seg := reader.PeekLine()
	pos := pc.BlockOffset()
	if pos < 0 || pos >= len(line) {
		return nil, parser.NoChildren
	}
	m := admonitionLine.FindSubmatch(trimEOL(line[pos:]))
	if m == nil {
		return nil, parser.NoChildren
	}
	st := getState(pc)
	marker, kind := string(m[1]), strings.ToLower(strings.Fields(string(m[2]))[0])
	w, _ := util.IndentWidth(line, reader.LineOffset())
	f := &fence{indent: w}
	if calloutKind[kind] == "" {
		u := &unknownDirective{opening: string(bytes.TrimSpace(trimEOL(line[pos:])))}
		st.setFence(u, f)
		st.warn(lineOffset(seg, pos), "unknown admonition %q; rendered as text", kind)
		reader.AdvanceToEOL() // the opening line is consumed
		return u, parser.HasChildren
	}
	c := newCallout(kind, "")
	if m[3] != nil {
		// An explicit empty title ("") means no title bar in Python-Markdown;
		// we keep the kind's name so the box still has an accessible label.
		if t := strings.TrimSpace(string(m[3])); t != "" {
			c.title = t
		}
	}
	if marker != "!!!" {
		c.collapsible = true
		c.open = marker == "???+"
	}
	st.setFence(c, f)
	reader.AdvanceToEOL() // the opening line is consumed
	return c, parser.HasChildren
}

func (admonitionParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	f := getState(pc).fences[node]
	line, _ := reader.PeekLine()
	if util.IsBlank(line) {
		return parser.Continue | parser.HasChildren
	}
	w, _ := util.IndentWidth(line, reader.LineOffset())
	if w < f.indent+4 {
		return parser.Close
	}
	pos, padding := util.IndentPosition(line, reader.LineOffset(), f.indent+4)
	reader.AdvanceAndSetPadding(pos, padding)
	return parser.Continue | parser.HasChildren
}

func (admonitionParser) Close(node ast.Node, reader text.Reader, pc parser.Context) {}
func (admonitionParser) CanInterruptParagraph() bool                                { return true }
func (admonitionParser) CanAcceptIndentedLine() bool                                { return false }

// ---- pymdownx.snippets: --8<-- "file.md" ----

// snippetParser keeps an MkDocs snippet include (a line starting "--8<--")
// visible, with a warning: Compass does not include files.
type snippetParser struct{}

func (snippetParser) Trigger() []byte { return []byte{'-'} }

func (snippetParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, seg := reader.PeekLine()
	pos := pc.BlockOffset()
	if pos < 0 || !bytes.HasPrefix(line[pos:], []byte("--8<--")) {
		return nil, parser.NoChildren
	}
	u := &unknownDirective{opening: string(bytes.TrimSpace(trimEOL(line[pos:]))), literal: true}
	getState(pc).warn(lineOffset(seg, pos), "snippet include (pymdownx.snippets) is not supported; rendered as text")
	reader.AdvanceToEOL()
	return u, parser.NoChildren
}

func (snippetParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	return parser.Close
}
func (snippetParser) Close(node ast.Node, reader text.Reader, pc parser.Context) {}
func (snippetParser) CanInterruptParagraph() bool                                { return true }
func (snippetParser) CanAcceptIndentedLine() bool                                { return false }

package markdown

import (
	"bytes"
	"cmp"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// kindRole is the goldmark node kind of a MyST role: {name}`content`.
var kindRole = ast.NewNodeKind("Role")

// roleNode is a MyST inline role. Known roles render as HTML; unknown ones
// render their source as text.
type roleNode struct {
	ast.BaseInline
	name    string // lower case
	content string // between the backticks
	raw     string // the whole role as written
	known   bool
	// For {ref} and {doc}: link text and destination (rewritten by resolve).
	label, dest string
}

func (n *roleNode) Kind() ast.NodeKind { return kindRole }

func (n *roleNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Name": n.name, "Content": n.content}, nil)
}

// knownRoles are the MyST roles we can render without Sphinx.
var knownRoles = map[string]bool{
	"ref": true, "doc": true, "numref": true, "kbd": true, "abbr": true,
	"sub": true, "subscript": true, "sup": true, "superscript": true,
	"code": true, "samp": true, "file": true, "command": true, "term": true,
	"button": true, "download": true, "guilabel": true, "menuselection": true,
	"eq": true,
}

// kindTemplateTag is the goldmark node kind of a template tag of another
// site generator (Hugo shortcode, Jinja/Liquid tag or expression).
var kindTemplateTag = ast.NewNodeKind("TemplateTag")

// templateTag is rendered as its escaped source text, so the reader sees
// that something is missing instead of losing it.
type templateTag struct {
	ast.BaseInline
	raw string
	// A MyST substitution ("{{ name }}" defined in myst.yml) shows its
	// value instead.
	value       string
	substituted bool
}

func (n *templateTag) Kind() ast.NodeKind { return kindTemplateTag }

func (n *templateTag) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Raw": n.raw}, nil)
}

// braceParser recognises the inline constructs that start with '{': MyST
// roles and template tags. Both are single-line.
type braceParser struct{}

func (braceParser) Trigger() []byte { return []byte{'{'} }

func (braceParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, seg := block.PeekLine()
	st := getState(pc)
	if len(line) < 2 {
		return nil
	}
	if line[1] == '{' || line[1] == '%' {
		return parseTemplateTag(line, seg, block, st)
	}
	return parseRole(line, seg, block, st)
}

// templateDelims lists template openers with their closers, longest first.
var templateDelims = []struct{ open, close, what string }{
	{"{{<", ">}}", "Hugo shortcode"},
	{"{{%", "%}}", "Hugo shortcode"},
	{"{%", "%}", "Jinja/Liquid tag"},
	{"{{", "}}", "template expression"},
}

func parseTemplateTag(line []byte, seg text.Segment, block text.Reader, st *renderState) ast.Node {
	for _, d := range templateDelims {
		if !bytes.HasPrefix(line, []byte(d.open)) {
			continue
		}
		if st.noCloser(d.close, seg.Start) {
			return nil
		}
		end := bytes.Index(line[len(d.open):], []byte(d.close))
		if end < 0 {
			st.failedCloser(d.close, seg.Stop)
			return nil
		}
		end += len(d.open) + len(d.close)
		raw := string(line[:end])
		inner := strings.TrimSpace(raw[len(d.open) : len(raw)-len(d.close)])
		inner = strings.TrimPrefix(strings.TrimPrefix(inner, "-"), "/*") // Jinja whitespace control, Hugo comments
		inner = strings.TrimSpace(inner)
		fields := strings.Fields(inner)
		if len(fields) == 0 {
			return nil
		}
		name := fields[0]
		closing := strings.HasPrefix(name, "/") || (d.open == "{%" && strings.HasPrefix(name, "end"))
		if d.open == "{{" {
			name = inner
			if v, ok := st.substitutions[inner]; ok {
				block.Advance(end)
				return &templateTag{raw: raw, value: v, substituted: true}
			}
		}
		if !closing {
			st.warn(seg.Start, "%s %q is not supported; rendered as text", d.what, name)
		}
		block.Advance(end)
		return &templateTag{raw: raw}
	}
	return nil
}

func parseRole(line []byte, seg text.Segment, block text.Reader, st *renderState) ast.Node {
	// Role names are short; looking further would make a line of many
	// '{' quadratic.
	end := bytes.IndexByte(line[:min(len(line), maxRoleName+2)], '}')
	if end < 2 || end+1 >= len(line) || line[end+1] != '`' {
		return nil
	}
	name := string(line[1:end])
	if !directiveName.MatchString(name) {
		return nil
	}
	// The content is a code span: n backticks, content, n backticks.
	i := end + 1
	for i < len(line) && line[i] == '`' {
		i++
	}
	ticks := i - (end + 1)
	if st.noCloser(string(line[end+1:i]), seg.Start) {
		return nil
	}
	closeAt := -1
	for j := i; j < len(line); {
		if line[j] != '`' {
			j++
			continue
		}
		k := j
		for k < len(line) && line[k] == '`' {
			k++
		}
		if k-j == ticks {
			closeAt = j
			break
		}
		j = k
	}
	if closeAt < 0 {
		st.failedCloser(strings.Repeat("`", ticks), seg.Stop)
		return nil
	}
	content := string(line[i:closeAt])
	if ticks > 1 {
		content = strings.TrimSpace(content)
	}
	raw := string(line[:closeAt+ticks])
	lname := strings.ToLower(name)
	if lname == "math" {
		block.Advance(len(raw))
		return newMath(content)
	}
	n := &roleNode{name: lname, content: content, raw: raw, known: knownRoles[lname]}
	switch lname {
	case "ref", "doc", "numref", "eq":
		n.label, n.dest = splitRoleTarget(content)
		if lname == "doc" && !strings.Contains(n.dest, "#") && !strings.HasSuffix(n.dest, ".md") {
			n.dest += ".md" // Sphinx names documents without their suffix
		} else if lname != "doc" && !strings.ContainsAny(n.dest, "#/") {
			n.dest = "#" + n.dest // a label, which the resolver looks up site-wide
		}
	case "term":
		// A glossary term, labelled "term-<term>" by its {glossary}; the
		// link shows the text as written ({term}`hubs <hub>` shows "hubs").
		text, term := splitRoleTarget(content)
		n.label, n.dest = cmp.Or(text, term), "#"+termLabel(term)
	case "button", "download":
		n.label, n.dest = splitRoleTarget(content)
	}
	if !n.known {
		st.warn(seg.Start, "unknown MyST role %q; rendered as text", name)
	}
	block.Advance(len(raw))
	return n
}

// maxRoleName bounds the length of a MyST role name.
const maxRoleName = 64

// splitRoleTarget splits "Link text <target>" into its parts; a bare
// "target" has no text of its own (it shows the target's title).
func splitRoleTarget(s string) (label, target string) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, ">") {
		if i := strings.LastIndex(s, "<"); i > 0 {
			return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1 : len(s)-1])
		}
	}
	return "", s
}

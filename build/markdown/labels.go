package markdown

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// MyST targets: a line "(label)=" names the block that follows it, and
// links anywhere in the site reach it with [text](#label), {ref}`label` or
// {numref}`label`. Labels are global in MyST and matched case-insensitively,
// so the build collects them from every page (Scan) before rendering, and
// renders each as the id of its heading, or an empty anchor before any
// other block.

// Label is one MyST target of a page.
type Label struct {
	Name  string // as written, "sec-oncall"
	ID    string // the HTML id it renders as, LabelID(Name)
	Title string // the text of the heading it names, "" when it names another block
	Line  int    // file line of "(label)="
}

// LabelID is the HTML id a label renders as, mystmd's rule: lower case,
// runs of anything but letters, digits and "-" as one "-", trimmed.
func LabelID(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		if r == '-' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r > 127 && !isSpaceRune(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "label"
	}
	if s := b.String(); s[0] >= '0' && s[0] <= '9' {
		return "id-" + s // an id must not start with a digit in CSS selectors
	}
	return b.String()
}

func isSpaceRune(r rune) bool { return r == ' ' || r == '\u00a0' || r == '\u3000' }

// LabelKey is the key labels are matched by: MyST compares them ignoring
// case and runs of white space.
func LabelKey(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}

// labelLine matches a MyST target line, "(label)=".
var labelLine = regexp.MustCompile(`^ {0,3}\(([^()\s][^()]*)\)=[ \t]*$`)

// Outline is what Scan finds in a page without rendering it.
type Outline struct {
	Title  string  // plain text of the first "# heading", "" if none
	Labels []Label // every "(label)=" outside code blocks
}

// Scan reads a body line by line for its first level-1 heading and its
// MyST labels, skipping fenced code, so the build knows every page's title
// and targets before any page renders its links. It is much cheaper than a
// parse: pages without "# " or ")=" cost one pass of bytes.Index.
func Scan(body []byte, firstLine int) Outline {
	var out Outline
	wantLabels := bytes.Contains(body, []byte(")="))
	var fenceChar byte
	fenceLen := 0
	var directives []byte // fence characters of the open directive fences, innermost last
	var directiveLens []int
	var pending []Label // labels waiting for the block they name
	line := firstLine
	for rest := body; len(rest) > 0; line++ {
		l, next, _ := bytes.Cut(rest, []byte{'\n'})
		rest = next
		t := bytes.TrimRight(l, " \t\r")
		trim := bytes.TrimLeft(t, " ")
		if fenceLen > 0 {
			if n := fenceRun(trim); n >= fenceLen && n == len(trim) && trim[0] == fenceChar {
				fenceLen = 0
			}
			continue
		}
		if n := fenceRun(trim); n >= 3 && len(t)-len(trim) <= 3 {
			info := bytes.TrimSpace(trim[n:])
			switch {
			case len(info) == 0 && len(directives) > 0 && directives[len(directives)-1] == trim[0] && n >= directiveLens[len(directives)-1]:
				directives, directiveLens = directives[:len(directives)-1], directiveLens[:len(directiveLens)-1]
				continue
			case len(info) > 0 && info[0] == '{' && !codeDirectives[strings.ToLower(directiveOf(info))]:
				// Directive fences ("```{note}") hold Markdown, labels included.
				directives, directiveLens = append(directives, trim[0]), append(directiveLens, n)
				continue
			default:
				fenceChar, fenceLen = trim[0], n
				continue
			}
		}
		if len(trim) == 0 {
			continue
		}
		if wantLabels {
			if m := labelLine.FindSubmatch(t); m != nil {
				name := strings.TrimSpace(string(m[1]))
				pending = append(pending, Label{Name: name, ID: LabelID(name), Line: line})
				continue
			}
		}
		title, level := atxHeading(trim)
		for _, lb := range pending {
			if level > 0 {
				lb.Title = title
			}
			out.Labels = append(out.Labels, lb)
		}
		pending = pending[:0]
		if level == 1 && out.Title == "" {
			out.Title = title
			if !wantLabels {
				return out
			}
		}
	}
	out.Labels = append(out.Labels, pending...)
	return out
}

// fenceRun counts the fence characters (` or ~) that open b.
func fenceRun(b []byte) int {
	if len(b) == 0 || (b[0] != '`' && b[0] != '~') {
		return 0
	}
	n := 0
	for n < len(b) && b[n] == b[0] {
		n++
	}
	return n
}

// directiveOf returns the name in a "{name} arg" fence info string.
func directiveOf(info []byte) string {
	end := bytes.IndexByte(info, '}')
	if end < 1 {
		return ""
	}
	return string(info[1:end])
}

// atxHeading returns the text and level of an ATX heading line, with
// closing #s, a trailing {#id} and simple inline markup removed; level is 0
// when the line is not a heading.
func atxHeading(line []byte) (string, int) {
	level := 0
	for level < len(line) && line[level] == '#' {
		level++
	}
	if level == 0 || level > 6 || (level < len(line) && line[level] != ' ' && line[level] != '\t') {
		return "", 0
	}
	s := strings.TrimSpace(string(line[level:]))
	if m := trailingID.FindStringIndex(s); m != nil {
		s = s[:m[0]]
	}
	s = strings.TrimSpace(strings.TrimRight(s, "#"))
	s = strings.NewReplacer("**", "", "__", "", "`", "", "*", "").Replace(s)
	return strings.TrimSpace(s), level
}

// kindLabel is the goldmark node kind of a MyST target line.
var kindLabel = ast.NewNodeKind("Label")

// labelNode is a "(label)=" line. It renders as nothing when it names a
// heading (the heading takes its id) and as an empty anchor otherwise.
type labelNode struct {
	ast.BaseBlock
	name, id  string
	onHeading bool
}

func (n *labelNode) Kind() ast.NodeKind { return kindLabel }

func (n *labelNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Name": n.name}, nil)
}

type labelParser struct{}

func (labelParser) Trigger() []byte { return []byte{'('} }

func (labelParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, seg := reader.PeekLine()
	m := labelLine.FindSubmatch(bytes.TrimRight(line, "\r\n"))
	if m == nil {
		return nil, parser.NoChildren
	}
	name := strings.TrimSpace(string(m[1]))
	n := &labelNode{name: name, id: LabelID(name)}
	n.Lines().Append(seg) // for its position
	reader.AdvanceToEOL()
	return n, parser.NoChildren
}

func (labelParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	return parser.Close
}
func (labelParser) Close(node ast.Node, reader text.Reader, pc parser.Context) {}
func (labelParser) CanInterruptParagraph() bool                                { return true }
func (labelParser) CanAcceptIndentedLine() bool                                { return false }

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
// MyST labels ("(label)=" lines, directives' :name: options, glossary
// terms), skipping fenced code, so the build knows every page's title and
// targets before any page renders its links. It is much cheaper than a
// parse, and stops at the first heading of a page without labels.
func Scan(body []byte, firstLine int) Outline {
	sc := scanner{out: &Outline{}}
	sc.wantLabels = MayHaveLabels(body)
	line := firstLine
	for rest := body; len(rest) > 0; line++ {
		l, next, _ := bytes.Cut(rest, []byte{'\n'})
		rest = next
		if sc.line(l, line) {
			break
		}
	}
	sc.flush("")
	return *sc.out
}

// MayHaveLabels reports whether body may define a label at all ("(x)=",
// a :name: or :label: option, a glossary); Scan of other bodies only
// looks for the title.
func MayHaveLabels(body []byte) bool {
	return bytes.Contains(body, []byte(")=")) || bytes.Contains(body, []byte(":name:")) ||
		bytes.Contains(body, []byte(":label:")) || bytes.Contains(body, []byte("{glossary}"))
}

// scanner is Scan's state between lines.
type scanner struct {
	out        *Outline
	wantLabels bool
	fenceChar  byte // the open code fence, when fenceLen > 0
	fenceLen   int
	open       []openDirective // backtick directive fences, innermost last
	options    *openDirective  // the directive whose option lines may follow
	equations  int             // labelled {math} equations so far
	term       string          // a glossary line that may be a term, if ": definition" follows
	colonGloss int             // colons of an open ":::{glossary}" fence, 0 when none
	colonDemo  int             // colons of an open ":::{myst}" fence, whose body is skipped
	termLine   int
	pending    []Label // labels waiting for the block they name
}

type openDirective struct {
	char      byte
	n         int
	name, arg string
	line      int
}

// line reads one line; it reports true when nothing more is wanted.
func (sc *scanner) line(l []byte, line int) bool {
	t := bytes.TrimRight(l, " \t\r")
	trim := bytes.TrimLeft(t, " ")
	if sc.fenceLen > 0 {
		if sc.options != nil && sc.option(t) {
			return false // a code directive's options come before its code
		}
		sc.options = nil
		if n := fenceRun(trim); n >= sc.fenceLen && n == len(trim) && trim[0] == sc.fenceChar {
			sc.fenceLen = 0
		}
		return false
	}
	if len(trim) == 0 {
		return false
	}
	if sc.colonDemo > 0 {
		if sc.options != nil && sc.option(t) {
			return false
		}
		sc.options = nil
		if colons := len(trim) - len(bytes.TrimLeft(trim, ":")); colons == len(trim) && colons >= sc.colonDemo {
			sc.colonDemo = 0
		}
		return false
	}
	if sc.options != nil {
		if sc.option(t) {
			return false
		}
		sc.options = nil
	}
	if sc.wantLabels {
		if m := labelLine.FindSubmatch(t); m != nil {
			name := strings.TrimSpace(string(m[1]))
			sc.pending = append(sc.pending, Label{Name: name, ID: LabelID(name), Line: line})
			return false
		}
	}
	if n := fenceRun(trim); n >= 3 && len(t)-len(trim) <= 3 {
		sc.fence(trim, n, line)
		return false
	}
	if bytes.HasPrefix(trim, []byte(":::")) {
		sc.colonFence(trim, line)
		return false
	}
	if sc.colonGloss > 0 || len(sc.open) > 0 && sc.open[len(sc.open)-1].name == "glossary" {
		switch {
		case len(t) > 0 && t[0] == ':' && sc.term != "":
			name := termLabel(sc.term)
			sc.out.Labels = append(sc.out.Labels, Label{Name: name, ID: LabelID(name), Title: sc.term, Line: sc.termLine})
			sc.term = ""
		case t[0] != ' ' && t[0] != ':':
			sc.term, sc.termLine = string(t), line
		default:
			sc.term = ""
		}
	}
	title, level := atxHeading(trim)
	sc.flush(title)
	if level == 1 && sc.out.Title == "" {
		sc.out.Title = title
		return !sc.wantLabels
	}
	return false
}

// fence reads a line opening or closing a fence of n backticks or tildes
// (trim, without its indent): a directive fence holds Markdown, so the
// scan goes on inside it; a code fence is skipped to its end.
func (sc *scanner) fence(trim []byte, n, line int) {
	sc.flush("")
	info := bytes.TrimSpace(trim[n:])
	name := strings.ToLower(directiveOf(info))
	switch {
	case len(info) == 0 && len(sc.open) > 0 && sc.open[len(sc.open)-1].char == trim[0] && n >= sc.open[len(sc.open)-1].n:
		sc.open = sc.open[:len(sc.open)-1]
	case len(info) > 0 && info[0] == '{' && !codeDirectives[name] && !directives[name].literal && name != "myst":
		// Directive fences ("```{note}") hold Markdown, labels included.
		arg := strings.TrimSpace(string(info[strings.IndexByte(string(info), '}')+1:]))
		sc.open = append(sc.open, openDirective{char: trim[0], n: n, name: name, arg: arg, line: line})
		sc.options = &sc.open[len(sc.open)-1]
	default:
		sc.fenceChar, sc.fenceLen = trim[0], n
		if codeDirectives[name] || directives[name].literal || name == "myst" {
			// A verbatim body ({code}, {csv-table}, {mermaid}, a {myst} demo) is skipped,
			// but its :name: option still labels it.
			arg := ""
			if i := strings.IndexByte(string(info), '}'); i >= 0 {
				arg = strings.TrimSpace(string(info[i+1:]))
			}
			sc.options = &openDirective{name: name, arg: arg, line: line}
		}
	}
}

// colonFence reads a ":::" line: a MyST colon directive's start (its
// options follow) or the end of a colon glossary.
func (sc *scanner) colonFence(trim []byte, line int) {
	info := bytes.TrimLeft(trim, ":")
	colons := len(trim) - len(info)
	if len(info) > 0 && info[0] == '{' {
		sc.flush("")
		end := bytes.IndexByte(info, '}')
		if end > 0 {
			sc.options = &openDirective{name: string(info[1:end]), arg: strings.TrimSpace(string(info[end+1:])), line: line}
			if strings.EqualFold(sc.options.name, "glossary") {
				sc.colonGloss = colons
			}
			if strings.EqualFold(sc.options.name, "myst") {
				sc.colonDemo = colons
			}
		}
	} else if len(info) == 0 && sc.colonGloss > 0 && colons >= sc.colonGloss {
		sc.colonGloss = 0
	}
}

// option reads a directive option line; :name: (and, on code, :label:)
// is a label. It reports whether t was an option line.
func (sc *scanner) option(t []byte) bool {
	m := mystOptionLine.FindSubmatch(t)
	if m == nil {
		return false
	}
	_, known := directives[strings.ToLower(sc.options.name)]
	known = known || codeDirectives[strings.ToLower(sc.options.name)]
	if key := string(m[1]); (key == "name" || known && key == "label") && len(m[2]) > 0 {
		name := strings.TrimSpace(string(m[2]))
		d := directiveNode{name: strings.ToLower(sc.options.name), arg: sc.options.arg}
		if d.name == "math" {
			sc.equations++ // numbered as directiveTransformer numbers them
			d.number = equationNumber(sc.equations)
		}
		sc.out.Labels = append(sc.out.Labels, Label{Name: name, ID: LabelID(name), Title: d.title(), Line: sc.options.line})
	}
	return true
}

// flush gives the pending labels the block that follows them: a heading
// titles them.
func (sc *scanner) flush(title string) {
	for _, lb := range sc.pending {
		lb.Title = title
		sc.out.Labels = append(sc.out.Labels, lb)
	}
	sc.pending = sc.pending[:0]
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
	title     string // for a directive's :name:, its argument
	at        int    // body offset, for a label made from :name:
	onHeading bool
	elsewhere bool // its id is on another element (a glossary term): renders nothing
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

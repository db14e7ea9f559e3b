package markdown

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Math is written as its TeX source in elements of class "math": a span
// inline, a div on its own. The theme's math.js has KaTeX turn each one
// into MathML, which browsers draw natively; without JavaScript the TeX
// stays readable. Result.Math looks for mathClass, so math that comes from
// an {include} counts too.
const mathClass = `class="math`

// kindMath is the goldmark node kind of inline math: $…$ or {math}`…`.
var kindMath = ast.NewNodeKind("Math")

// mathNode is inline math.
type mathNode struct {
	ast.BaseInline
	tex string
}

func (n *mathNode) Kind() ast.NodeKind { return kindMath }

func (n *mathNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"TeX": n.tex}, nil)
}

// newMath returns inline math; its TeX is its text too, for search and
// the page's plain text.
func newMath(tex string) *mathNode {
	n := &mathNode{tex: tex}
	n.AppendChild(n, ast.NewString([]byte(strings.TrimPrefix(tex, "$$"))))
	return n
}

// writeInlineMath writes inline math.
func writeInlineMath(w util.BufWriter, tex string) {
	_, _ = w.WriteString(`<span class="math">`)
	writeEscaped(w, tex)
	_, _ = w.WriteString(`</span>`)
}

// writeDisplayMath writes an equation on its own; number is "(1)" for a
// labelled {math} directive, which {eq} and links to its label show.
func writeDisplayMath(w util.BufWriter, tex, number string) {
	_, _ = w.WriteString(`<div class="math display"`)
	if number != "" {
		_, _ = w.WriteString(` data-number="`)
		writeEscaped(w, number)
		_, _ = w.WriteString(`"`)
	}
	_, _ = w.WriteString(`>`)
	writeEscaped(w, strings.TrimSpace(tex))
	_, _ = w.WriteString("</div>\n")
}

// equationNumber is the title of the n-th labelled equation of a page.
func equationNumber(n int) string { return fmt.Sprintf("(%d)", n) }

// dollarParser reads $…$ inline math, with GitHub's rules that keep prices
// and shell variables text: the opening $ is not followed by a space, the
// closing $ is not preceded by one (both allowed with
// Options.MathSpaces, as in MyST) nor followed by a digit, and \$ is a
// dollar sign. $$…$$ within a line is display math.
type dollarParser struct{}

func (dollarParser) Trigger() []byte { return []byte{'$'} }

func (dollarParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, _ := block.PeekLine()
	if bytes.HasPrefix(line, []byte("$$")) {
		end := bytes.Index(line[2:], []byte("$$"))
		if end <= 0 {
			return nil
		}
		block.Advance(end + 4)
		return newMath("$$" + string(line[2:2+end]))
	}
	spaces := getState(pc).renderer.opts.MathSpaces
	if len(line) < 3 || line[1] == '$' || (!spaces && (line[1] == ' ' || line[1] == '\t')) {
		return nil
	}
	for i := 2; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++ // an escaped character, \$ included
		case '\n', '`':
			return nil // math ends on its line, before any code span
		case '$':
			if (!spaces && (line[i-1] == ' ' || line[i-1] == '\t')) || (i+1 < len(line) && line[i+1] >= '0' && line[i+1] <= '9') {
				continue
			}
			block.Advance(i + 1)
			return newMath(strings.TrimSpace(string(line[1:i])))
		}
	}
	return nil
}

// renderMath writes an inline math node; "$$…$$" within a line is display
// math.
func (r *htmlRenderer) renderMath(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*mathNode)
	if tex, ok := strings.CutPrefix(n.tex, "$$"); ok {
		_, _ = w.WriteString(`<span class="math display">`)
		writeEscaped(w, strings.TrimSpace(tex))
		_, _ = w.WriteString(`</span>`)
		return ast.WalkSkipChildren, nil
	}
	writeInlineMath(w, n.tex)
	return ast.WalkSkipChildren, nil
}

// dollarBlockParser reads a $$ block: from a line starting with $$ to the
// line ending with $$ (the same line for "$$ x^2 $$").
type dollarBlockParser struct{}

func (dollarBlockParser) Trigger() []byte { return []byte{'$'} }

func (dollarBlockParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, seg := reader.PeekLine()
	pos := pc.BlockOffset()
	if pos < 0 || !bytes.HasPrefix(line[pos:], []byte("$$")) {
		return nil, parser.NoChildren
	}
	rest := bytes.TrimSpace(line[pos+2:])
	d := newDirective("math", "", lineOffset(seg, pos))
	if len(rest) > 0 {
		tex, closed := bytes.CutSuffix(rest, []byte("$$"))
		if closed && !bytes.Contains(tex, []byte("$$")) {
			d.arg, d.complete = string(tex), true
			reader.AdvanceToEOL()
			return d, parser.NoChildren
		}
		if bytes.Contains(rest, []byte("$$")) {
			return nil, parser.NoChildren // "$$a$$ and more": inline
		}
		d.arg = string(rest)
	}
	reader.AdvanceToEOL()
	return d, parser.NoChildren
}

func (dollarBlockParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	line, seg := reader.PeekLine()
	if line == nil || node.(*directiveNode).complete {
		return parser.Close
	}
	t := bytes.TrimSpace(line)
	tex, closed := bytes.CutSuffix(t, []byte("$$"))
	if closed {
		if len(bytes.TrimSpace(tex)) > 0 {
			start := seg.Start + bytes.Index(line, tex)
			node.Lines().Append(text.NewSegment(start, start+len(tex)))
		}
		reader.AdvanceToEOL()
		return parser.Close
	}
	s := seg
	s.ForceNewline = true
	node.Lines().Append(s)
	reader.AdvanceToEOL()
	return parser.Continue | parser.NoChildren
}

func (dollarBlockParser) Close(node ast.Node, reader text.Reader, pc parser.Context) {}
func (dollarBlockParser) CanInterruptParagraph() bool                                { return true }
func (dollarBlockParser) CanAcceptIndentedLine() bool                                { return false }

package markdown

import (
	"regexp"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// alertMarker matches the first line of a GitHub alert ("[!NOTE]"), with the
// Obsidian extensions: a fold marker ("[!tip]-", "[!tip]+") and a title.
var alertMarker = regexp.MustCompile(`^\[!([A-Za-z][\w-]*)\]([+-]?)(?:[ \t]+(.*?))?[ \t]*$`)

// alertTransformer turns blockquotes that start with "[!KIND]" into callouts.
// It runs after inline parsing, so it removes the inline nodes of the marker
// line rather than re-parsing the paragraph.
type alertTransformer struct{}

func (alertTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	st := getState(pc)
	source := reader.Source()
	var quotes []*ast.Blockquote
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if q, ok := n.(*ast.Blockquote); ok && entering {
			quotes = append(quotes, q)
		}
		return ast.WalkContinue, nil
	})
	for _, q := range quotes {
		p, ok := q.FirstChild().(*ast.Paragraph)
		if !ok || p.Lines().Len() == 0 {
			continue
		}
		first := p.Lines().At(0)
		m := alertMarker.FindStringSubmatch(strings.TrimSpace(string(first.Value(source))))
		if m == nil {
			continue
		}
		kind := strings.ToLower(m[1])
		if calloutKind[kind] == "" {
			st.warn(first.Start, "unknown callout type %q; rendered as a blockquote", kind)
			continue
		}
		c := newCallout(kind, m[3])
		c.collapsible = m[2] != ""
		c.open = m[2] == "+"
		c.SetPos(q.Pos())
		dropFirstLine(p, first.Stop)
		for child := q.FirstChild(); child != nil; {
			next := child.NextSibling()
			if pp, ok := child.(*ast.Paragraph); ok && pp == p && !p.HasChildren() {
				q.RemoveChild(q, child)
			} else {
				c.AppendChild(c, child)
			}
			child = next
		}
		q.Parent().ReplaceChild(q.Parent(), q, c)
	}
}

// dropFirstLine removes the inline nodes that start before stop (the end of
// the marker line) and the line itself from a paragraph.
func dropFirstLine(p *ast.Paragraph, stop int) {
	// Children are in source order; nodes without a position (typographer
	// quotes) belong to the line of the nodes around them.
	for c := p.FirstChild(); c != nil; {
		if s := inlineStart(c); s >= stop {
			break
		}
		next := c.NextSibling()
		p.RemoveChild(p, c)
		c = next
	}
	lines := text.NewSegments()
	for i := 1; i < p.Lines().Len(); i++ {
		lines.Append(p.Lines().At(i))
	}
	p.SetLines(lines)
}

// inlineStart returns the source offset where an inline node starts.
func inlineStart(n ast.Node) int {
	if t, ok := n.(*ast.Text); ok {
		return t.Segment.Start
	}
	if n.Pos() >= 0 {
		return n.Pos()
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if s := inlineStart(c); s >= 0 {
			return s
		}
	}
	return -1
}

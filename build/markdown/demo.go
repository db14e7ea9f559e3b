package markdown

import (
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// MyST's {myst} directive shows MyST source next to what it renders as.
// Its body is parsed as the page's own Markdown (so directives, roles and
// links in it work and are checked), and its lines are also kept verbatim
// for the code block. Labels defined in a demo are examples, not targets:
// Scan skips the body and demo() drops them, so they never collide with
// the site's labels, and a link to one is reported like any unknown label.

// keepDemoSource keeps a body line of a {myst} directive verbatim, besides
// the parse of its Markdown.
func keepDemoSource(node ast.Node, line []byte, seg text.Segment, reader text.Reader, f *fence) {
	if d, ok := node.(*directiveNode); ok && d.name == "myst" {
		d.source.Append(verbatimSegment(line, seg, reader, f))
	}
}

// inDemo reports whether n is inside a {myst} directive.
func inDemo(n ast.Node) bool {
	for p := n.Parent(); p != nil; p = p.Parent() {
		if d, ok := p.(*directiveNode); ok && d.name == "myst" {
			return true
		}
	}
	return false
}

// demo shapes a {myst} directive: its source as a Markdown code block,
// then its rendered children in a "myst-result" container, with the
// labels they define removed.
func demo(d *directiveNode, source []byte) {
	var body strings.Builder
	for i := 0; i < d.source.Len(); i++ {
		s := d.source.At(i)
		body.WriteString(strings.Repeat(" ", s.Padding))
		body.Write(s.Value(source))
	}
	result := &directiveNode{name: "myst-result", opts: map[string]string{}}
	for c := d.FirstChild(); c != nil; {
		next := c.NextSibling()
		result.AppendChild(result, c)
		c = next
	}
	dropLabels(result)
	d.AppendChild(d, &includedCode{lang: "markdown", code: strings.Trim(body.String(), "\n") + "\n"})
	d.AppendChild(d, result)
}

// dropLabels removes the "(label)=" lines under n and the names of its
// callouts.
func dropLabels(n ast.Node) {
	for c := n.FirstChild(); c != nil; {
		next := c.NextSibling()
		switch c := c.(type) {
		case *labelNode:
			n.RemoveChild(n, c)
		case *calloutNode:
			c.name, c.id = "", ""
		}
		dropLabels(c)
		c = next
	}
}

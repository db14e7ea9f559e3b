package markdown

import "github.com/yuin/goldmark/util"

// diagramTag opens a mermaid diagram's source in the HTML. The theme's
// diagrams.js draws each one as an SVG; without JavaScript the source stays
// readable. Result.Diagrams looks for it, so a diagram that comes from an
// {include} counts too.
const diagramTag = `<pre class="mermaid">`

// writeDiagram writes a mermaid diagram's source, in a figure when it has
// a caption.
func writeDiagram(w util.BufWriter, src, caption string) {
	if caption != "" {
		_, _ = w.WriteString(`<figure class="diagram">`)
	}
	_, _ = w.WriteString(diagramTag + "<code>")
	writeEscaped(w, src)
	_, _ = w.WriteString("</code></pre>\n")
	if caption != "" {
		_, _ = w.WriteString("<figcaption>")
		writeEscaped(w, caption)
		_, _ = w.WriteString("</figcaption></figure>\n")
	}
}

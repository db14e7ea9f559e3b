package markdown

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	ghtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// htmlRenderer renders our own nodes and overrides goldmark's rendering of
// headings (permalink anchors) and, unless unsafe, of raw HTML (escaped).
type htmlRenderer struct {
	unsafe bool
	writer ghtml.Writer
}

func (r *htmlRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindHeading, r.heading)
	reg.Register(kindCallout, r.callout)
	reg.Register(kindUnknownDirective, r.unknown)
	reg.Register(kindRole, r.role)
	reg.Register(kindMath, r.renderMath)
	reg.Register(kindTemplateTag, r.template)
	reg.Register(kindLabel, r.label)
	reg.Register(kindDirective, r.directive)
	reg.Register(kindRewrittenHTML, r.rewritten)
	if !r.unsafe {
		reg.Register(ast.KindRawHTML, r.rawHTML)
		reg.Register(ast.KindHTMLBlock, r.htmlBlock)
	}
}

func (r *htmlRenderer) heading(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Heading)
	tag := "h" + strconv.Itoa(n.Level)
	if entering {
		_, _ = w.WriteString("<" + tag)
		if n.Attributes() != nil {
			ghtml.RenderAttributes(w, n, ghtml.HeadingAttributeFilter)
		}
		_ = w.WriteByte('>')
		return ast.WalkContinue, nil
	}
	if v, ok := n.AttributeString("id"); ok && n.Level >= 2 {
		// The visible "#" is hidden from assistive technology; the link's
		// label says what it is, once.
		_, _ = w.WriteString(` <a class="anchor" href="#`)
		_, _ = w.Write(util.EscapeHTML(util.URLEscape([]byte(attrString(v)), false)))
		_, _ = w.WriteString(`" aria-label="Link to this section"><span aria-hidden="true">#</span></a>`)
	}
	_, _ = w.WriteString("</" + tag + ">\n")
	return ast.WalkContinue, nil
}

func writeEscaped(w util.BufWriter, s string) {
	_, _ = w.Write(util.EscapeHTML([]byte(s)))
}

func (r *htmlRenderer) callout(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*calloutNode)
	if !entering {
		if n.collapsible {
			_, _ = w.WriteString("</details>\n")
		} else {
			_, _ = w.WriteString("</aside>\n")
		}
		return ast.WalkContinue, nil
	}
	if n.collapsible {
		_, _ = w.WriteString("<details")
	} else {
		_, _ = w.WriteString("<aside")
	}
	if n.id != "" {
		_, _ = w.WriteString(` id="`)
		writeEscaped(w, n.id)
		_ = w.WriteByte('"')
	}
	_, _ = w.WriteString(` class="callout callout-` + n.class + `" data-kind="`)
	writeEscaped(w, n.kind)
	_ = w.WriteByte('"')
	if n.collapsible {
		if n.open {
			_, _ = w.WriteString(" open")
		}
		_, _ = w.WriteString(`><summary class="callout-title">`)
		writeEscaped(w, n.title)
		_, _ = w.WriteString("</summary>\n")
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString(` role="note" aria-label="`)
	writeEscaped(w, n.title)
	_, _ = w.WriteString(`"><p class="callout-title">`)
	writeEscaped(w, n.title)
	_, _ = w.WriteString("</p>\n")
	return ast.WalkContinue, nil
}

func (r *htmlRenderer) unknown(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*unknownDirective)
	if n.literal {
		if entering {
			_, _ = w.WriteString(`<pre class="directive-unknown"><code>`)
			writeEscaped(w, n.opening)
			_ = w.WriteByte('\n')
			for i := 0; i < n.Lines().Len(); i++ {
				r.writer.RawWrite(w, lineValue(n, i, source))
			}
			if n.closing != "" {
				writeEscaped(w, n.closing)
				_ = w.WriteByte('\n')
			}
			_, _ = w.WriteString("</code></pre>\n")
		}
		return ast.WalkSkipChildren, nil
	}
	if entering {
		_, _ = w.WriteString(`<div class="directive-unknown"><p class="directive-source">`)
		writeEscaped(w, n.opening)
		_, _ = w.WriteString("</p>\n")
	} else {
		_, _ = w.WriteString("</div>\n")
	}
	return ast.WalkContinue, nil
}

// splitAbbr splits the {abbr} role content "CSS (Cascading Style Sheets)".
func splitAbbr(s string) (abbr, title string) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndex(s, "("); i > 0 {
			return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1 : len(s)-1])
		}
	}
	return s, ""
}

func (r *htmlRenderer) role(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*roleNode)
	simple := func(tag string) {
		_, _ = w.WriteString("<" + tag + ">")
		writeEscaped(w, n.content)
		_, _ = w.WriteString("</" + tag + ">")
	}
	switch n.name {
	case "ref", "doc", "numref", "eq", "term", "button", "download":
		_, _ = w.WriteString(`<a href="`)
		if r.unsafe || !ghtml.IsDangerousURL([]byte(n.dest)) {
			_, _ = w.Write(util.EscapeHTML(util.URLEscape([]byte(n.dest), true)))
		}
		_ = w.WriteByte('"')
		switch n.name {
		case "term":
			_, _ = w.WriteString(` class="term"`)
		case "button":
			_, _ = w.WriteString(` class="button"`)
		case "download":
			_, _ = w.WriteString(` download`)
		}
		_ = w.WriteByte('>')
		writeEscaped(w, cmp.Or(n.label, n.content))
		_, _ = w.WriteString("</a>")
	case "guilabel":
		simple("kbd")
	case "menuselection":
		_, _ = w.WriteString("<kbd>")
		writeEscaped(w, strings.ReplaceAll(n.content, "-->", "→"))
		_, _ = w.WriteString("</kbd>")
	case "kbd":
		simple("kbd")
	case "abbr":
		abbr, title := splitAbbr(n.content)
		_, _ = w.WriteString("<abbr")
		if title != "" {
			_, _ = w.WriteString(` title="`)
			writeEscaped(w, title)
			_ = w.WriteByte('"')
		}
		_ = w.WriteByte('>')
		writeEscaped(w, abbr)
		_, _ = w.WriteString("</abbr>")
	case "sub", "subscript":
		simple("sub")
	case "sup", "superscript":
		simple("sup")
	case "code", "samp", "file", "command":
		simple("code")
	default:
		writeEscaped(w, n.raw)
	}
	return ast.WalkContinue, nil
}

// rewritten writes raw HTML whose links were rewritten (unsafe HTML only).
func (r *htmlRenderer) rewritten(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		_, _ = w.WriteString(node.(*rewrittenHTML).html)
	}
	return ast.WalkSkipChildren, nil
}

// label renders a target that names no heading as an empty anchor.
func (r *htmlRenderer) label(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if n := node.(*labelNode); entering && !n.onHeading && !n.elsewhere {
		_, _ = w.WriteString(`<span id="`)
		writeEscaped(w, n.id)
		_, _ = w.WriteString(`"></span>` + "\n")
	}
	return ast.WalkSkipChildren, nil
}

func (r *htmlRenderer) template(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		if n := node.(*templateTag); n.substituted {
			writeEscaped(w, n.value)
		} else {
			writeEscaped(w, n.raw)
		}
	}
	return ast.WalkContinue, nil
}

// rawHTML shows inline HTML as text. Comments are dropped: they were never
// meant to be seen, and showing them would leak editor notes.
func (r *htmlRenderer) rawHTML(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	n := node.(*ast.RawHTML)
	if isComment(n.Segments, source) {
		return ast.WalkSkipChildren, nil
	}
	for i := 0; i < n.Segments.Len(); i++ {
		seg := n.Segments.At(i)
		_, _ = w.Write(util.EscapeHTML(seg.Value(source)))
	}
	return ast.WalkSkipChildren, nil
}

// htmlBlock shows an HTML block as a paragraph of text (comments dropped).
func (r *htmlRenderer) htmlBlock(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.HTMLBlock)
	if !entering || n.HTMLBlockType == ast.HTMLBlockType2 {
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString(`<p class="raw-html">`)
	var text []byte
	for i := 0; i < n.Lines().Len(); i++ {
		text = append(text, lineValue(n, i, source)...)
	}
	if n.HasClosure() {
		text = append(text, n.ClosureLine.Value(source)...)
	}
	_, _ = w.Write(util.EscapeHTML(util.TrimRightSpace(text)))
	_, _ = w.WriteString("</p>\n")
	return ast.WalkContinue, nil
}

// MarkBroken marks every link of rendered page HTML whose destination is
// dest (as resolve returned it, or as written when it matched nothing)
// with a data-broken attribute, which the theme shows, so a site built
// with errors shows where they are.
func MarkBroken(html, dest string) string {
	href := `href="` + string(util.EscapeHTML(util.URLEscape([]byte(dest), true))) + `"`
	if strings.Contains(html, href+" data-broken") {
		return html
	}
	return strings.ReplaceAll(html, href, href+` data-broken="broken link"`)
}

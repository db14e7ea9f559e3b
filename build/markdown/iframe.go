package markdown

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/yuin/goldmark/util"
)

// MyST's {iframe} directive embeds another page. The starter
// Content-Security-Policy (netlify.toml) is one header for the whole site
// and allows frames only from the site itself (default-src 'self'), so
// Compass cannot open it for one page: it renders the frame, a plain link
// under it (what a reader sees when the frame is blocked, or without
// frames at all), and warns at the directive how to allow the origin.

// iframeURL checks an {iframe}'s argument: only absolute http(s) URLs are
// embedded. It returns the URL's origin, or a reason it is refused.
func iframeURL(arg string) (origin, problem string) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return "", "iframe: no URL after {iframe}"
	}
	u, err := url.Parse(arg)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Sprintf("iframe: %q is not an http(s) URL; only web pages can be embedded", arg)
	}
	return u.Scheme + "://" + u.Host, ""
}

// checkIframe reports a refused URL as an error, and the CSP's frame rule
// as a warning, at the directive.
func checkIframe(d *directiveNode, st *renderState) {
	origin, problem := iframeURL(d.arg)
	if problem != "" {
		st.fail(d.at, "%s", problem)
		return
	}
	for _, a := range []string{"width", "height"} {
		if v := strings.TrimSpace(d.opts[a]); v != "" && pixels(v) == "" && v != "100%" {
			st.warn(d.at, "iframe: :%s: %q is not a number of pixels (or 100%%); ignored", a, v)
		}
	}
	st.warn(d.at, "iframe: the site's Content-Security-Policy allows frames only from the site itself; "+
		"add \"frame-src %s\" to it (netlify.toml) to show this frame; readers see a link to it meanwhile", origin)
}

// pixels is v as an HTML width or height ("640", "640px" -> "640"), or ""
// when v is not a whole number of pixels (percentages go to the theme).
func pixels(v string) string {
	v = strings.TrimSuffix(v, "px")
	if v == "" || strings.Trim(v, "0123456789") != "" {
		return ""
	}
	return v
}

// iframeTitle is the frame's accessible name: :title:, else the caption's
// text, else the URL.
func iframeTitle(n *directiveNode, source []byte) string {
	if t := strings.TrimSpace(n.opts["title"]); t != "" {
		return t
	}
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		writePlain(&b, c, source)
		b.WriteByte(' ')
	}
	if t := collapse(b.String()); t != "" {
		return t
	}
	return strings.TrimSpace(n.arg)
}

// openIframe writes the frame and its fallback link; the caption (the
// body, as Markdown children) follows in a figcaption.
// A refused URL (an error already) is shown as text, without frame or link.
func (r *htmlRenderer) openIframe(w util.BufWriter, source []byte, n *directiveNode) {
	src := strings.TrimSpace(n.arg)
	_, _ = w.WriteString(`<figure class="`)
	writeEscaped(w, directiveClass(n, "iframe"))
	_, _ = w.WriteString("\">\n")
	if _, problem := iframeURL(src); problem != "" {
		_, _ = w.WriteString(`<p class="iframe-link">`)
		writeEscaped(w, src)
		_, _ = w.WriteString("</p>\n")
	} else {
		r.writeFrame(w, source, n, src)
	}
	if n.HasChildren() {
		_, _ = w.WriteString("<figcaption>\n")
	}
}

// closeIframe ends what openIframe began.
func closeIframe(w util.BufWriter, n *directiveNode) {
	if n.HasChildren() {
		_, _ = w.WriteString("</figcaption>\n")
	}
	_, _ = w.WriteString("</figure>\n")
}

// writeFrame writes the <iframe> of an http(s) src and the link under it.
func (r *htmlRenderer) writeFrame(w util.BufWriter, source []byte, n *directiveNode, src string) {
	_, _ = w.WriteString("<iframe src=\"")
	writeEscaped(w, src)
	_, _ = w.WriteString(`" title="`)
	writeEscaped(w, iframeTitle(n, source))
	_ = w.WriteByte('"')
	for _, a := range []string{"width", "height"} {
		if v := pixels(strings.TrimSpace(n.opts[a])); v != "" {
			_, _ = w.WriteString(" " + a + `="` + v + `"`)
		}
	}
	_, _ = w.WriteString(` loading="lazy"></iframe>` + "\n")
	_, _ = w.WriteString(`<p class="iframe-link"><a href="`)
	writeEscaped(w, src)
	_, _ = w.WriteString(`">`)
	writeEscaped(w, src)
	_, _ = w.WriteString("</a></p>\n")
}

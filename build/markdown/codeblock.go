package markdown

import (
	"html"
	"strconv"
	"strings"

	"github.com/alecthomas/chroma/v2"
)

// writeCodeBlock writes one code block as
//
//	<div class="code-block">
//	<div class="code-title">{title}</div>                 (with a title)
//	<pre class="chroma"><code class="language-{lang}">…</code></pre>
//	</div>
//
// Tokens are <span class="{chroma class}">; the theme's highlight.css
// colours them. Only a block with line numbers or highlighted lines has
// one <span class="line"> per line (with class "hl" when highlighted), its
// number in <span class="ln" aria-hidden="true">, so plain blocks stay as
// small as the code itself. The theme's script adds the copy button, which
// copies the text without the numbers.
func writeCodeBlock(w *strings.Builder, lang string, o *codeOptions, tokens []chroma.Token) {
	w.WriteString(`<div class="code-block">`)
	if o.title != "" {
		w.WriteString(`<div class="code-title">`)
		w.WriteString(html.EscapeString(o.title))
		w.WriteString(`</div>`)
	}
	w.WriteString("\n<pre class=\"chroma\"><code")
	if lang != "" {
		w.WriteString(` class="language-`)
		w.WriteString(html.EscapeString(lang))
		w.WriteByte('"')
	}
	w.WriteByte('>')
	if !o.lineNos && len(o.highlight) == 0 {
		writeTokens(w, tokens)
	} else {
		lines := chroma.SplitTokensIntoLines(tokens)
		start := max(o.start, 1)
		digits := len(strconv.Itoa(start + len(lines) - 1))
		for i, line := range lines {
			w.WriteString(`<span class="line`)
			if o.highlighted(i + 1) {
				w.WriteString(` hl`)
			}
			w.WriteString(`">`)
			if o.lineNos {
				n := strconv.Itoa(start + i)
				w.WriteString(`<span class="ln" aria-hidden="true">`)
				w.WriteString(strings.Repeat(" ", digits-len(n)))
				w.WriteString(n)
				w.WriteString(`</span>`)
			}
			w.WriteString(`<span class="cl">`)
			writeTokens(w, line)
			w.WriteString(`</span></span>`)
		}
	}
	w.WriteString("</code></pre>\n</div>\n")
}

func writeTokens(w *strings.Builder, tokens []chroma.Token) {
	for _, t := range tokens {
		if t.Type == chroma.TextWhitespace && strings.TrimSpace(t.Value) == "" {
			// A colour on spaces, tabs and newlines shows nothing, and their
			// spans were a twentieth of a page with a code block.
			w.WriteString(t.Value)
			continue
		}
		cls := tokenClass(t.Type)
		if cls != "" {
			w.WriteString(`<span class="`)
			w.WriteString(cls)
			w.WriteString(`">`)
		}
		w.WriteString(html.EscapeString(t.Value))
		if cls != "" {
			w.WriteString(`</span>`)
		}
	}
}

// tokenClass is chroma's CSS class for a token type: its own, else its
// sub-category's, else its category's ("" for plain text).
func tokenClass(t chroma.TokenType) string {
	for _, tt := range []chroma.TokenType{t, t.SubCategory(), t.Category()} {
		if cls, ok := chroma.StandardTypes[tt]; ok {
			return cls
		}
	}
	return ""
}

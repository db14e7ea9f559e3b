package markdown

import (
	"html"
	"regexp"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// With unsafe HTML, handbooks moved from GitHub often link between pages
// inside raw HTML (<a href="other.md">, <img src="img/x.png">, tables and
// <details> written as HTML). Those links are resolved and checked like
// Markdown links, and rewritten to the pages' URLs.

// rawLinkAttr matches an href or src attribute with a quoted value.
var rawLinkAttr = regexp.MustCompile(`(?i)\b(href|src)\s*=\s*("[^"]*"|'[^']*')`)

// kindRewrittenHTML is the goldmark node kind of raw HTML whose links were
// rewritten; it holds the new markup because the source no longer does.
var kindRewrittenHTML = ast.NewNodeKind("RewrittenHTML")

type rewrittenHTML struct {
	ast.BaseBlock
	html   string
	inline bool
}

func (n *rewrittenHTML) Kind() ast.NodeKind { return kindRewrittenHTML }

func (n *rewrittenHTML) Type() ast.NodeType {
	if n.inline {
		return ast.TypeInline
	}
	return ast.TypeBlock
}

func (n *rewrittenHTML) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"HTML": n.html}, nil)
}

// rawRewrite replaces one raw HTML node once the walk is done.
type rawRewrite struct{ old, new ast.Node }

// rewriteRawLinks resolves the internal links in the segments of a raw
// HTML node, records them, and queues a replacement with the rewritten
// markup when any changed.
func rewriteRawLinks(n ast.Node, segs *text.Segments, closure *text.Segment, source []byte, st *renderState, out []rawRewrite) []rawRewrite {
	all := segs.Sliced(0, segs.Len())
	if closure != nil {
		all = append(all, *closure)
	}
	var b strings.Builder
	changed := false
	for _, seg := range all {
		v := seg.Value(source)
		last := 0
		for _, m := range rawLinkAttr.FindAllSubmatchIndex(v, -1) {
			quoted := v[m[4]:m[5]]
			dest := html.UnescapeString(string(quoted[1 : len(quoted)-1]))
			if dest == "" || isExternal(dest) {
				continue
			}
			image := strings.EqualFold(string(v[m[2]:m[3]]), "src")
			href, ok := st.resolveDest(dest, seg.Start+m[4]+1, image)
			if !ok || href == dest {
				continue
			}
			b.Write(v[last : m[4]+1])
			b.Write(util.EscapeHTML([]byte(href)))
			last = m[5] - 1
			changed = true
		}
		b.Write(v[last:])
	}
	if !changed {
		return out
	}
	_, inline := n.(*ast.RawHTML)
	return append(out, rawRewrite{old: n, new: &rewrittenHTML{html: b.String(), inline: inline}})
}

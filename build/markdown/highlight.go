package markdown

import (
	"strconv"
	"strings"
	"sync"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// codeRenderer renders fenced code blocks with chroma.
//
// It replaces goldmark-highlighting, which builds a new chroma formatter
// for every block and so recompiles the style table each time (about 40% of
// a page's render time in BenchmarkRender). One formatter is shared here;
// chroma's formatter guards its style cache with a mutex, so it is safe for
// concurrent use.
//
// Highlighted blocks are remembered by language and text (see
// highlightCache): handbooks repeat snippets (the same kubectl command in
// many runbooks), and `compass serve` renders a page again on every edit
// while most of its blocks stay the same.
type codeRenderer struct {
	lexers sync.Map // language name -> chroma.Lexer (hits only)
	cache  highlightCache
}

// highlightCache maps language + "\x00" + code to the highlighted markup.
// It is bounded: blocks over maxBlock are not kept, and when the entries
// add up to more than maxBytes it starts afresh, so a long `compass serve`
// session does not grow without end.
type highlightCache struct {
	mu    sync.Mutex
	m     map[string]string
	bytes int
	off   bool // for benchmarks that measure highlighting itself
}

const (
	highlightCacheMaxBlock = 64 << 10
	highlightCacheMaxBytes = 64 << 20
)

func (c *highlightCache) get(key string) (string, bool) {
	if c.off {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.m[key]
	return h, ok
}

func (c *highlightCache) put(key, html string) {
	if c.off || len(key)+len(html) > highlightCacheMaxBlock {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.bytes+len(key)+len(html) > highlightCacheMaxBytes {
		c.m, c.bytes = map[string]string{}, 0
	}
	if _, ok := c.m[key]; !ok {
		c.m[key] = html
		c.bytes += len(key) + len(html)
	}
}

func newCodeRenderer() *codeRenderer {
	return &codeRenderer{}
}

func (r *codeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, r.fenced)
	reg.Register(kindIncludedCode, r.included)
}

// included renders a {literalinclude}: code read from another file, with
// the options a {code-block} takes set as attributes.
func (r *codeRenderer) included(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		n := node.(*includedCode)
		var o codeOptions
		attrOptions(&o, n)
		r.write(w, strings.ToLower(n.lang), &o, n.code)
	}
	return ast.WalkContinue, nil
}

// lexer returns the lexer for a fence's language, or nil when chroma does
// not know it (the block is then shown as plain escaped text).
func (r *codeRenderer) lexer(lang string) chroma.Lexer {
	if lang == "" {
		return nil
	}
	if l, ok := r.lexers.Load(lang); ok {
		return l.(chroma.Lexer)
	}
	l := lexers.Get(lang)
	if l == nil {
		return nil
	}
	l = chroma.Coalesce(l)
	r.lexers.Store(lang, l)
	return l
}

func (r *codeRenderer) fenced(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.FencedCodeBlock)
	lang := strings.ToLower(string(n.Language(source)))
	opts := fenceOptions(n, source)
	var code strings.Builder
	for i := 0; i < n.Lines().Len(); i++ {
		code.Write(lineValue(n, i, source))
	}
	if lang == "mermaid" {
		// GitHub, GitLab and MkDocs Material draw ```mermaid fences too.
		writeDiagram(w, code.String(), "")
		return ast.WalkContinue, nil
	}
	r.write(w, lang, &opts, code.String())
	return ast.WalkContinue, nil
}

// write writes a highlighted code block, from the cache when it can.
func (r *codeRenderer) write(w util.BufWriter, lang string, opts *codeOptions, code string) {
	key := lang + "\x00" + opts.key() + "\x00" + code
	if h, ok := r.cache.get(key); ok {
		_, _ = w.WriteString(h)
		return
	}
	tokens := []chroma.Token{{Type: chroma.Text, Value: code}}
	if l := r.lexer(lang); l != nil {
		// When chroma fails the block is shown as plain text rather than lost.
		if it, err := l.Tokenise(nil, code); err == nil {
			tokens = it.Tokens()
		}
	}
	var out strings.Builder
	writeCodeBlock(&out, lang, opts, tokens)
	r.cache.put(key, out.String())
	_, _ = w.WriteString(out.String())
}

// fenceOptions reads a block's options from its info string, then from
// attributes that other syntaxes' parsers set on the node (see
// codeOptions), which win.
func fenceOptions(n *ast.FencedCodeBlock, source []byte) codeOptions {
	var o codeOptions
	if n.Info != nil {
		info := string(n.Info.Segment.Value(source))
		if lang := n.Language(source); len(lang) > 0 {
			_, rest, _ := strings.Cut(info, string(lang))
			o = parseCodeInfo(rest)
		}
	}
	attrOptions(&o, n)
	return o
}

// attrOptions applies the options set as attributes on a code node.
func attrOptions(o *codeOptions, n ast.Node) {
	for _, a := range n.Attributes() {
		switch v := a.Value.(type) {
		case []byte:
			o.setOption(string(a.Name), string(v))
		case string:
			o.setOption(string(a.Name), v)
		case bool:
			o.setOption(string(a.Name), strconv.FormatBool(v))
		}
	}
}

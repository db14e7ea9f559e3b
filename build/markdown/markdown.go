// Package markdown turns handbook Markdown into HTML plus the facts the build
// needs from it (title, headings, links, warnings). It is the only importer of
// goldmark, so the rest of the build does not depend on a Markdown library.
//
// Beyond CommonMark it understands GFM (tables, task lists, strikethrough,
// autolinks), footnotes, definition lists, typographic quotes, heading
// attributes ("## Title {#id}") and callouts written for GitHub, MkDocs,
// MyST/Sphinx and Docusaurus, so handbooks moved from those tools render
// without edits.
//
// Every callout renders the same way, whichever syntax produced it:
//
//	<aside class="callout callout-{class}" data-kind="{kind}" role="note" aria-label="{Title}">
//	<p class="callout-title">{Title}</p>
//	…content…
//	</aside>
//
// and collapsible ones (MkDocs "???", Obsidian "[!tip]-", MyST dropdown):
//
//	<details class="callout callout-{class}" data-kind="{kind}" [open]>
//	<summary class="callout-title">{Title}</summary>
//	…content…
//	</details>
//
// {kind} is the name as written ("danger"); {class} is one of note, tip,
// important, warning or caution, so a theme styles five boxes.
//
// Constructs of other tools that we cannot render (unknown directives and
// roles, Hugo shortcodes, Jinja/Liquid tags) are never dropped: they render
// as escaped text and add a Diagnostic at their position.
package markdown

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Options configure a Renderer.
type Options struct {
	// UnsafeHTML passes raw HTML through; by default raw HTML is escaped
	// (shown as text) so page content cannot inject markup or scripts into
	// the site.
	UnsafeHTML bool
	// HeadingIDs names the rule heading ids are made by: IDsCompass (the
	// default, also ""), IDsGitHub or IDsMkDocs.
	HeadingIDs string
	// Substitutions are MyST's "{{ name }}" values (myst.yml's
	// project.substitutions); other "{{ … }}" stay text with a warning.
	Substitutions map[string]string
	// MathSpaces lets $…$ math start and end with a space ("$ x $"), as
	// MyST's dollar math does; by default, as on GitHub, it may not, so
	// fewer dollar signs in prose become math.
	MathSpaces bool
}

// Renderer renders Markdown bodies. goldmark is configured once in New; each
// Render call only parses and renders, so a build shares one Renderer
// between all its workers. It is safe for concurrent use.
type Renderer struct {
	opts Options
	md   goldmark.Markdown
	code *codeRenderer
	bufs sync.Pool // *bytes.Buffer for rendering
}

// New returns a Renderer configured with opts. An unknown HeadingIDs rule
// is Compass's; callers check the name first with CheckHeadingIDs.
func New(opts Options) *Renderer {
	ids, err := headingIDRule(opts.HeadingIDs)
	if err != nil {
		ids, _ = headingIDRule("")
	}
	code := newCodeRenderer()
	rendererOpts := []renderer.Option{
		renderer.WithNodeRenderers(
			util.Prioritized(&htmlRenderer{unsafe: opts.UnsafeHTML, writer: html.DefaultWriter}, 100),
			util.Prioritized(code, 100),
			util.Prioritized(newTableRenderer(), 100),
		),
	}
	if opts.UnsafeHTML {
		rendererOpts = append(rendererOpts, html.WithUnsafe())
	}
	md := goldmark.New(
		goldmark.WithExtensions(
			extension.NewTable(tableAlign),
			extension.Strikethrough,
			extension.Linkify,
			extension.TaskList,
			extension.Footnote,
			extension.DefinitionList,
			extension.Typographer,
		),
		goldmark.WithParserOptions(
			parser.WithAttribute(),
			parser.WithBlockParsers(
				util.Prioritized(directiveFenceParser{}, 650),
				util.Prioritized(colonFenceParser{}, 660),
				util.Prioritized(admonitionParser{}, 670),
				util.Prioritized(labelParser{}, 680),
				util.Prioritized(snippetParser{}, 690),
				util.Prioritized(dollarBlockParser{}, 695),
			),
			parser.WithInlineParsers(util.Prioritized(braceParser{}, 90), util.Prioritized(dollarParser{}, 95)),
			parser.WithASTTransformers(
				util.Prioritized(alertTransformer{}, 500),
				util.Prioritized(directiveTransformer{}, 600),
				util.Prioritized(collector{unsafeHTML: opts.UnsafeHTML, ids: ids}, 10000),
			),
		),
		goldmark.WithRendererOptions(rendererOpts...),
	)
	return &Renderer{opts: opts, md: md, code: code, bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
}

// Result is what Render learns from one page body.
type Result struct {
	HTML        []byte
	Title       string       // plain text of the first level-1 heading, "" if none
	Intro       string       // plain text before the first heading (for search)
	Headings    []Heading    // every heading, document order
	Labels      []Label      // MyST "(label)=" targets, document order
	Links       []Link       // every link/image destination passed to resolve, with position
	Diagnostics []Diagnostic // problems found while rendering, in file order
	// Includes are the files that {include} and {literalinclude} read,
	// paths in Files.FS: the page must be rendered again when one changes.
	Includes []string
	// Diagrams is true when the page has a mermaid diagram: its page
	// loads the library that draws it.
	Diagrams bool
	// Math is true when the page has math ({math}, $…$): its page loads
	// the library that turns TeX into MathML.
	Math bool
}

// Heading is one heading of a page; the build turns these into section
// anchors in compass.json and search entries.
type Heading struct {
	Level int
	Text  string // plain text
	ID    string // stable anchor id, unique within the page
	Line  int    // file line
	// Body is the plain text of the content under this heading up to the
	// next heading (any level), for the search index.
	Body string
}

// Link is one internal link or image destination (including MyST {ref} and
// {doc} roles), reported so the caller can flag the ones that match nothing
// at their file position. When Render got a nil resolve, Resolved is Dest
// and OK is true.
type Link struct {
	Dest, Resolved string
	OK             bool
	Image          bool
	Line, Col      int // Col counts characters, 1-based
}

// Target is where resolve says an internal link destination points.
type Target struct {
	Href string // the destination to write instead
	// Title is the target's title (a page's, or the heading a label
	// names); a link written without text, "[](#label)" or {ref}`label`,
	// shows it. "" when unknown.
	Title string
	OK    bool // false when the destination is internal but matches nothing
}

// Diagnostic is a warning about the content at a file position, or an
// error when Error is set; Col counts characters, 1-based.
type Diagnostic struct {
	Line, Col int
	Message   string
	Error     bool
}

// Render renders body: Markdown with the front matter already removed.
// firstLine is the 1-based line of the file where body starts, so every
// reported line is a file line.
//
// resolve is called for every link and image destination that is not
// external (no URL scheme, not starting with "//"), such as
// "../policies/oncall.md#escalation", "#local-anchor" or "/abs/path/". It
// returns the rewritten destination, and OK=false when the destination is
// internal but matches nothing; the destination is then kept as written and
// the Link has OK=false for the caller to report. resolve may be nil.
func (r *Renderer) Render(body []byte, firstLine int, resolve func(dest string) Target) (*Result, error) {
	return r.RenderPage(body, firstLine, resolve, nil)
}

// RenderPage is Render for a page whose {include} and {literalinclude}
// directives read files from files; with nil files they are errors.
func (r *Renderer) RenderPage(body []byte, firstLine int, resolve func(dest string) Target, files *Files) (*Result, error) {
	var stack []string
	if files != nil {
		stack = []string{files.Page}
	}
	return r.render(body, firstLine, resolve, files, stack)
}

func (r *Renderer) render(body []byte, firstLine int, resolve func(dest string) Target, files *Files, stack []string) (*Result, error) {
	if firstLine < 1 {
		firstLine = 1
	}
	st := &renderState{source: body, firstLine: firstLine, resolve: resolve, substitutions: r.opts.Substitutions,
		renderer: r, files: files, stack: stack}
	pc := parser.NewContext()
	pc.Set(stateKey, st)
	doc := r.md.Parser().Parse(text.NewReader(body), parser.WithContext(pc))

	buf := r.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer r.bufs.Put(buf)
	if err := r.md.Renderer().Render(buf, body, doc); err != nil {
		return nil, fmt.Errorf("render markdown: %w", err)
	}
	res := &Result{
		HTML:        bytes.Clone(buf.Bytes()),
		Links:       st.links,
		Diagnostics: st.diags,
		Includes:    st.includes,
		Diagrams:    bytes.Contains(buf.Bytes(), []byte(diagramTag)),
		Math:        bytes.Contains(buf.Bytes(), []byte(mathClass)),
	}
	if c, ok := pc.Get(collectedKey).(*collected); ok {
		res.Title, res.Intro, res.Headings, res.Labels = c.title, c.intro, c.headings, c.labels
	}
	slices.SortStableFunc(res.Diagnostics, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return res, nil
}

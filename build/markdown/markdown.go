// Package markdown turns handbook Markdown into HTML plus the facts the build
// needs from it (title, headings, links, warnings). It is the only importer of
// goldmark so the rest of the build does not depend on a Markdown library.
package markdown

import (
	"bytes"
	"fmt"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
)

// Options configure a Renderer.
type Options struct {
	// UnsafeHTML passes raw HTML through; by default raw HTML is escaped
	// (shown as text) so content cannot inject markup into the site.
	UnsafeHTML bool
}

// Renderer renders Markdown bodies. It is configured once and safe for
// concurrent use by many goroutines, so a build shares one across workers.
type Renderer struct {
	opts Options
	md   goldmark.Markdown
}

// New returns a Renderer configured with opts.
func New(opts Options) *Renderer {
	ro := []goldmark.Option{
		goldmark.WithExtensions(extension.GFM, extension.Footnote, extension.DefinitionList, extension.Typographer),
		goldmark.WithParserOptions(parser.WithAttribute(), parser.WithAutoHeadingID()),
	}
	if opts.UnsafeHTML {
		ro = append(ro, goldmark.WithRendererOptions(html.WithUnsafe()))
	}
	return &Renderer{opts: opts, md: goldmark.New(ro...)}
}

// Result is what Render learns from one page body.
type Result struct {
	HTML        []byte
	Title       string       // plain text of the first level-1 heading, "" if none
	Intro       string       // plain text before the first heading (for search)
	Headings    []Heading    // every heading, document order
	Links       []Link       // every link/image destination passed to resolve, with position
	Diagnostics []Diagnostic // warnings found while rendering
}

// Heading is one heading of a page; the build turns these into section
// anchors in compass.json and search entries.
type Heading struct {
	Level int
	Text  string // plain text
	ID    string // stable anchor id
	Line  int    // file line
	Body  string // plain text of the content under this heading up to the next heading
}

// Link is one internal link or image destination, reported so the caller can
// flag the ones that match nothing at their file position.
type Link struct {
	Dest, Resolved string
	OK             bool
	Image          bool
	Line, Col      int
}

// Diagnostic is a warning about the content at a file position.
type Diagnostic struct {
	Line, Col int
	Message   string
}

// Render renders body (Markdown without front matter). firstLine is the
// 1-based file line where body starts. resolve rewrites internal link
// destinations; it may be nil.
func (r *Renderer) Render(body []byte, firstLine int, resolve func(dest string) (string, bool)) (*Result, error) {
	doc := r.md.Parser().Parse(text.NewReader(body))
	var buf bytes.Buffer
	if err := r.md.Renderer().Render(&buf, body, doc); err != nil {
		return nil, fmt.Errorf("render markdown: %w", err)
	}
	return &Result{HTML: buf.Bytes()}, nil
}

// HighlightCSS returns the stylesheet for highlighted code.
func HighlightCSS() []byte { return nil }

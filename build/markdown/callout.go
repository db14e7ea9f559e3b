package markdown

import (
	"strings"

	"github.com/yuin/goldmark/ast"
)

// calloutKind maps every callout name we accept (GitHub alerts, MkDocs
// admonitions, MyST/Sphinx and Docusaurus directives, Obsidian callouts) to
// one of five CSS classes, so a theme styles five boxes instead of twenty.
var calloutKind = map[string]string{
	"note":      "note",
	"info":      "note",
	"seealso":   "note",
	"see-also":  "note",
	"abstract":  "note",
	"summary":   "note",
	"tldr":      "note",
	"example":   "note",
	"question":  "note",
	"help":      "note",
	"faq":       "note",
	"quote":     "note",
	"cite":      "note",
	"todo":      "note",
	"tip":       "tip",
	"hint":      "tip",
	"success":   "tip",
	"check":     "tip",
	"done":      "tip",
	"important": "important",
	"attention": "warning",
	"warning":   "warning",
	"warn":      "warning",
	"caution":   "caution",
	"danger":    "caution",
	"error":     "caution",
	"failure":   "caution",
	"fail":      "caution",
	"bug":       "caution",
}

// defaultTitle is the title shown when the source gives none.
func defaultTitle(kind string) string {
	switch kind {
	case "seealso", "see-also":
		return "See also"
	case "tldr":
		return "TL;DR"
	case "faq":
		return "FAQ"
	case "todo":
		return "To do"
	}
	return strings.ToUpper(kind[:1]) + kind[1:]
}

// kindCallout is the goldmark node kind of a callout box.
var kindCallout = ast.NewNodeKind("Callout")

// calloutNode is a callout box, whichever syntax produced it. Its children
// are ordinary Markdown blocks.
type calloutNode struct {
	ast.BaseBlock
	kind        string // as written, lower case: "danger"
	class       string // CSS class suffix: "caution"
	title       string // plain text
	collapsible bool   // rendered as <details>
	open        bool   // <details open>
	id          string // from a MyST :name: option, LabelID(name)
	name        string // the :name: as written: a label
	at          int    // body offset of the opening line
}

func newCallout(kind, title string) *calloutNode {
	kind = strings.ToLower(kind)
	if title == "" {
		title = defaultTitle(kind)
	}
	return &calloutNode{kind: kind, class: calloutKind[kind], title: title}
}

func (n *calloutNode) Kind() ast.NodeKind { return kindCallout }

func (n *calloutNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Kind": n.kind, "Title": n.title}, nil)
}

// kindUnknownDirective is the goldmark node kind of a directive or admonition
// from another tool that we do not understand.
var kindUnknownDirective = ast.NewNodeKind("UnknownDirective")

// unknownDirective keeps an unknown construct visible: its opening line is
// shown as text, and its body is either parsed as Markdown (children) or,
// for backtick-fenced directives, kept verbatim (lines).
type unknownDirective struct {
	ast.BaseBlock
	opening string // the opening line as written
	literal bool   // body kept verbatim in Lines, closing fence in closing
	closing string
}

func (n *unknownDirective) Kind() ast.NodeKind { return kindUnknownDirective }

func (n *unknownDirective) IsRaw() bool { return n.literal }

func (n *unknownDirective) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Opening": n.opening}, nil)
}

package markdown

import (
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
)

// stateKey stores the per-Render state in goldmark's parser.Context, which is
// the only per-call value goldmark hands to parsers and transformers; the
// goldmark instance itself is shared between goroutines.
var stateKey = parser.NewContextKey()

// renderState is everything one Render call accumulates while parsing.
type renderState struct {
	source    []byte
	firstLine int
	resolve   func(string) Target
	// substitutions are MyST's {{ name }} values, from Options.
	substitutions map[string]string
	// renderer, files and stack are for include directives: the
	// renderer renders an included file; stack holds the files being
	// included (the page first), to refuse cycles; includes lists the
	// files read.
	renderer *Renderer
	files    *Files
	stack    []string
	includes []string
	// directives is set when a known directive was parsed, so pages
	// without one skip directiveTransformer's walk.
	directives bool
	equations  int                          // labelled {math} equations numbered so far
	lineStart  []int                        // byte offsets where each body line starts, built lazily
	last       struct{ off, line, col int } // the previous position computed

	diags []Diagnostic
	links []Link
	// fences remembers how a block opened by one of our parsers was fenced,
	// so Continue can find its closing line.
	fences map[ast.Node]*fence
	// seen de-duplicates diagnostics: goldmark may offer the same line to an
	// Open method more than once (for example after a paragraph is transformed).
	seen map[diagKey]bool
	// noCloserUntil remembers, per closing delimiter, the end of the line on
	// which a search for it failed: every later opener on that line would
	// fail too, and searching again would make such lines quadratic.
	noCloserUntil map[string]int
}

// noCloser reports whether a search for closer from off is known to fail.
func (s *renderState) noCloser(closer string, off int) bool {
	return off < s.noCloserUntil[closer]
}

// failedCloser records that closer does not occur before lineEnd.
func (s *renderState) failedCloser(closer string, lineEnd int) {
	if s.noCloserUntil == nil {
		s.noCloserUntil = map[string]int{}
	}
	s.noCloserUntil[closer] = lineEnd
}

type diagKey struct {
	off int
	msg string
}

// fence describes the opening line of a fenced or indented container.
type fence struct {
	char   byte // ':' or '`' or '~'; 0 for MkDocs (indentation delimited)
	length int  // number of fence characters
	indent int  // indent of the opening line (columns)
	// options is true while MyST option lines (":key: value") may still follow.
	options bool
	at      int // body offset of the opening line
}

func getState(pc parser.Context) *renderState {
	if s, ok := pc.Get(stateKey).(*renderState); ok {
		return s
	}
	return nil
}

// position converts a byte offset of the body into a file line and a
// 1-based column counted in characters (what editors show).
func (s *renderState) position(off int) (line, col int) {
	if s.lineStart == nil {
		s.lineStart = append(s.lineStart, 0)
		s.last.col = 1 // offset 0 is line 0, column 1
		for i, c := range s.source {
			if c == '\n' {
				s.lineStart = append(s.lineStart, i+1)
			}
		}
	}
	if off < 0 {
		off = 0
	}
	if off > len(s.source) {
		off = len(s.source)
	}
	i := sort.Search(len(s.lineStart), func(i int) bool { return s.lineStart[i] > off }) - 1
	// Positions mostly arrive in increasing order along a line; counting on
	// from the previous one keeps a long line with many warnings linear.
	from, col := s.lineStart[i], 1
	if s.last.line == i && s.last.off <= off && s.last.off >= from {
		from, col = s.last.off, s.last.col
	}
	col += utf8.RuneCount(s.source[from:off])
	s.last.off, s.last.line, s.last.col = off, i, col
	return s.firstLine + i, col
}

// warn records a diagnostic at a body offset, once per offset and message.
func (s *renderState) warn(off int, format string, args ...any) {
	s.record(off, false, fmt.Sprintf(format, args...))
}

// fail records an error at a body offset: content the page cannot be
// built from as written.
func (s *renderState) fail(off int, format string, args ...any) {
	s.record(off, true, fmt.Sprintf(format, args...))
}

func (s *renderState) record(off int, isErr bool, msg string) {
	k := diagKey{off, msg}
	if s.seen[k] {
		return
	}
	if s.seen == nil {
		s.seen = map[diagKey]bool{}
	}
	s.seen[k] = true
	line, col := s.position(off)
	s.diags = append(s.diags, Diagnostic{Line: line, Col: col, Message: msg, Error: isErr})
}

// resolveTarget passes an internal destination at body offset off to
// resolve and records the Link; with no resolve, it is OK as written.
func (s *renderState) resolveTarget(dest string, off int, image bool) Target {
	l := Link{Dest: dest, Resolved: dest, OK: true, Image: image}
	l.Line, l.Col = s.position(off)
	t := Target{Href: dest, OK: true}
	if s.resolve != nil {
		t = s.resolve(dest)
		l.OK = t.OK
		if t.OK {
			l.Resolved = t.Href
		}
	}
	s.links = append(s.links, l)
	return t
}

// resolveDest is resolveTarget for callers that only need the new
// destination.
func (s *renderState) resolveDest(dest string, off int, image bool) (string, bool) {
	t := s.resolveTarget(dest, off, image)
	return t.Href, t.OK
}

func (s *renderState) setFence(n ast.Node, f *fence) {
	if s.fences == nil {
		s.fences = map[ast.Node]*fence{}
	}
	s.fences[n] = f
}

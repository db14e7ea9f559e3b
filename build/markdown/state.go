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
	resolve   func(string) (string, bool)
	lineStart []int // byte offsets where each body line starts, built lazily

	diags []Diagnostic
	links []Link
	// fences remembers how a block opened by one of our parsers was fenced,
	// so Continue can find its closing line.
	fences map[ast.Node]*fence
	// seen de-duplicates diagnostics: goldmark may offer the same line to an
	// Open method more than once (for example after a paragraph is transformed).
	seen map[diagKey]bool
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
	return s.firstLine + i, utf8.RuneCount(s.source[s.lineStart[i]:off]) + 1
}

// warn records a diagnostic at a body offset, once per offset and message.
func (s *renderState) warn(off int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	k := diagKey{off, msg}
	if s.seen[k] {
		return
	}
	if s.seen == nil {
		s.seen = map[diagKey]bool{}
	}
	s.seen[k] = true
	line, col := s.position(off)
	s.diags = append(s.diags, Diagnostic{Line: line, Col: col, Message: msg})
}

func (s *renderState) setFence(n ast.Node, f *fence) {
	if s.fences == nil {
		s.fences = map[ast.Node]*fence{}
	}
	s.fences[n] = f
}

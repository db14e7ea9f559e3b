package search

// This file cuts the snippet shown under a hit and marks the matched words.

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Snippet returns the part of excerpt to show for a hit, at most about
// SnippetLen bytes around the first word whose index term is in terms, and
// the byte ranges of the matched words in it.
func Snippet(excerpt string, terms map[string]bool) (string, [][2]int) {
	words := SplitWords(excerpt)
	isMatch := func(w Word) bool {
		if terms[cachedStem(w.Lower)] {
			return true
		}
		for _, p := range w.Parts {
			if terms[cachedStem(p)] {
				return true
			}
		}
		return false
	}
	start, end := 0, len(excerpt)
	if len(excerpt) > SnippetLen {
		first := -1
		for _, w := range words {
			if isMatch(w) {
				first = w.Start
				break
			}
		}
		if first > SnippetLen/3 {
			// Start at the first word at least a third of the window before
			// the match.
			for _, w := range words {
				if w.Start >= first-SnippetLen/3 {
					start = w.Start
					break
				}
			}
		}
		end = start + SnippetLen
		if end >= len(excerpt) {
			end = len(excerpt)
		} else {
			for end > start && !utf8.RuneStart(excerpt[end]) {
				end--
			}
			if sp := strings.LastIndexByte(excerpt[start:end], ' '); sp > 0 {
				end = start + sp
			}
		}
	}
	var b strings.Builder
	var marks [][2]int
	if start > 0 {
		b.WriteString("…")
	}
	off := b.Len() - start
	b.WriteString(excerpt[start:end])
	for _, w := range words {
		if w.Start >= start && w.End <= end && isMatch(w) {
			marks = append(marks, [2]int{w.Start + off, w.End + off})
		}
	}
	if end < len(excerpt) && !strings.HasSuffix(excerpt[start:end], "…") {
		b.WriteString("…")
	}
	return b.String(), marks
}

// stems caches normalize for snippets, which stem every word of every hit's
// excerpt; stemCount bounds it.
var (
	stems     sync.Map // lower-case word → term
	stemCount atomic.Int32
)

// cachedStem is normalize, remembered for up to 1<<16 words.
func cachedStem(w string) string {
	if t, ok := stems.Load(w); ok {
		return t.(string)
	}
	t := normalize(w)
	if stemCount.Load() < 1<<16 {
		stemCount.Add(1)
		stems.Store(strings.Clone(w), t)
	}
	return t
}

// SnippetLen is the length of a snippet, in bytes, before ellipses.
const SnippetLen = 200

package search

// This file expands a query word into the dictionary terms it matches:
// the exact term, prefixes of the last word typed, camelCase parts and
// one-edit typos.

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// wordAlts returns the ways a word clause can match: the exact stem, the
// camelCase parts together, prefix expansions of the last word and one-edit
// typos, each term at most once (in that order of preference).
func (ix *Index) wordAlts(c Clause) ([]alt, error) {
	w := c.Word
	var alts []alt
	used := map[string]bool{}
	exact := ""
	exactFound := false
	if len(w.Lower) <= maxTermLen {
		exact = normalize(w.Lower)
		e, err := ix.lookup(exact)
		if err != nil {
			return nil, err
		}
		if e != nil {
			alts = append(alts, alt{[]*dictEntry{e}, WeightExact})
			exactFound = true
		}
		used[exact] = true
	}
	// The parts of a word still being typed are incomplete ("KubeMemoryOver"
	// ends in "over"): unless the whole word is a known term, only its prefix
	// expansion counts.
	if w.Parts != nil && (!c.Prefix || exactFound) {
		var es []*dictEntry
		complete := true
		for _, p := range w.Parts {
			if stopWords[p] || len(p) > maxTermLen {
				continue
			}
			e, err := ix.lookup(normalize(p))
			if err != nil {
				return nil, err
			}
			if e == nil {
				complete = false
				break
			}
			es = append(es, e)
		}
		if complete && len(es) > 0 {
			alts = append(alts, alt{es, WeightParts})
		}
	}
	if c.Prefix && utf8.RuneCountInString(w.Lower) >= MinPrefixLen {
		es, err := ix.withPrefix(w.Lower)
		if err != nil {
			return nil, err
		}
		for _, e := range topByDF(es, used) {
			used[e.term] = true
			alts = append(alts, alt{[]*dictEntry{e}, WeightPrefix})
		}
	}
	if rl := []rune(w.Lower); len(rl) >= MinTypoLen && !hasDigit(rl) {
		cands, err := ix.withPrefix(string(rl[0]))
		if err != nil {
			return nil, err
		}
		rexact := []rune(exact)
		var typos []*dictEntry
		for _, e := range cands {
			if used[e.term] {
				continue
			}
			rt := []rune(e.term)
			if WithinOneEdit(rt, rl) || WithinOneEdit(rt, rexact) || (!exactFound && stemTypo(rt, rl)) {
				typos = append(typos, e)
			}
		}
		for _, e := range topByDF(typos, used) {
			used[e.term] = true
			alts = append(alts, alt{[]*dictEntry{e}, WeightTypo})
		}
	}
	return alts, nil
}

// topByDF returns up to MaxExpansions entries not in used, most frequent
// first, ties by term.
func topByDF(es []*dictEntry, used map[string]bool) []*dictEntry {
	var out []*dictEntry
	for _, e := range es {
		if !used[e.term] {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b *dictEntry) int {
		if c := cmp.Compare(b.df, a.df); c != 0 {
			return c
		}
		return strings.Compare(a.term, b.term)
	})
	if len(out) > MaxExpansions {
		out = out[:MaxExpansions]
	}
	return out
}

// stemTypo reports whether the index term t could be the stem of the
// misspelled word w: t is at least 5 characters and one edit away from (or
// equal to) the start of w, and w is at most 5 characters longer. Stems are
// mostly prefixes of their words, so this catches "compensatoin" → "compens"
// where comparing whole words cannot.
func stemTypo(t, w []rune) bool {
	if len(t) < MinTypoLen || len(w)-len(t) > 5 || len(w) <= len(t) {
		return false
	}
	if slices.Equal(t, w[:len(t)]) {
		return true
	}
	for k := len(t) - 1; k <= len(t)+1 && k <= len(w); k++ {
		if WithinOneEdit(t, w[:k]) {
			return true
		}
	}
	return false
}

// hasDigit reports whether a word holds a digit. Such words are ids
// ("handle4242", "HB-04242", "ipv6") and get no typo tolerance: one edit
// away from an id is another id, not a misspelling, and looking for typos
// would fetch every dictionary shard of the word's first letter.
func hasDigit(rs []rune) bool {
	return slices.ContainsFunc(rs, unicode.IsDigit)
}

// WithinOneEdit reports whether a and b differ by exactly one insertion,
// deletion, substitution or transposition of adjacent characters: the typo
// rule of both the search engine and the slash commands' subcommand names.
func WithinOneEdit(a, b []rune) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		if i == len(a) {
			return false // equal
		}
		if slices.Equal(a[i+1:], b[i+1:]) {
			return true
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && slices.Equal(a[i+2:], b[i+2:])
	}
	return slices.Equal(a[i:], b[i+1:])
}

package search

// This file parses the query language: words, "phrases" and filters.

import (
	"slices"
	"strings"
)

// Query is a parsed search query.
type Query struct {
	Clauses []Clause
	// Filters maps a filter key (kind, team, tag) to the values asked for:
	// a document must match one value of every key.
	Filters map[string][]string
}

// Clause is one word or quoted phrase of a query.
type Clause struct {
	Phrase bool   // a quoted phrase: all its words, adjacent, in order
	Text   string // the phrase text, or the word as typed
	Word   Word   // the word, for a bare word
	Prefix bool   // the last word typed: also matches words it begins
}

// ParseQuery parses the query language: words, "quoted phrases", and the
// filters kind:runbook, team:sre and tag:oncall (one value of each key must
// match; repeat a key to allow several values). The last word is matched as a
// prefix unless the query ends with a space.
func ParseQuery(q string) Query {
	var out Query
	out.Filters = map[string][]string{}
	inPhrase := false
	var seg strings.Builder
	flush := func() {
		s := seg.String()
		seg.Reset()
		if inPhrase {
			if strings.TrimSpace(s) != "" {
				out.Clauses = append(out.Clauses, Clause{Phrase: true, Text: s})
			}
			return
		}
		for _, f := range strings.Fields(s) {
			if key, val, ok := strings.Cut(f, ":"); ok && isFilterKey(key) {
				if v := strings.ToLower(val); v != "" {
					out.Filters[strings.ToLower(key)] = append(out.Filters[strings.ToLower(key)], v)
				}
				continue
			}
			for _, w := range SplitWords(f) {
				if w.Parts == nil && stopWords[w.Lower] {
					continue
				}
				out.Clauses = append(out.Clauses, Clause{Text: f[w.Start:w.End], Word: w})
			}
		}
	}
	for _, r := range q {
		if r == '"' {
			flush()
			inPhrase = !inPhrase
			continue
		}
		seg.WriteRune(r)
	}
	flush()
	if n := len(out.Clauses); n > 0 && !out.Clauses[n-1].Phrase && !inPhrase {
		last := &out.Clauses[n-1]
		// A prefix only when the word runs to the end of the query.
		if strings.HasSuffix(q, last.Text) {
			last.Prefix = true
		}
	}
	for k, vs := range out.Filters {
		slices.Sort(vs)
		out.Filters[k] = slices.Compact(vs)
	}
	return out
}

func isFilterKey(k string) bool {
	k = strings.ToLower(k)
	return slices.Contains(filterKeys, k)
}

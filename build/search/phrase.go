package search

// This file matches "quoted phrases" using the positions packs.

import (
	"cmp"
	"slices"
)

// scorePhrase adds a phrase clause: documents holding its words at
// consecutive positions score the sum of their impacts and count the phrase
// as satisfied; rank drops documents that miss any phrase.
func (ix *Index) scorePhrase(c Clause, sc *scratch, terms map[string]bool) error {
	toks := phraseTokens(c.Text)
	if len(toks) == 0 {
		return nil
	}
	type termPos struct {
		ps  []posting
		pos [][]int
		off int
	}
	var tps []termPos
	for _, t := range toks {
		e, err := ix.lookup(t.Term)
		if err != nil {
			return err
		}
		if e == nil {
			return nil // no document has the phrase
		}
		ps, err := ix.postings(e)
		if err != nil {
			return err
		}
		pos, err := ix.positions(e)
		if err != nil {
			return err
		}
		tps = append(tps, termPos{ps, pos, t.Pos - toks[0].Pos})
	}
	// Walk the rarest list and look the others up by binary search.
	base := 0
	for i := range tps {
		if len(tps[i].ps) < len(tps[base].ps) {
			base = i
		}
	}
	// The base list is in document order, so found is too.
	type hit struct{ doc, score int32 }
	var found []hit
	idx := make([]int, len(tps))
	for j, p := range tps[base].ps {
		score := int32(0)
		ok := true
		for i := range tps {
			if i == base {
				idx[i] = j
				score += WeightExact * p.impact
				continue
			}
			k, hit := slices.BinarySearchFunc(tps[i].ps, p.doc, func(x posting, d int32) int { return cmp.Compare(x.doc, d) })
			if !hit {
				ok = false
				break
			}
			idx[i] = k
			score += WeightExact * tps[i].ps[k].impact
		}
		if !ok || !phraseAt(tps[0].pos[idx[0]], func(i int, p int) bool {
			_, hit := slices.BinarySearch(tps[i].pos[idx[i]], p+tps[i].off)
			return hit
		}, len(tps)) {
			continue
		}
		found = append(found, hit{p.doc, max(score, 1)})
	}
	for _, t := range toks {
		if len(found) > 0 {
			terms[t.Term] = true
		}
	}
	for _, f := range found {
		s := sc.at(f.doc)
		s.total += f.score
		s.matched++
		s.phrases++
	}
	return nil
}

// phraseTokens returns the tokens a phrase must match in order: the
// camelCase parts, not the whole words, whose positions the parts share.
func phraseTokens(text string) []token {
	var toks []token
	for _, t := range tokenize(text) {
		if !t.Whole {
			toks = append(toks, t)
		}
	}
	return toks
}

// phraseAt reports whether some start position in first has every later
// phrase word i at its offset (checked by has).
func phraseAt(first []int, has func(i, p int) bool, n int) bool {
	for _, s := range first {
		ok := true
		for i := 1; i < n; i++ {
			if !has(i, s) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

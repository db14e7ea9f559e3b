package search

// This file ranks documents for a parsed query: each clause adds its
// terms' impacts to the documents it matches, and the best are kept.

import (
	"cmp"
	"fmt"
	"slices"
)

// alt is one way a clause can match: a set of terms that must all be present
// and the weight of their impacts.
type alt struct {
	entries []*dictEntry
	weight  int
}

// scratch holds per-query dense arrays indexed by document ID, pooled.
// A document's state counts only when its epoch is the query's, so nothing
// needs resetting between queries.
type scratch struct {
	epoch uint32
	st    []docState
	best  []int32 // per clause, reset by the clause
	sum   []int32
	cnt   []uint8
	docs  []int32 // candidates, each once
}

// docState is what a query has found about one document, in one place so
// scoring touches one cache line per posting.
type docState struct {
	epoch   uint32
	total   int32
	matched uint8
	phrases uint8 // phrase clauses the document satisfied
}

func (ix *Index) getScratch() *scratch {
	sc, ok := ix.pool.Get().(*scratch)
	if !ok {
		n := ix.m.Docs
		sc = &scratch{st: make([]docState, n), best: make([]int32, n), sum: make([]int32, n), cnt: make([]uint8, n)}
	}
	sc.epoch++
	if sc.epoch == 0 { // wrapped: forget every stale state
		clear(sc.st)
		sc.epoch = 1
	}
	return sc
}

func (ix *Index) putScratch(sc *scratch) {
	sc.docs = sc.docs[:0]
	ix.pool.Put(sc)
}

// at returns document d's state, making it a candidate.
func (sc *scratch) at(d int32) *docState {
	s := &sc.st[d]
	if s.epoch != sc.epoch {
		*s = docState{epoch: sc.epoch}
		sc.docs = append(sc.docs, d)
	}
	return s
}

// Search runs query and returns at most limit hits (limit <= 0 means 10),
// best first. Ranking: documents matching more of the query's words and
// phrases come first, then by score, then in index order. A query with
// nothing but filters lists the matching sections in index order.
func (ix *Index) Search(query string, limit int) ([]Hit, error) {
	if limit <= 0 {
		limit = 10
	}
	q := ParseQuery(query)
	ranked, terms, err := ix.rank(q, limit)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", query, err)
	}
	hits := make([]Hit, 0, len(ranked))
	for _, r := range ranked {
		ms, err := ix.metaFor(r.doc)
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", query, err)
		}
		i := r.doc - ms.first
		if i < 0 || i >= len(ms.docs) {
			return nil, fmt.Errorf("search %q: document %d missing from its shard", query, r.doc)
		}
		d := ms.docs[i]
		pg := ms.pages[d.page]
		u := pg[0] + d.suffix
		if d.suffix != "" && d.suffix[0] != '#' {
			u = d.suffix
		}
		snip, marks := Snippet(d.excerpt, terms)
		hits = append(hits, Hit{
			URL: u, Page: pg[0], Title: pg[1], Section: d.heading,
			Snippet: snip, Marks: marks,
			Score: float64(r.score) * ix.m.Scale / WeightExact,
			Kind:  pg[2], Team: pg[3],
		})
	}
	return hits, nil
}

type ranked struct {
	doc     int
	matched int
	score   int
}

// allowed returns the documents q's filters allow, or nil for no filter:
// a document must match one value of every filter key.
func (ix *Index) allowed(q Query) ([]bool, error) {
	var allowed []bool
	keys := make([]string, 0, len(q.Filters))
	for k := range q.Filters {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ok := make([]bool, ix.m.Docs)
		for _, v := range q.Filters[k] {
			e, err := ix.lookup(k + ":" + v)
			if err != nil {
				return nil, err
			}
			if e == nil {
				continue
			}
			ps, err := ix.postings(e)
			if err != nil {
				return nil, err
			}
			for _, p := range ps {
				if allowed == nil || allowed[p.doc] {
					ok[p.doc] = true
				}
			}
		}
		allowed = ok
	}
	return allowed, nil
}

// rank scores every candidate document and returns the best limit of them,
// sorted, with the set of index terms that matched (for snippets).
func (ix *Index) rank(q Query, limit int) ([]ranked, map[string]bool, error) {
	terms := map[string]bool{}
	n := ix.m.Docs
	sc := ix.getScratch()
	defer ix.putScratch(sc)

	allowed, err := ix.allowed(q)
	if err != nil {
		return nil, nil, err
	}

	phrases := 0
	for _, c := range q.Clauses {
		var err error
		if c.Phrase {
			if len(phraseTokens(c.Text)) > 0 {
				phrases++
			}
			err = ix.scorePhrase(c, sc, terms)
		} else {
			err = ix.scoreWord(c, sc, terms)
		}
		if err != nil {
			return nil, nil, err
		}
	}

	top := topK{limit: limit}
	if len(q.Clauses) == 0 {
		if allowed == nil {
			return nil, terms, nil
		}
		for d, ok := range allowed {
			if ok {
				top.push(ranked{doc: d})
			}
		}
		return top.sorted(), terms, nil
	}
	if len(sc.docs) > n/8 {
		// Most documents are candidates: a sequential scan beats jumping
		// around the arrays in the order they were found. Documents come
		// in ID order, so once the heap is full a document must beat the
		// worst kept outright; comparing one packed key settles most.
		ep, st := sc.epoch, sc.st
		worst := int64(-1)
		for d := range st {
			s := &st[d]
			if s.epoch != ep || s.matched == 0 {
				continue
			}
			key := int64(s.matched)<<32 | int64(uint32(s.total))
			if key <= worst || int(s.phrases) < phrases || (allowed != nil && !allowed[d]) {
				continue
			}
			top.push(ranked{doc: d, matched: int(s.matched), score: int(s.total)})
			if len(top.h) == top.limit {
				worst = int64(top.h[0].matched)<<32 | int64(uint32(top.h[0].score))
			}
		}
	} else {
		for _, d := range sc.docs {
			s := &sc.st[d]
			if s.matched == 0 || int(s.phrases) < phrases || (allowed != nil && !allowed[d]) {
				continue
			}
			top.push(ranked{doc: int(d), matched: int(s.matched), score: int(s.total)})
		}
	}
	return top.sorted(), terms, nil
}

// topK keeps the best limit ranked documents in a binary heap whose root is
// the worst of them.
type topK struct {
	limit int
	h     []ranked
}

func (t *topK) push(r ranked) {
	if len(t.h) == t.limit && (r.matched < t.h[0].matched || r.matched == t.h[0].matched && r.score < t.h[0].score) {
		return // the common case once full: worse than the worst kept
	}
	if len(t.h) < t.limit {
		t.h = append(t.h, r)
		for i := len(t.h) - 1; i > 0; {
			p := (i - 1) / 2
			if compareRanked(t.h[i], t.h[p]) <= 0 { // child better: stays below
				break
			}
			t.h[i], t.h[p] = t.h[p], t.h[i]
			i = p
		}
		return
	}
	if compareRanked(r, t.h[0]) >= 0 { // not better than the worst kept
		return
	}
	t.h[0] = r
	for i := 0; ; {
		l, w := 2*i+1, i
		if l < len(t.h) && compareRanked(t.h[l], t.h[w]) > 0 {
			w = l
		}
		if l+1 < len(t.h) && compareRanked(t.h[l+1], t.h[w]) > 0 {
			w = l + 1
		}
		if w == i {
			break
		}
		t.h[i], t.h[w] = t.h[w], t.h[i]
		i = w
	}
}

func (t *topK) sorted() []ranked {
	slices.SortFunc(t.h, compareRanked)
	return t.h
}

func compareRanked(a, b ranked) int {
	if c := cmp.Compare(b.matched, a.matched); c != 0 {
		return c
	}
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	return cmp.Compare(a.doc, b.doc)
}

// scoreWord adds one word clause's best alternative per document.
func (ix *Index) scoreWord(c Clause, sc *scratch, terms map[string]bool) error {
	alts, err := ix.wordAlts(c)
	if err != nil {
		return err
	}
	// Fast path: one term, the usual case, adds straight to the totals.
	if len(alts) == 1 && len(alts[0].entries) == 1 {
		ps, err := ix.postings(alts[0].entries[0])
		if err != nil {
			return err
		}
		if len(ps) > 0 {
			terms[alts[0].entries[0].term] = true
		}
		w := int32(alts[0].weight)
		for _, p := range ps {
			s := sc.at(p.doc)
			s.total += max(w*p.impact, 1)
			s.matched++
		}
		return nil
	}
	var touched []int32
	for _, a := range alts {
		if len(a.entries) == 1 {
			ps, err := ix.postings(a.entries[0])
			if err != nil {
				return err
			}
			if len(ps) > 0 {
				terms[a.entries[0].term] = true
			}
			for _, p := range ps {
				s := int32(a.weight) * p.impact
				if sc.best[p.doc] == 0 {
					touched = append(touched, p.doc)
				}
				sc.best[p.doc] = max(sc.best[p.doc], s, 1)
			}
			continue
		}
		if touched, err = ix.scoreParts(a, sc, terms, touched); err != nil {
			return err
		}
	}
	for _, d := range touched {
		s := sc.at(d)
		s.total += sc.best[d]
		s.matched++
		sc.best[d] = 0
	}
	return nil
}

// scoreParts scores alternative a of a word, a compound whose parts must
// all be present, into sc.best, appending the documents it scores for the
// first time to touched.
func (ix *Index) scoreParts(a alt, sc *scratch, terms map[string]bool, touched []int32) ([]int32, error) {
	var ptouched []int32
	for _, e := range a.entries {
		ps, err := ix.postings(e)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if sc.cnt[p.doc] == 0 {
				ptouched = append(ptouched, p.doc)
			}
			sc.cnt[p.doc]++
			sc.sum[p.doc] += int32(a.weight) * p.impact
		}
	}
	any := false
	for _, d := range ptouched {
		if int(sc.cnt[d]) == len(a.entries) {
			any = true
			if sc.best[d] == 0 {
				touched = append(touched, d)
			}
			// The parts add to the whole word's score: a section about
			// "memory overcommit" that names KubeMemoryOvercommit beats
			// a list that only names it.
			sc.best[d] = max(sc.best[d]+sc.sum[d], 1)
		}
		sc.cnt[d], sc.sum[d] = 0, 0
	}
	if any {
		for _, e := range a.entries {
			terms[e.term] = true
		}
	}
	return touched, nil
}

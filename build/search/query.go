package search

// This file is the Go reader of the search index that build.go writes: the
// bot's slash commands, its linker and `compass search` use it, and
// themes/compass/assets/search.js implements the same query language and
// ranking for the browser.

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// Hit is one search result: a section of a page.
type Hit struct {
	URL     string  `json:"url"`     // page URL + "#" + anchor, or the page URL for its intro
	Page    string  `json:"page"`    // page URL
	Title   string  `json:"title"`   // page title
	Section string  `json:"section"` // heading, "" for the intro
	Snippet string  `json:"snippet"` // text around the first matched word
	Score   float64 `json:"score"`   // BM25F-based score; higher is better
	Kind    string  `json:"kind,omitempty"`
	Team    string  `json:"team,omitempty"`
	// Marks are byte ranges [start, end) of matched words in Snippet, for
	// highlighting.
	Marks [][2]int `json:"marks,omitempty"`
}

// Index answers queries over a search index, loading the shards a query needs
// on first use and keeping them.
type Index struct {
	fetch func(name string) ([]byte, error)
	m     manifest

	mu   sync.Mutex
	dict map[int][]dictEntry
	post map[int][]byte
	pos  map[int][]byte
	meta map[int]*metaShard
	dec  map[*dictEntry][]posting // decoded postings
	pool sync.Pool                // *scratch
}

type dictEntry struct {
	term                   string
	df                     int
	post, postOff, postLen int
	pos, posOff, posLen    int
}

type metaShard struct {
	first int
	pages [][4]string
	docs  []metaDocDecoded
}

type metaDocDecoded struct {
	page    int
	suffix  string
	heading string
	excerpt string
}

// LoadIndex reads the manifest of a search index through fetch, which returns
// a file of the index by name (relative to the index directory) from disk or
// over HTTP. Shards are fetched lazily, only when a query needs them, and
// cached.
func LoadIndex(fetch func(name string) ([]byte, error)) (*Index, error) {
	b, err := fetch(ManifestName)
	if err != nil {
		return nil, fmt.Errorf("load search index: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("load search index: %s: %w", ManifestName, err)
	}
	if m.Version != indexVersion {
		return nil, fmt.Errorf("load search index: version %d, want %d", m.Version, indexVersion)
	}
	if len(m.Dict) == 0 {
		return nil, fmt.Errorf("load search index: manifest lists no dictionary")
	}
	return &Index{
		fetch: fetch,
		m:     m,
		dict:  map[int][]dictEntry{},
		post:  map[int][]byte{},
		pos:   map[int][]byte{},
		meta:  map[int]*metaShard{},
		dec:   map[*dictEntry][]posting{},
	}, nil
}

// OpenIndexDir opens the search index in dir (e.g. public/search).
func OpenIndexDir(dir string) (*Index, error) {
	return LoadIndex(func(name string) ([]byte, error) {
		if name != filepath.Base(name) || strings.ContainsAny(name, `/\`) {
			return nil, fmt.Errorf("bad index file name %q", name)
		}
		return os.ReadFile(filepath.Join(dir, name))
	})
}

// loadFile fetches and decompresses one index file.
func (ix *Index) loadFile(name string) ([]byte, error) {
	if name == "" || strings.ContainsAny(name, `/\`) {
		return nil, fmt.Errorf("bad index file name %q", name)
	}
	b, err := ix.fetch(name)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, err)
	}
	out, err := gunzip(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

func (ix *Index) dictShard(i int) ([]dictEntry, error) {
	ix.mu.Lock()
	d, ok := ix.dict[i]
	ix.mu.Unlock()
	if ok {
		return d, nil
	}
	b, err := ix.loadFile(ix.m.Dict[i].File)
	if err != nil {
		return nil, err
	}
	r := &reader{b: b}
	n := r.uvarint()
	if r.err == nil && n > len(b) {
		return nil, fmt.Errorf("%s: bad term count %d", ix.m.Dict[i].File, n)
	}
	d = make([]dictEntry, 0, n)
	var prev []byte
	for range n {
		shared := r.uvarint()
		suffix := r.bytes(r.uvarint())
		if r.err != nil || shared > len(prev) {
			return nil, fmt.Errorf("%s: corrupt dictionary", ix.m.Dict[i].File)
		}
		term := append(prev[:shared:shared], suffix...)
		e := dictEntry{term: string(term)}
		e.df, e.post, e.postOff, e.postLen = r.uvarint(), r.uvarint(), r.uvarint(), r.uvarint()
		e.pos, e.posOff, e.posLen = r.uvarint(), r.uvarint(), r.uvarint()
		if r.err != nil {
			return nil, fmt.Errorf("%s: corrupt dictionary: %w", ix.m.Dict[i].File, r.err)
		}
		d = append(d, e)
		prev = term
	}
	ix.mu.Lock()
	ix.dict[i] = d
	ix.mu.Unlock()
	return d, nil
}

func (ix *Index) pack(cache map[int][]byte, files []string, i int) ([]byte, error) {
	ix.mu.Lock()
	b, ok := cache[i]
	ix.mu.Unlock()
	if ok {
		return b, nil
	}
	if i < 0 || i >= len(files) {
		return nil, fmt.Errorf("index pack %d out of range", i)
	}
	b, err := ix.loadFile(files[i])
	if err != nil {
		return nil, err
	}
	ix.mu.Lock()
	cache[i] = b
	ix.mu.Unlock()
	return b, nil
}

// shardFor returns the dictionary shard that would hold term.
func (ix *Index) shardFor(term string) int {
	i := sort.Search(len(ix.m.Dict), func(i int) bool { return ix.m.Dict[i].First > term }) - 1
	return max(i, 0)
}

// lookup returns the dictionary entry of term, or nil.
func (ix *Index) lookup(term string) (*dictEntry, error) {
	d, err := ix.dictShard(ix.shardFor(term))
	if err != nil {
		return nil, err
	}
	j, ok := slices.BinarySearchFunc(d, term, func(e dictEntry, t string) int { return strings.Compare(e.term, t) })
	if !ok {
		return nil, nil
	}
	return &d[j], nil
}

// withPrefix returns the dictionary entries starting with prefix, excluding
// filter terms.
func (ix *Index) withPrefix(prefix string) ([]*dictEntry, error) {
	var out []*dictEntry
	for s := ix.shardFor(prefix); s < len(ix.m.Dict); s++ {
		if s != ix.shardFor(prefix) && !strings.HasPrefix(ix.m.Dict[s].First, prefix) {
			break
		}
		d, err := ix.dictShard(s)
		if err != nil {
			return nil, err
		}
		j, _ := slices.BinarySearchFunc(d, prefix, func(e dictEntry, t string) int { return strings.Compare(e.term, t) })
		for ; j < len(d) && strings.HasPrefix(d[j].term, prefix); j++ {
			if strings.IndexByte(d[j].term, ':') < 0 {
				out = append(out, &d[j])
			}
		}
	}
	return out, nil
}

// posting is one entry of a decoded postings list: 8 bytes, so the lists
// of frequent terms stay compact in the cache.
type posting struct {
	doc    int32
	impact int32
}

func (ix *Index) postings(e *dictEntry) ([]posting, error) {
	ix.mu.Lock()
	ps, ok := ix.dec[e]
	ix.mu.Unlock()
	if ok {
		return ps, nil
	}
	ps, err := ix.decodePostings(e)
	if err != nil {
		return nil, err
	}
	ix.mu.Lock()
	ix.dec[e] = ps
	ix.mu.Unlock()
	return ps, nil
}

func (ix *Index) decodePostings(e *dictEntry) ([]posting, error) {
	b, err := ix.pack(ix.post, ix.m.Post, e.post)
	if err != nil {
		return nil, err
	}
	if e.postOff+e.postLen > len(b) {
		return nil, fmt.Errorf("postings of %q out of range", e.term)
	}
	r := &reader{b: b[e.postOff : e.postOff+e.postLen]}
	if e.df > e.postLen {
		return nil, fmt.Errorf("postings of %q: corrupt", e.term)
	}
	out := make([]posting, e.df)
	doc := 0
	for i := range out {
		doc += r.uvarint()
		imp := r.bytes(1)
		if r.err != nil {
			return nil, fmt.Errorf("postings of %q: %w", e.term, r.err)
		}
		// Scoring indexes per-document arrays by doc: check it once here.
		if doc < 0 || doc >= ix.m.Docs {
			return nil, fmt.Errorf("postings of %q: document %d out of range", e.term, doc)
		}
		out[i] = posting{int32(doc), int32(imp[0])}
	}
	return out, nil
}

// positions returns the word positions of every posting of e, in postings
// order.
func (ix *Index) positions(e *dictEntry) ([][]int, error) {
	b, err := ix.pack(ix.pos, ix.m.Pos, e.pos)
	if err != nil {
		return nil, err
	}
	if e.posOff+e.posLen > len(b) {
		return nil, fmt.Errorf("positions of %q out of range", e.term)
	}
	r := &reader{b: b[e.posOff : e.posOff+e.posLen]}
	out := make([][]int, e.df)
	for i := range out {
		n := r.uvarint()
		if r.err != nil || n > e.posLen {
			return nil, fmt.Errorf("positions of %q: corrupt", e.term)
		}
		ps := make([]int, n)
		p := 0
		for j := range ps {
			p += r.uvarint()
			ps[j] = p
		}
		out[i] = ps
	}
	if r.err != nil {
		return nil, fmt.Errorf("positions of %q: %w", e.term, r.err)
	}
	return out, nil
}

func (ix *Index) metaFor(doc int) (*metaShard, error) {
	i := sort.Search(len(ix.m.Meta), func(i int) bool { return ix.m.Meta[i].First > doc }) - 1
	if i < 0 {
		return nil, fmt.Errorf("document %d not in any shard", doc)
	}
	ix.mu.Lock()
	ms, ok := ix.meta[i]
	ix.mu.Unlock()
	if ok {
		return ms, nil
	}
	b, err := ix.loadFile(ix.m.Meta[i].File)
	if err != nil {
		return nil, err
	}
	var raw struct {
		Pages [][4]string       `json:"pages"`
		Docs  []json.RawMessage `json:"docs"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", ix.m.Meta[i].File, err)
	}
	ms = &metaShard{first: ix.m.Meta[i].First, pages: raw.Pages}
	for _, d := range raw.Docs {
		var page int
		var suffix, heading, excerpt string
		arr := []any{&page, &suffix, &heading, &excerpt}
		if err := json.Unmarshal(d, &arr); err != nil {
			return nil, fmt.Errorf("%s: %w", ix.m.Meta[i].File, err)
		}
		if page < 0 || page >= len(raw.Pages) {
			return nil, fmt.Errorf("%s: page %d out of range", ix.m.Meta[i].File, page)
		}
		ms.docs = append(ms.docs, metaDocDecoded{page, suffix, heading, excerpt})
	}
	ix.mu.Lock()
	ix.meta[i] = ms
	ix.mu.Unlock()
	return ms, nil
}

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

// rank scores every candidate document and returns the best limit of them,
// sorted, with the set of index terms that matched (for snippets).
func (ix *Index) rank(q Query, limit int) ([]ranked, map[string]bool, error) {
	terms := map[string]bool{}
	n := ix.m.Docs
	sc := ix.getScratch()
	defer ix.putScratch(sc)

	// Filters: allowed documents, or nil for no filter.
	var allowed []bool
	keys := make([]string, 0, len(q.Filters))
	for k := range q.Filters {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ok := make([]bool, n)
		for _, v := range q.Filters[k] {
			e, err := ix.lookup(k + ":" + v)
			if err != nil {
				return nil, nil, err
			}
			if e == nil {
				continue
			}
			ps, err := ix.postings(e)
			if err != nil {
				return nil, nil, err
			}
			for _, p := range ps {
				if allowed == nil || allowed[p.doc] {
					ok[p.doc] = true
				}
			}
		}
		allowed = ok
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
		// All parts must be present.
		var ptouched []int32
		for _, e := range a.entries {
			ps, err := ix.postings(e)
			if err != nil {
				return err
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
	}
	for _, d := range touched {
		s := sc.at(d)
		s.total += sc.best[d]
		s.matched++
		sc.best[d] = 0
	}
	return nil
}

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
	if rl := []rune(w.Lower); len(rl) >= MinTypoLen && !allDigits(rl) {
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

func allDigits(rs []rune) bool {
	for _, r := range rs {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
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

package search

// This file is the index writer. Building runs in stages, each spread over
// the available cores where it is worth it, without changing a byte of the
// output (TestDeterministic, TestParallelBuildMatchesSerial):
//
//  1. Index: contiguous runs of documents are tokenized by separate workers,
//     each with its own tokenizer (a word is stemmed once per worker) and
//     its own term table; a term's postings are appended in document order
//     as flat arrays, its positions already in their final encoding.
//  2. Merge: the workers' terms are sorted into one dictionary; a term's
//     postings are its runs from each worker, in worker order, which is
//     document order, so nothing is copied.
//  3. Impacts: the BM25F impacts are computed twice, once for the largest
//     (the scale) and once to quantise and encode them straight into one
//     postings buffer at offsets computed in the first pass.
//  4. Files: each shard is assembled, gzipped with a pooled writer, hashed
//     and handed to the caller (written to disk by Write) on a worker.

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// chunkDocs is the fewest documents worth a worker of their own in the
// indexing stage (a variable for tests).
var chunkDocs = 2048

// maxWorkers caps the goroutines of one build; past a few the merge costs
// more than the cores save.
const maxWorkers = 8

// gzipLevels are the compression levels of each kind of file. A first query
// fetches dictionary, postings and document shards: level 6 keeps its bytes
// under half of Pagefind's on the corpus that varies every page's code
// (level 4 made document shards 14% bigger and crossed that line; levels 7
// to 9 cost far more CPU than they save). Positions are fetched only for
// phrases and barely compress past level 1.
var gzipLevels = map[string]int{"dict": 6, "post": 6, "pos": 1, "meta": 6}

// Write writes the search index of docs into dir (normally <out>/search),
// replacing any index already there. The output depends only on docs' content,
// not on their order across pages: the same documents give byte-identical
// files. Shards are written as soon as they are compressed, the manifest last,
// so a reader never sees a manifest naming a file that is not there yet.
func Write(dir string, docs []Document) error {
	if err := validate(docs); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write search index: %w", err)
	}
	var mu sync.Mutex
	keep := map[string]bool{}
	manifest, err := build(docs, func(name string, data []byte) error {
		mu.Lock()
		keep[name] = true
		mu.Unlock()
		return os.WriteFile(filepath.Join(dir, name), data, 0o644)
	})
	if err != nil {
		return fmt.Errorf("write search index: %w", err)
	}
	if err := writeAtomic(filepath.Join(dir, ManifestName), manifest); err != nil {
		return fmt.Errorf("write search index: %w", err)
	}
	// Remove shards of earlier builds.
	for _, kind := range []string{"dict", "post", "pos", "meta"} {
		old, _ := filepath.Glob(filepath.Join(dir, kind+filePattern))
		for _, p := range old {
			if !keep[filepath.Base(p)] {
				if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("write search index: %w", err)
				}
			}
		}
	}
	return nil
}

func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Build computes the index files in memory: file name → content. Write is
// Build plus writing; Build is separate for tests, benchmarks and servers
// that keep the index in memory.
func Build(docs []Document) (map[string][]byte, error) {
	if err := validate(docs); err != nil {
		return nil, err
	}
	var mu sync.Mutex
	files := map[string][]byte{}
	manifest, err := build(docs, func(name string, data []byte) error {
		mu.Lock()
		files[name] = data
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	files[ManifestName] = manifest
	return files, nil
}

// validate reports every document the index cannot hold.
func validate(docs []Document) error {
	var problems []error
	for i, d := range docs {
		if d.Page == "" {
			problems = append(problems, fmt.Errorf("search document %d (%q): empty Page", i, d.URL))
		}
	}
	return errors.Join(problems...)
}

// workers returns how many goroutines a build of n items of work may use.
func workers(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), maxWorkers, n))
}

// chunk is one worker's part of the index: the terms of a contiguous run of
// documents.
type chunk struct {
	ids    map[string]int32 // term → index in terms
	terms  []chunkTerm
	sumLen [3]int64 // tokens per field over the chunk's documents
}

// chunkTerm is one term's postings within a chunk, in document order.
type chunkTerm struct {
	term   string
	filter bool
	n      int    // postings
	last   int32  // document of the last posting
	post   []byte // per posting, uvarints: document delta, term frequency in title, heading, body
	pos    []byte // encoded positions of each posting (pos-*.bin layout)
}

// add appends a posting.
func (ct *chunkTerm) add(doc int32, tf [3]int32) {
	ct.post = binary.AppendUvarint(ct.post, uint64(doc-ct.last))
	for _, x := range tf {
		ct.post = binary.AppendUvarint(ct.post, uint64(x))
	}
	ct.n++
	ct.last = doc
}

// postings yields the term's postings in the chunk: document and term
// frequencies.
func (ct *chunkTerm) postings(yield func(doc int32, tf [3]int32) bool) {
	b := ct.post
	doc := int32(0)
	for len(b) > 0 {
		var v [4]uint64
		for k := range v {
			x, n := binary.Uvarint(b)
			v[k], b = x, b[n:]
		}
		doc += int32(v[0])
		if !yield(doc, [3]int32{int32(v[1]), int32(v[2]), int32(v[3])}) {
			return
		}
	}
}

// docTerm collects one term's occurrences in the document being indexed.
type docTerm struct {
	term int32
	tf   [3]int32
	pos  []int32
}

// indexChunk tokenizes docs[lo:hi], recording each document's field lengths
// in lens.
func indexChunk(docs []Document, lo, hi int, lens [][3]int32) *chunk {
	c := &chunk{ids: make(map[string]int32, 1024)}
	var tz tokenizer
	var mark, slot []int32 // per term: last document seen + 1, its index in cur
	var cur []docTerm
	var filters []string
	var prev *Document
	id := func(term string, filter bool) int32 {
		t, ok := c.ids[term]
		if !ok {
			t = int32(len(c.terms))
			c.ids[term] = t
			c.terms = append(c.terms, chunkTerm{term: term, filter: filter})
			mark = append(mark, 0)
			slot = append(slot, 0)
		}
		return t
	}
	// at returns the document's entry for term t, adding it if new.
	at := func(t int32, doc int) *docTerm {
		if mark[t] == int32(doc)+1 {
			return &cur[slot[t]]
		}
		mark[t], slot[t] = int32(doc)+1, int32(len(cur))
		if n := len(cur); n < cap(cur) {
			cur = cur[:n+1]
			cur[n].term, cur[n].tf, cur[n].pos = t, [3]int32{}, cur[n].pos[:0]
		} else {
			cur = append(cur, docTerm{term: t})
		}
		return &cur[len(cur)-1]
	}
	for doc := lo; doc < hi; doc++ {
		d := &docs[doc]
		cur = cur[:0]
		heading := d.Section
		if heading == "" && d.URL == d.Page {
			heading = d.Title
		}
		base := 0
		for f, text := range [3]string{d.Title, heading, d.Text} {
			toks := tz.tokens(text)
			last := -1
			for _, tok := range toks {
				dt := at(id(tok.Term, false), doc)
				dt.tf[f]++
				dt.pos = append(dt.pos, int32(base+tok.Pos))
				last = max(last, tok.Pos)
			}
			lens[doc][f] = int32(len(toks))
			c.sumLen[f] += int64(len(toks))
			base += last + 1 + fieldGap
		}
		// Sections of a page share its filters: compute them once a page.
		if prev == nil || prev.Kind != d.Kind || prev.Team != d.Team || !slices.Equal(prev.Tags, d.Tags) {
			filters = filterTerms(*d)
		}
		prev = d
		for _, ft := range filters {
			at(id(ft, true), doc)
		}
		for i := range cur {
			dt := &cur[i]
			ct := &c.terms[dt.term]
			ct.add(int32(doc), dt.tf)
			if ct.filter {
				continue
			}
			ct.pos = binary.AppendUvarint(ct.pos, uint64(len(dt.pos)))
			last := int32(0)
			for _, x := range dt.pos {
				ct.pos = binary.AppendUvarint(ct.pos, uint64(x-last))
				last = x
			}
		}
	}
	return c
}

// piece is a term's postings in one chunk.
type piece struct {
	c *chunk
	t int32
}

// term is one dictionary term of the whole index.
type term struct {
	term   string
	filter bool
	df     int
	pieces []piece // in document order
}

// scorer computes BM25F impacts.
type scorer struct {
	n    float64
	avg  [3]float64
	lens [][3]int32
}

// impact is the unquantised impact of a posting: heading and body form one
// BM25F field; the page title is scored on its own and added, so a title
// match counts even when the body already saturates the term.
func (s *scorer) impact(idf float64, tf, ln [3]int32) float64 {
	boosts := [3]float64{boostTitle, boostHead, boostBody}
	bs := [3]float64{bTitle, bHead, bBody}
	var w [3]float64
	for f := range 3 {
		if tf[f] == 0 {
			continue
		}
		norm := 1 - bs[f] + bs[f]*float64(ln[f])/s.avg[f]
		w[f] = float64(tf[f]) / norm
	}
	main := boosts[1]*w[1] + boosts[2]*w[2]
	return idf * (main*(k1+1)/(main+k1) + boosts[0]*w[0]*(k1+1)/(w[0]+k1))
}

func (s *scorer) idf(df int) float64 {
	d := float64(df)
	return math.Log(1 + (s.n-d+0.5)/(d+0.5))
}

// parallelFor calls f(i) for i in [0, n) on up to w goroutines, handing out
// indexes in order.
func parallelFor(n, w int, f func(worker, i int)) {
	if w <= 1 || n <= 1 {
		for i := range n {
			f(0, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for k := range min(w, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(k, i)
			}
		})
	}
	wg.Wait()
}

// uvarintLen is the length of x in binary.AppendUvarint's encoding, without
// encoding it.
func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// build computes the index of docs, hands every shard file to emit (from
// several goroutines at once) and returns the manifest, which names them all.
func build(docs []Document, emit func(name string, data []byte) error) ([]byte, error) {
	docs = slices.Clone(docs)
	// Group sections by page, keeping their order inside the page.
	slices.SortStableFunc(docs, func(a, b Document) int { return strings.Compare(a.Page, b.Page) })
	b := &indexBuilder{docs: docs, nw: workers(len(docs) / chunkDocs)}
	b.indexChunks()
	b.mergeTerms()
	b.encodePostings()
	b.planShards()
	jobs, names, err := b.emitShards(emit)
	if err != nil {
		return nil, err
	}
	return b.manifest(jobs, names)
}

// indexBuilder holds what one build's stages hand each other, in the
// order they fill it in.
type indexBuilder struct {
	docs []Document // sorted by page
	nw   int        // workers

	// indexChunks
	lens   [][3]int32 // each document's field lengths
	chunks []*chunk

	// mergeTerms
	terms []term // sorted
	sc    *scorer

	// encodePostings
	scale           float64 // impact per quantised step
	postSize        []int   // per term, bytes of its postings
	posSize         []int   // per term, bytes of its positions
	postOff, posOff []int   // running sums of postSize and posSize
	postBuf         []byte  // every term's postings, in term order
	metaPages       []pageSpan
	metaSizes       []int

	// planShards
	postGroups      [][2]int // shards, as ranges of terms (pages for metaGroups)
	posGroups       [][2]int
	dictGroups      [][2]int
	metaGroups      [][2]int
	postLoc, posLoc []termLoc
}

// termLoc is where a term's list is: shard number, offset and length.
type termLoc struct{ pack, off, n int }

// shardJob is one shard file to write: its kind and range.
type shardJob struct {
	kind string
	g    [2]int
}

// indexChunks indexes runs of documents in parallel.
func (b *indexBuilder) indexChunks() {
	b.lens = make([][3]int32, len(b.docs))
	b.chunks = make([]*chunk, b.nw)
	parallelFor(b.nw, b.nw, func(_, k int) {
		lo, hi := len(b.docs)*k/b.nw, len(b.docs)*(k+1)/b.nw
		b.chunks[k] = indexChunk(b.docs, lo, hi, b.lens)
	})
}

// mergeTerms merges the chunks' terms into one sorted dictionary and sets
// up the scorer with the average field lengths.
func (b *indexBuilder) mergeTerms() {
	at := make(map[string]int32, len(b.chunks[0].terms))
	for _, c := range b.chunks {
		for i := range c.terms {
			ct := &c.terms[i]
			g, ok := at[ct.term]
			if !ok {
				g = int32(len(b.terms))
				at[ct.term] = g
				b.terms = append(b.terms, term{term: ct.term, filter: ct.filter})
			}
			b.terms[g].df += ct.n
			b.terms[g].pieces = append(b.terms[g].pieces, piece{c, int32(i)})
		}
	}
	slices.SortFunc(b.terms, func(a, b term) int { return strings.Compare(a.term, b.term) })
	b.sc = &scorer{n: float64(len(b.docs)), lens: b.lens}
	var sumLen [3]int64
	for _, c := range b.chunks {
		for f := range sumLen {
			sumLen[f] += c.sumLen[f]
		}
	}
	for f := range b.sc.avg {
		b.sc.avg[f] = max(float64(sumLen[f])/max(b.sc.n, 1), 1)
	}
}

// termRun is how many terms a worker takes at a time, so workers rarely
// meet.
const termRun = 64

// encodePostings computes the impacts (the largest sets the scale), then
// quantises and encodes every term's postings into postBuf.
func (b *indexBuilder) encodePostings() {
	terms, sc, lens := b.terms, b.sc, b.lens
	nruns := (len(terms) + termRun - 1) / termRun
	b.postSize = make([]int, len(terms))
	b.posSize = make([]int, len(terms))
	maxes := make([]float64, b.nw)
	parallelFor(nruns, b.nw, func(w, r int) {
		for i := r * termRun; i < min((r+1)*termRun, len(terms)); i++ {
			t := &terms[i]
			idf := sc.idf(t.df)
			size, prev := 0, int32(0)
			for _, p := range t.pieces {
				ct := &p.c.terms[p.t]
				b.posSize[i] += len(ct.pos)
				for doc, tf := range ct.postings {
					size += uvarintLen(uint64(doc-prev)) + 1
					prev = doc
					if !t.filter {
						maxes[w] = max(maxes[w], sc.impact(idf, tf, lens[doc]))
					}
				}
			}
			b.postSize[i] = size
		}
	})
	maxImpact := slices.Max(maxes)
	b.scale = 1.0
	if maxImpact > 0 {
		b.scale = maxImpact / maxImpactQ
	}
	b.postOff = offsets(b.postSize)
	b.postBuf = make([]byte, b.postOff[len(terms)])
	parallelFor(nruns, b.nw, func(_, r int) {
		for i := r * termRun; i < min((r+1)*termRun, len(terms)); i++ {
			t := &terms[i]
			idf := sc.idf(t.df)
			buf := b.postBuf[b.postOff[i]:b.postOff[i]:b.postOff[i+1]]
			prev := int32(0)
			for _, p := range t.pieces {
				ct := &p.c.terms[p.t]
				for doc, tf := range ct.postings {
					buf = binary.AppendUvarint(buf, uint64(doc-prev))
					prev = doc
					impact := byte(0)
					if !t.filter {
						q := math.Round(sc.impact(idf, tf, lens[doc]) / b.scale)
						impact = byte(min(max(q, 1), maxImpactQ))
					}
					buf = append(buf, impact)
				}
			}
		}
	})
	b.posOff = offsets(b.posSize)
	b.metaPages, b.metaSizes = pageGroups(b.docs)
}

// planShards chooses shard sizes so the whole index stays under MaxFiles,
// and where each term's lists are in them.
func (b *indexBuilder) planShards() {
	targets := map[string]int{}
	for k, v := range baseTargets {
		targets[k] = v
	}
	dictSizes := make([]int, len(b.terms))
	for i, t := range b.terms {
		dictSizes[i] = len(t.term) + 12
	}
	sizes := map[string][]int{"dict": dictSizes, "post": b.postSize, "pos": b.posSize, "meta": b.metaSizes}
	for {
		total := 1
		worst, worstN := "", -1
		for _, k := range []string{"dict", "meta", "pos", "post"} {
			c := len(groups(sizes[k], targets[k]))
			total += c
			if c > worstN {
				worst, worstN = k, c
			}
		}
		if total <= MaxFiles {
			break
		}
		targets[worst] += max(targets[worst]/8, 1)
	}
	b.postGroups = groups(b.postSize, targets["post"])
	b.posGroups = groups(b.posSize, targets["pos"])
	b.dictGroups = groups(dictSizes, targets["dict"])
	b.metaGroups = groups(b.metaSizes, targets["meta"])
	if len(b.terms) == 0 {
		b.dictGroups = [][2]int{{0, 0}}
	}
	b.postLoc = locate(b.postGroups, b.postOff, b.postSize)
	b.posLoc = locate(b.posGroups, b.posOff, b.posSize)
}

// locate places each item of groups in its shard.
func locate(groups [][2]int, off, size []int) []termLoc {
	locs := make([]termLoc, len(size))
	for g, r := range groups {
		for i := r[0]; i < r[1]; i++ {
			locs[i] = termLoc{g, off[i] - off[r[0]], size[i]}
		}
	}
	return locs
}

// emitShards assembles, compresses and emits the files, largest kinds
// first, returning each job's file name.
func (b *indexBuilder) emitShards(emit func(name string, data []byte) error) ([]shardJob, []string, error) {
	var jobs []shardJob
	for _, k := range []struct {
		kind   string
		groups [][2]int
	}{{"pos", b.posGroups}, {"meta", b.metaGroups}, {"post", b.postGroups}, {"dict", b.dictGroups}} {
		for _, g := range k.groups {
			jobs = append(jobs, shardJob{k.kind, g})
		}
	}
	names := make([]string, len(jobs))
	errs := make([]error, len(jobs))
	var failed atomic.Bool
	parallelFor(len(jobs), workers(len(jobs)), func(_, j int) {
		if failed.Load() {
			return
		}
		jb := jobs[j]
		data, err := b.shard(jb)
		if err != nil {
			errs[j] = err
			failed.Store(true)
			return
		}
		z := gzipAt(data, gzipLevels[jb.kind])
		sum := sha256.Sum256(z)
		names[j] = jb.kind + "-" + hex.EncodeToString(sum[:8]) + ".bin"
		if err := emit(names[j], z); err != nil {
			errs[j] = err
			failed.Store(true)
		}
	})
	return jobs, names, errors.Join(errs...)
}

// shard is the uncompressed content of one shard file.
func (b *indexBuilder) shard(jb shardJob) ([]byte, error) {
	switch jb.kind {
	case "post":
		return b.postBuf[b.postOff[jb.g[0]]:b.postOff[jb.g[1]]], nil
	case "pos":
		data := make([]byte, 0, b.posOff[jb.g[1]]-b.posOff[jb.g[0]])
		for i := jb.g[0]; i < jb.g[1]; i++ {
			for _, p := range b.terms[i].pieces {
				data = append(data, p.c.terms[p.t].pos...)
			}
		}
		return data, nil
	case "dict":
		data := binary.AppendUvarint(nil, uint64(jb.g[1]-jb.g[0]))
		prev := ""
		for i := jb.g[0]; i < jb.g[1]; i++ {
			t := b.terms[i].term
			shared := commonPrefix(prev, t)
			data = binary.AppendUvarint(data, uint64(shared))
			data = binary.AppendUvarint(data, uint64(len(t)-shared))
			data = append(data, t[shared:]...)
			post, pos := b.postLoc[i], b.posLoc[i]
			for _, v := range [...]int{b.terms[i].df, post.pack, post.off, post.n, pos.pack, pos.off, pos.n} {
				data = binary.AppendUvarint(data, uint64(v))
			}
			prev = t
		}
		return data, nil
	case "meta":
		return encodeMetaShard(b.docs, b.metaPages, jb.g)
	}
	return nil, nil
}

// manifest encodes the manifest naming every shard file written.
func (b *indexBuilder) manifest(jobs []shardJob, names []string) ([]byte, error) {
	m := manifest{Version: indexVersion, Docs: len(b.docs), Pages: len(b.metaPages), Scale: b.scale,
		Post: []string{}, Pos: []string{}, Meta: []metaRef{}}
	for j, jb := range jobs {
		switch jb.kind {
		case "post":
			m.Post = append(m.Post, names[j])
		case "pos":
			m.Pos = append(m.Pos, names[j])
		case "dict":
			first := ""
			if jb.g[0] < len(b.terms) {
				first = b.terms[jb.g[0]].term
			}
			m.Dict = append(m.Dict, dictRef{First: first, File: names[j]})
		case "meta":
			m.Meta = append(m.Meta, metaRef{First: b.metaPages[jb.g[0]].first, File: names[j]})
		}
	}
	mb, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode search manifest: %w", err)
	}
	return append(mb, '\n'), nil
}

// offsets returns the running sums of sizes: offsets[i] is where item i
// starts, offsets[len(sizes)] the total.
func offsets(sizes []int) []int {
	out := make([]int, len(sizes)+1)
	for i, s := range sizes {
		out[i+1] = out[i] + s
	}
	return out
}

// encodeMetaShard encodes the document shard of pages g[0]..g[1]-1.
func encodeMetaShard(docs []Document, pages []pageSpan, g [2]int) ([]byte, error) {
	shard := metaFile{Pages: [][4]string{}, Docs: []metaFileDoc{}}
	for pi := g[0]; pi < g[1]; pi++ {
		pg := pages[pi]
		d0 := &docs[pg.first]
		shard.Pages = append(shard.Pages, [4]string{d0.Page, d0.Title, strings.ToLower(d0.Kind), strings.ToLower(d0.Team)})
		for id := pg.first; id < pg.end; id++ {
			d := &docs[id]
			suffix := d.URL
			switch {
			case d.URL == d.Page:
				suffix = ""
			case len(d.URL) > len(d.Page) && d.URL[len(d.Page)] == '#' && strings.HasPrefix(d.URL, d.Page):
				suffix = d.URL[len(d.Page):]
			}
			shard.Docs = append(shard.Docs, metaFileDoc{pi - g[0], suffix, d.Section, Excerpt(d.Text, ExcerptLen)})
		}
	}
	b, err := json.Marshal(shard)
	if err != nil {
		return nil, fmt.Errorf("encode search documents: %w", err)
	}
	return b, nil
}

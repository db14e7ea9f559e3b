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
	"bytes"
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

// Write writes the search index of docs into dir (normally <out>/search),
// replacing any index already there. The output depends only on docs' content,
// not on their order across pages: the same documents give byte-identical
// files. Shards are written as soon as they are compressed, the manifest last,
// so a reader never sees a manifest naming a file that is not there yet.
//
// Write takes docs over: it sorts them and drops each one's Text once it
// is indexed, so a 30,000-page build does not hold every page's text and
// the index's working memory at once (issue #17). Pass a copy to keep them.
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
	for _, kind := range append([]string{"dict"}, fixedFiles...) {
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
// that keep the index in memory. Like Write, it takes docs over.
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
func indexChunk(docs []Document, lo, hi int, lens [][3]int32, excerpts []string) *chunk {
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
		excerpts[doc] = Excerpt(d.Text, ExcerptLen)
		d.Text = ""
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

// build computes the index of docs, hands every file to emit (from several
// goroutines at once) and returns the manifest, which names them all.
// It takes docs over, as Write says.
func build(docs []Document, emit func(name string, data []byte) error) ([]byte, error) {
	// Group sections by page, keeping their order inside the page.
	slices.SortStableFunc(docs, func(a, b Document) int { return strings.Compare(a.Page, b.Page) })
	b := &indexBuilder{docs: docs, nw: workers(len(docs) / chunkDocs)}
	b.indexChunks()
	b.mergeTerms()
	b.encodePostings()
	b.encodeRecords()
	b.planDict()
	jobs, names, err := b.emitFiles(emit)
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
	lens     [][3]int32 // each document's field lengths
	excerpts []string   // each document's excerpt; its Text is dropped
	chunks   []*chunk

	// mergeTerms
	terms []term // sorted
	sc    *scorer

	// encodePostings
	scale    float64 // impact per quantised step
	postSize []int   // per term, bytes of its postings
	postOff  []int   // running sums of postSize
	postBuf  []byte  // every term's postings, in term order

	// encodeRecords
	postRec, posRec []record // per term, its lists as stored
	recOff          [][2]int // per term, where its records start in post and pos
	pages           []pageSpan
	pageRec         [][]byte // per page, its stored record
	err             error

	// planDict
	dictGroups [][2]int // shards, as ranges of terms
}

// record is one term's postings or positions list as stored: gzipped when
// that makes it smaller.
type record struct {
	data []byte
	gz   bool
}

// stored is the length a dictionary entry gives for the record: its byte
// length, doubled, plus one when gzipped.
func (r record) stored() int {
	n := len(r.data) << 1
	if r.gz {
		n |= 1
	}
	return n
}

// shardJob is one file to write: its kind and, for dictionary shards, its
// range of terms.
type shardJob struct {
	kind string
	g    [2]int
}

// indexChunks indexes runs of documents in parallel.
func (b *indexBuilder) indexChunks() {
	b.lens = make([][3]int32, len(b.docs))
	b.excerpts = make([]string, len(b.docs))
	b.chunks = make([]*chunk, b.nw)
	parallelFor(b.nw, b.nw, func(_, k int) {
		lo, hi := len(b.docs)*k/b.nw, len(b.docs)*(k+1)/b.nw
		b.chunks[k] = indexChunk(b.docs, lo, hi, b.lens, b.excerpts)
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
		c.ids = nil // merged: terms are found through pieces now
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
	maxes := make([]float64, b.nw)
	parallelFor(nruns, b.nw, func(w, r int) {
		for i := r * termRun; i < min((r+1)*termRun, len(terms)); i++ {
			t := &terms[i]
			idf := sc.idf(t.df)
			size, prev := 0, int32(0)
			for _, p := range t.pieces {
				ct := &p.c.terms[p.t]
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
				ct.post = nil // encoded now: let it go
			}
		}
	})
}

// minGzip is the shortest record worth trying to gzip: below it the gzip
// header and trailer (18 bytes) eat what compression saves.
const minGzip = 64

// storeRecord gzips data when that makes it smaller. The record never
// shares data's memory, so callers may reuse it.
func storeRecord(data []byte) record {
	if len(data) >= minGzip {
		if z := gzipAt(data); len(z) < len(data) {
			return record{z, true}
		}
	}
	return record{bytes.Clone(data), false}
}

// encodeRecords stores each term's postings and positions and each page's
// documents as records of their own, so a reader fetches (by HTTP range)
// only the records a query needs.
func (b *indexBuilder) encodeRecords() {
	n := len(b.terms)
	b.postRec = make([]record, n)
	b.posRec = make([]record, n)
	nruns := (n + termRun - 1) / termRun
	parallelFor(nruns, b.nw, func(_, r int) {
		var pos []byte
		for i := r * termRun; i < min((r+1)*termRun, n); i++ {
			b.postRec[i] = storeRecord(b.postBuf[b.postOff[i]:b.postOff[i+1]])
			pos = pos[:0]
			for _, p := range b.terms[i].pieces {
				pos = append(pos, p.c.terms[p.t].pos...)
				p.c.terms[p.t].pos = nil // stored now: let it go
			}
			b.posRec[i] = storeRecord(pos)
		}
	})
	b.postBuf, b.chunks = nil, nil // every list is in its record now
	b.recOff = make([][2]int, n+1)
	for i := range n {
		b.recOff[i+1] = [2]int{b.recOff[i][0] + len(b.postRec[i].data), b.recOff[i][1] + len(b.posRec[i].data)}
	}
	b.pages = pageSpans(b.docs)
	b.pageRec = make([][]byte, len(b.pages))
	errs := make([]error, len(b.pages))
	parallelFor(len(b.pages), workers(len(b.pages)), func(_, i int) {
		raw, err := encodePage(b.docs, b.excerpts, b.pages[i])
		errs[i] = err
		b.pageRec[i] = storeRecord(raw).data
	})
	b.err = errors.Join(errs...)
}

// planDict cuts the dictionary into shards of about dictTarget bytes,
// fewer if the index would otherwise exceed MaxFiles.
func (b *indexBuilder) planDict() {
	sizes := make([]int, len(b.terms))
	for i, t := range b.terms {
		sizes[i] = len(t.term) + 4
	}
	target := dictTarget
	for b.dictGroups = groups(sizes, target); len(b.dictGroups)+len(fixedFiles)+1 > MaxFiles; b.dictGroups = groups(sizes, target) {
		target += target / 8
	}
	if len(b.terms) == 0 {
		b.dictGroups = [][2]int{{0, 0}}
	}
}

// fixedFiles are the kinds of file an index has exactly one of, besides the
// manifest and the dictionary shards.
var fixedFiles = []string{"post", "pos", "meta", "mdir"}

// emitFiles assembles, compresses and emits the files, the largest first,
// returning each job's file name.
func (b *indexBuilder) emitFiles(emit func(name string, data []byte) error) ([]shardJob, []string, error) {
	if b.err != nil {
		return nil, nil, b.err
	}
	var jobs []shardJob
	for _, k := range fixedFiles {
		jobs = append(jobs, shardJob{kind: k})
	}
	for _, g := range b.dictGroups {
		jobs = append(jobs, shardJob{"dict", g})
	}
	names := make([]string, len(jobs))
	errs := make([]error, len(jobs))
	var failed atomic.Bool
	parallelFor(len(jobs), workers(len(jobs)), func(_, j int) {
		if failed.Load() {
			return
		}
		jb := jobs[j]
		data := b.file(jb)
		if jb.kind == "dict" {
			data = gzipAt(data)
		}
		sum := sha256.Sum256(data)
		names[j] = jb.kind + "-" + hex.EncodeToString(sum[:8]) + ".bin"
		if err := emit(names[j], data); err != nil {
			errs[j] = err
			failed.Store(true)
		}
	})
	return jobs, names, errors.Join(errs...)
}

// file is the content of one file, before the dictionary's compression.
func (b *indexBuilder) file(jb shardJob) []byte {
	switch jb.kind {
	case "post":
		return concat(b.postRec)
	case "pos":
		return concat(b.posRec)
	case "meta":
		return slices.Concat(b.pageRec...)
	case "mdir":
		// Per document, big-endian uint32 start and end of its page's record.
		data := make([]byte, 0, 8*len(b.docs))
		off := 0
		for i, pg := range b.pages {
			end := off + len(b.pageRec[i])
			for range pg.end - pg.first {
				data = binary.BigEndian.AppendUint32(data, uint32(off))
				data = binary.BigEndian.AppendUint32(data, uint32(end))
			}
			off = end
		}
		return data
	}
	// A dictionary shard: its term count, where its first term's records
	// start in post and pos, then per term: bytes shared with the previous
	// term, suffix length and bytes, df and the stored lengths of its
	// records (which follow each other, so offsets are running sums).
	g := jb.g
	data := binary.AppendUvarint(nil, uint64(g[1]-g[0]))
	data = binary.AppendUvarint(data, uint64(b.recOff[g[0]][0]))
	data = binary.AppendUvarint(data, uint64(b.recOff[g[0]][1]))
	prev := ""
	for i := g[0]; i < g[1]; i++ {
		t := b.terms[i].term
		shared := commonPrefix(prev, t)
		data = binary.AppendUvarint(data, uint64(shared))
		data = binary.AppendUvarint(data, uint64(len(t)-shared))
		data = append(data, t[shared:]...)
		for _, v := range [...]int{b.terms[i].df, b.postRec[i].stored(), b.posRec[i].stored()} {
			data = binary.AppendUvarint(data, uint64(v))
		}
		prev = t
	}
	return data
}

func concat(rs []record) []byte {
	n := 0
	for _, r := range rs {
		n += len(r.data)
	}
	out := make([]byte, 0, n)
	for _, r := range rs {
		out = append(out, r.data...)
	}
	return out
}

// manifest encodes the manifest naming every file written.
func (b *indexBuilder) manifest(jobs []shardJob, names []string) ([]byte, error) {
	m := manifest{Version: indexVersion, Docs: len(b.docs), Pages: len(b.pages), Scale: b.scale}
	for j, jb := range jobs {
		switch jb.kind {
		case "post":
			m.Post = names[j]
		case "pos":
			m.Pos = names[j]
		case "meta":
			m.Meta = names[j]
		case "mdir":
			m.MetaDir = names[j]
		case "dict":
			first := ""
			if jb.g[0] < len(b.terms) {
				first = b.terms[jb.g[0]].term
			}
			m.Dict = append(m.Dict, dictRef{First: first, File: names[j]})
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

// encodePage encodes the record of one page: its URL, title, kind and team,
// its first document ID, and per document its URL suffix ("" for the page
// itself, "#anchor", or a full URL), heading and excerpt.
func encodePage(docs []Document, excerpts []string, pg pageSpan) ([]byte, error) {
	d0 := &docs[pg.first]
	rec := pageRecord{Page: [4]string{d0.Page, d0.Title, strings.ToLower(d0.Kind), strings.ToLower(d0.Team)}, First: pg.first}
	for id := pg.first; id < pg.end; id++ {
		d := &docs[id]
		suffix := d.URL
		switch {
		case d.URL == d.Page:
			suffix = ""
		case len(d.URL) > len(d.Page) && d.URL[len(d.Page)] == '#' && strings.HasPrefix(d.URL, d.Page):
			suffix = d.URL[len(d.Page):]
		}
		rec.Docs = append(rec.Docs, [3]string{suffix, d.Section, excerpts[id]})
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("encode search documents of %s: %w", d0.Page, err)
	}
	return b, nil
}

package search

// This file is the Go reader of the search index that build.go writes: the
// bot's slash commands, its linker and `compass search` use it, and
// themes/compass/assets/search.js implements the same query language and
// ranking for the browser.

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
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

	mu    sync.Mutex
	files map[string][]byte // whole files as fetched
	dict  map[int][]dictEntry
	meta  map[int]*metaShard       // by the record's start in the meta file
	dec   map[*dictEntry][]posting // decoded postings
	pool  sync.Pool                // *scratch
}

type dictEntry struct {
	term             string
	df               int
	postOff, postLen int // bytes in the post file
	posOff, posLen   int // bytes in the pos file
	postGz, posGz    bool
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
		files: map[string][]byte{},
		dict:  map[int][]dictEntry{},
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

// file fetches one index file whole, once.
func (ix *Index) file(name string) ([]byte, error) {
	ix.mu.Lock()
	b, ok := ix.files[name]
	ix.mu.Unlock()
	if ok {
		return b, nil
	}
	if name == "" || strings.ContainsAny(name, `/\`) {
		return nil, fmt.Errorf("bad index file name %q", name)
	}
	b, err := ix.fetch(name)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, err)
	}
	ix.mu.Lock()
	ix.files[name] = b
	ix.mu.Unlock()
	return b, nil
}

// record returns bytes [off, off+n) of the named file, decompressed if gz.
// The browser fetches exactly these bytes with an HTTP range request; here
// the whole file is read once and sliced.
func (ix *Index) record(name string, off, n int, gz bool) ([]byte, error) {
	b, err := ix.file(name)
	if err != nil {
		return nil, err
	}
	if off < 0 || n < 0 || off+n > len(b) {
		return nil, fmt.Errorf("%s: record [%d, %d) out of range", name, off, off+n)
	}
	b = b[off : off+n]
	if !gz {
		return b, nil
	}
	out, err := gunzip(b)
	if err != nil {
		return nil, fmt.Errorf("%s at %d: %w", name, off, err)
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
	z, err := ix.file(ix.m.Dict[i].File)
	if err != nil {
		return nil, err
	}
	b, err := gunzip(z)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ix.m.Dict[i].File, err)
	}
	r := &reader{b: b}
	n := r.uvarint()
	postOff, posOff := r.uvarint(), r.uvarint()
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
		e := dictEntry{term: string(term), df: r.uvarint(), postOff: postOff, posOff: posOff}
		post, pos := r.uvarint(), r.uvarint()
		e.postLen, e.postGz, e.posLen, e.posGz = post>>1, post&1 == 1, pos>>1, pos&1 == 1
		postOff += e.postLen
		posOff += e.posLen
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
	b, err := ix.record(ix.m.Post, e.postOff, e.postLen, e.postGz)
	if err != nil {
		return nil, fmt.Errorf("postings of %q: %w", e.term, err)
	}
	r := &reader{b: b}
	if e.df > len(b) {
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
	b, err := ix.record(ix.m.Pos, e.posOff, e.posLen, e.posGz)
	if err != nil {
		return nil, fmt.Errorf("positions of %q: %w", e.term, err)
	}
	r := &reader{b: b}
	out := make([][]int, e.df)
	for i := range out {
		n := r.uvarint()
		if r.err != nil || n > len(b) {
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

// metaFor returns the record of the page holding document doc.
func (ix *Index) metaFor(doc int) (*metaShard, error) {
	if doc < 0 || doc >= ix.m.Docs {
		return nil, fmt.Errorf("document %d out of range", doc)
	}
	dir, err := ix.record(ix.m.MetaDir, 8*doc, 8, false)
	if err != nil {
		return nil, err
	}
	start, end := int(binary.BigEndian.Uint32(dir)), int(binary.BigEndian.Uint32(dir[4:]))
	ix.mu.Lock()
	ms, ok := ix.meta[start]
	ix.mu.Unlock()
	if ok {
		return ms, nil
	}
	b, err := ix.record(ix.m.Meta, start, end-start, true)
	if err != nil {
		return nil, err
	}
	var rec pageRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%s at %d: %w", ix.m.Meta, start, err)
	}
	ms = &metaShard{first: rec.First, pages: [][4]string{rec.Page}}
	for _, d := range rec.Docs {
		ms.docs = append(ms.docs, metaDocDecoded{0, d[0], d[1], d[2]})
	}
	ix.mu.Lock()
	ix.meta[start] = ms
	ix.mu.Unlock()
	return ms, nil
}

// Package search writes the handbook's sharded full-text search index to
// public/search/, read by the browser (themes/compass/assets/search.js) and by
// Go (build/handbook.LoadIndex).
//
// # Index format (version 1)
//
// The index is a set of files in one directory. Only manifest.json has a
// stable name; every other file is named <kind>-<hash>.bin, where hash is the
// first 16 hex digits of the SHA-256 of the file's bytes, so files can be
// cached forever. Every .bin file is gzip (no name, no time stamp); readers
// decompress it unless it no longer starts with the gzip magic bytes.
//
// A document is one section of a page: the text before the first heading
// (the page's intro, URL without anchor) or one heading and the text under
// it. Documents are numbered 0..n-1 in order of page URL, then position in
// the page.
//
// Terms come from handbook.Tokenize: words are runs of Unicode letters and
// digits, lower-cased and Porter2-stemmed; camelCase words are indexed whole
// and by parts; stop words are dropped. Three fields feed each document: the
// page title, the section heading (the page title again for the intro) and
// the section text, at word positions separated by gaps of 16 so phrases
// never span fields. Filter terms "kind:<kind>", "team:<team>" and
// "tag:<tag>" are indexed on every section of a page.
//
// manifest.json (plain JSON, handbook.Manifest) lists:
//   - dict: dictionary shards {f: first term, n: file}; terms sorted by bytes.
//   - post, pos: postings and positions packs, by number.
//   - meta: document shards {f: first doc ID, n: file}.
//   - scale: the BM25 value of one impact unit; docs, pages: counts.
//
// dict-*.bin: uvarint term count, then per term: uvarint bytes shared with the
// previous term, uvarint suffix length, suffix bytes, and uvarints df, post
// pack, byte offset, byte length, pos pack, byte offset, byte length (all
// offsets into the decompressed pack).
//
// post-*.bin: the concatenated postings lists of consecutive terms. A list is
// df entries of (uvarint doc ID delta from the previous entry, the first
// from 0; one byte impact). The impact is idf × (BM25F of heading and body,
// boosts 3 and 1, b 0.3 and 0.75, k1 1.2 + the page title scored as its own
// saturated field, b 0.3), quantised to 1..255 in units of the manifest's
// scale; filter terms have impact 0.
//
// pos-*.bin: for each posting of a term, in the same order: uvarint count,
// then that many uvarint position deltas. Fetched only for phrase queries.
//
// meta-*.bin: JSON handbook.MetaShard: whole pages [url, title, kind, team]
// and their sections [page index, URL suffix, heading, excerpt], where the
// excerpt is the section text cut to ExcerptLen bytes at a word boundary.
//
// Writers keep the whole index under MaxFiles files by growing the target
// size of shards, so a 10,000-page site fits static hosts' file limits.
package search

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/compasshq/compass/build/handbook"
)

// Document is one section of a page, as the build hands it to Write.
type Document struct {
	URL     string   // page URL + "#" + anchor, or the page URL for the text before the first heading
	Page    string   // page URL
	Title   string   // page title
	Section string   // heading text, "" for the intro
	Text    string   // plain text body of the section
	Kind    string   // page kind: policy, charter, meeting, runbook, guide
	Team    string   // owner team id
	Tags    []string // page tags
}

// Tuning of the ranking and of the shard layout.
const (
	// ExcerptLen is how much of a section's text, in bytes, is stored for
	// snippets.
	ExcerptLen = 240
	// MaxFiles caps the number of files the index may have.
	MaxFiles = 280
	// fieldGap separates the positions of the title, heading and body.
	fieldGap = 16

	k1          = 1.2
	boostTitle  = 1.0
	boostHead   = 3.0
	boostBody   = 1.0
	bTitle      = 0.3
	bHead       = 0.3
	bBody       = 0.75
	maxImpactQ  = 255
	filePattern = "-*.bin"
)

// Base target sizes (uncompressed bytes) of each kind of shard, grown when
// the index would otherwise exceed MaxFiles.
//
// Document shards get most of the file budget: a query fetches one per hit
// shown, so their size is what a first query pays most. Positions packs are
// only fetched for phrase queries and may be large.
var baseTargets = map[string]int{"dict": 16 << 10, "post": 32 << 10, "pos": 256 << 10, "meta": 4 << 10}

// Write writes the search index of docs into dir (normally <out>/search),
// replacing any index already there. The output depends only on docs' content,
// not on their order across pages: the same documents give byte-identical
// files.
func Write(dir string, docs []Document) error {
	files, err := Build(docs)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write search index: %w", err)
	}
	keep := map[string]bool{}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	// Shards first, the manifest last, so a reader never sees a manifest
	// naming a file that is not there yet.
	for _, name := range names {
		keep[name] = true
		if name == handbook.ManifestName {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			return fmt.Errorf("write search index: %w", err)
		}
	}
	if err := writeAtomic(filepath.Join(dir, handbook.ManifestName), files[handbook.ManifestName]); err != nil {
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

// posting is one term's occurrence in one document while building.
type posting struct {
	doc       int
	tf        [3]int // title, heading, body
	positions []int
	impact    byte
}

// termData is a term's postings while building.
type termData struct {
	term     string
	postings []posting
}

// Build computes the index files in memory: file name → content. Write is
// Build plus writing; Build is separate for tests and benchmarks.
func Build(docs []Document) (map[string][]byte, error) {
	docs = slices.Clone(docs)
	// Group sections by page, keeping their order inside the page.
	slices.SortStableFunc(docs, func(a, b Document) int { return strings.Compare(a.Page, b.Page) })
	var problems []error
	for i, d := range docs {
		if d.Page == "" {
			problems = append(problems, fmt.Errorf("search document %d (%q): empty Page", i, d.URL))
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}

	terms := map[string]*termData{}
	lens := make([][3]int, len(docs))
	var sumLen [3]float64
	for id, d := range docs {
		heading := d.Section
		if heading == "" && d.URL == d.Page {
			heading = d.Title
		}
		perDoc := map[string]*posting{}
		base := 0
		for f, text := range [3]string{d.Title, heading, d.Text} {
			toks := handbook.Tokenize(text)
			last := -1
			for _, t := range toks {
				p := perDoc[t.Term]
				if p == nil {
					p = &posting{doc: id}
					perDoc[t.Term] = p
				}
				p.tf[f]++
				p.positions = append(p.positions, base+t.Pos)
				last = max(last, t.Pos)
			}
			lens[id][f] = len(toks)
			sumLen[f] += float64(len(toks))
			base += last + 1 + fieldGap
		}
		for _, ft := range filterTerms(d) {
			if perDoc[ft] == nil {
				perDoc[ft] = &posting{doc: id}
			}
		}
		for term, p := range perDoc {
			td := terms[term]
			if td == nil {
				td = &termData{term: term}
				terms[term] = td
			}
			td.postings = append(td.postings, *p)
		}
	}

	// BM25F impacts.
	n := float64(len(docs))
	var avg [3]float64
	for f := range avg {
		avg[f] = max(sumLen[f]/max(n, 1), 1)
	}
	boosts := [3]float64{boostTitle, boostHead, boostBody}
	bs := [3]float64{bTitle, bHead, bBody}
	sorted := make([]*termData, 0, len(terms))
	for _, td := range terms {
		sorted = append(sorted, td)
	}
	slices.SortFunc(sorted, func(a, b *termData) int { return strings.Compare(a.term, b.term) })
	raw := make([][]float64, len(sorted))
	maxImpact := 0.0
	for i, td := range sorted {
		slices.SortFunc(td.postings, func(a, b posting) int { return cmp.Compare(a.doc, b.doc) })
		if isFilterTerm(td.term) {
			continue
		}
		df := float64(len(td.postings))
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		raw[i] = make([]float64, len(td.postings))
		for j, p := range td.postings {
			// Heading and body form one BM25F field; the page title is
			// scored on its own and added, so a title match counts even
			// when the body already saturates the term.
			var w [3]float64
			for f := range 3 {
				if p.tf[f] == 0 {
					continue
				}
				norm := 1 - bs[f] + bs[f]*float64(lens[p.doc][f])/avg[f]
				w[f] = float64(p.tf[f]) / norm
			}
			main := boosts[1]*w[1] + boosts[2]*w[2]
			s := idf * (main*(k1+1)/(main+k1) + boosts[0]*w[0]*(k1+1)/(w[0]+k1))
			raw[i][j] = s
			maxImpact = max(maxImpact, s)
		}
	}
	scale := 1.0
	if maxImpact > 0 {
		scale = maxImpact / maxImpactQ
	}
	for i, td := range sorted {
		for j := range td.postings {
			if raw[i] == nil {
				td.postings[j].impact = 0
				continue
			}
			q := math.Round(raw[i][j] / scale)
			td.postings[j].impact = byte(min(max(q, 1), maxImpactQ))
		}
	}

	// Encode postings and positions per term.
	postEnc := make([][]byte, len(sorted))
	posEnc := make([][]byte, len(sorted))
	for i, td := range sorted {
		var pb, xb []byte
		prev := 0
		for _, p := range td.postings {
			pb = handbook.AppendUvarint(pb, uint64(p.doc-prev))
			pb = append(pb, p.impact)
			prev = p.doc
		}
		if !isFilterTerm(td.term) {
			for _, p := range td.postings {
				xb = handbook.AppendUvarint(xb, uint64(len(p.positions)))
				last := 0
				for _, x := range p.positions {
					xb = handbook.AppendUvarint(xb, uint64(x-last))
					last = x
				}
			}
		}
		postEnc[i], posEnc[i] = pb, xb
	}
	metaPages, metaSizes := pageGroups(docs)

	// Choose shard sizes so the whole index stays under MaxFiles.
	targets := map[string]int{}
	for k, v := range baseTargets {
		targets[k] = v
	}
	dictSizes := make([]int, len(sorted))
	for i, td := range sorted {
		dictSizes[i] = len(td.term) + 12
	}
	sizes := map[string][]int{"dict": dictSizes, "post": lensOf(postEnc), "pos": lensOf(posEnc), "meta": metaSizes}
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

	files := map[string][]byte{}
	put := func(kind string, data []byte) string {
		z := handbook.Gzip(data)
		sum := sha256.Sum256(z)
		name := kind + "-" + hex.EncodeToString(sum[:8]) + ".bin"
		files[name] = z
		return name
	}

	type loc struct{ pack, off, n int }
	postLoc := make([]loc, len(sorted))
	posLoc := make([]loc, len(sorted))
	m := handbook.Manifest{Version: handbook.IndexVersion, Docs: len(docs), Scale: scale}
	for _, g := range groups(sizes["post"], targets["post"]) {
		var buf []byte
		for i := g[0]; i < g[1]; i++ {
			postLoc[i] = loc{len(m.Post), len(buf), len(postEnc[i])}
			buf = append(buf, postEnc[i]...)
		}
		m.Post = append(m.Post, put("post", buf))
	}
	for _, g := range groups(sizes["pos"], targets["pos"]) {
		var buf []byte
		for i := g[0]; i < g[1]; i++ {
			posLoc[i] = loc{len(m.Pos), len(buf), len(posEnc[i])}
			buf = append(buf, posEnc[i]...)
		}
		m.Pos = append(m.Pos, put("pos", buf))
	}
	for _, g := range groups(sizes["dict"], targets["dict"]) {
		buf := handbook.AppendUvarint(nil, uint64(g[1]-g[0]))
		prev := ""
		for i := g[0]; i < g[1]; i++ {
			t := sorted[i].term
			shared := commonPrefix(prev, t)
			buf = handbook.AppendUvarint(buf, uint64(shared))
			buf = handbook.AppendUvarint(buf, uint64(len(t)-shared))
			buf = append(buf, t[shared:]...)
			for _, v := range []int{len(sorted[i].postings), postLoc[i].pack, postLoc[i].off, postLoc[i].n, posLoc[i].pack, posLoc[i].off, posLoc[i].n} {
				buf = handbook.AppendUvarint(buf, uint64(v))
			}
			prev = t
		}
		m.Dict = append(m.Dict, handbook.DictRef{First: sorted[g[0]].term, File: put("dict", buf)})
	}
	if len(sorted) == 0 {
		m.Dict = append(m.Dict, handbook.DictRef{First: "", File: put("dict", handbook.AppendUvarint(nil, 0))})
	}

	// Document shards hold whole pages.
	for _, g := range groups(metaSizes, targets["meta"]) {
		var shard handbook.MetaShard
		shard.Pages = [][4]string{}
		shard.Docs = []handbook.MetaDoc{}
		firstDoc := metaPages[g[0]].first
		for pi := g[0]; pi < g[1]; pi++ {
			pg := metaPages[pi]
			d0 := docs[pg.first]
			shard.Pages = append(shard.Pages, [4]string{d0.Page, d0.Title, strings.ToLower(d0.Kind), strings.ToLower(d0.Team)})
			for id := pg.first; id < pg.end; id++ {
				d := docs[id]
				suffix := d.URL
				switch {
				case d.URL == d.Page:
					suffix = ""
				case strings.HasPrefix(d.URL, d.Page+"#"):
					suffix = d.URL[len(d.Page):]
				}
				shard.Docs = append(shard.Docs, handbook.MetaDoc{pi - g[0], suffix, d.Section, Excerpt(d.Text, ExcerptLen)})
			}
		}
		b, err := json.Marshal(shard)
		if err != nil {
			return nil, fmt.Errorf("encode search documents: %w", err)
		}
		m.Meta = append(m.Meta, handbook.MetaRef{First: firstDoc, File: put("meta", b)})
	}
	m.Pages = len(metaPages)
	if m.Post == nil {
		m.Post = []string{}
	}
	if m.Pos == nil {
		m.Pos = []string{}
	}
	if m.Meta == nil {
		m.Meta = []handbook.MetaRef{}
	}
	mb, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode search manifest: %w", err)
	}
	files[handbook.ManifestName] = append(mb, '\n')
	return files, nil
}

// filterTerms returns the filter terms of a document's page.
func filterTerms(d Document) []string {
	var out []string
	if v := filterValue(d.Kind); v != "" {
		out = append(out, "kind:"+v)
	}
	if v := filterValue(d.Team); v != "" {
		out = append(out, "team:"+v)
	}
	for _, t := range d.Tags {
		if v := filterValue(t); v != "" {
			out = append(out, "tag:"+v)
		}
	}
	return out
}

// filterValue lower-cases a filter value and removes spaces, which a query
// could not express.
func filterValue(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), "-")
}

func isFilterTerm(t string) bool { return strings.IndexByte(t, ':') >= 0 }

type pageSpan struct{ first, end int }

// pageGroups returns each page's span of document IDs and the approximate
// encoded size of each page's metadata.
func pageGroups(docs []Document) ([]pageSpan, []int) {
	var spans []pageSpan
	var sizes []int
	for i := 0; i < len(docs); {
		j := i
		size := len(docs[i].Page) + len(docs[i].Title) + 16
		for j < len(docs) && docs[j].Page == docs[i].Page {
			size += len(docs[j].URL) - len(docs[j].Page) + len(docs[j].Section) + min(len(docs[j].Text), ExcerptLen) + 16
			j++
		}
		spans = append(spans, pageSpan{i, j})
		sizes = append(sizes, size)
		i = j
	}
	return spans, sizes
}

// groups splits items of the given sizes into consecutive runs [start, end)
// of about target bytes each; an item bigger than target gets a run of its
// own.
func groups(sizes []int, target int) [][2]int {
	var out [][2]int
	start, acc := 0, 0
	for i, s := range sizes {
		if acc > 0 && acc+s > target {
			out = append(out, [2]int{start, i})
			start, acc = i, 0
		}
		acc += s
	}
	if start < len(sizes) {
		out = append(out, [2]int{start, len(sizes)})
	}
	return out
}

func lensOf(bs [][]byte) []int {
	out := make([]int, len(bs))
	for i, b := range bs {
		out[i] = len(b)
	}
	return out
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// Excerpt returns the start of text cut to at most n bytes at a word
// boundary, with "…" appended when it was cut.
func Excerpt(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if len(text) <= n {
		return text
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	if sp := strings.LastIndexByte(text[:cut], ' '); sp > n/2 {
		cut = sp
	}
	return text[:cut] + "…"
}

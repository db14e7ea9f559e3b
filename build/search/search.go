// Package search is the handbook's full-text search: the sharded index in
// public/search/ (its format, tokenizer, stemmer and writer) and the Go query
// engine (LoadIndex, Index.Search) that the bot's slash commands, its linker
// and `compass search` use. themes/compass/assets/search.js implements the
// same query language and ranking for the browser. It imports only the
// standard library, so the bot reads the index without the renderer.
//
// # Index format (version 2)
//
// The index is a set of files in one directory. Only manifest.json has a
// stable name; every other file is named <kind>-<hash>.bin, where hash is the
// first 16 hex digits of the SHA-256 of the file's bytes, so files can be
// cached forever. A query fetches whole dictionary shards and, from the other
// files, only the records it needs, by HTTP range request; a record is gzip
// (no name, no time stamp) where the format says so.
//
// A document is one section of a page: the text before the first heading
// (the page's intro, URL without anchor) or one heading and the text under
// it. Documents are numbered 0..n-1 in order of page URL, then position in
// the page.
//
// Terms come from the tokenizer: words are runs of Unicode letters and
// digits, lower-cased and Porter2-stemmed; camelCase words are indexed whole
// and by parts; stop words are dropped. Three fields feed each document: the
// page title, the section heading (the page title again for the intro) and
// the section text, at word positions separated by gaps of 16 so phrases
// never span fields. Filter terms "kind:<kind>", "team:<team>" and
// "tag:<tag>" are indexed on every section of a page.
//
// manifest.json (plain JSON) lists:
//   - dict: dictionary shards {f: first term, n: file}; terms sorted by bytes.
//   - post, pos: the postings and the positions file.
//   - meta, mdir: the page records file and its directory.
//   - scale: the BM25 value of one impact unit; docs, pages: counts.
//
// A uvarint is encoding/binary's unsigned varint (AppendUvarint, Uvarint).
//
// dict-*.bin (gzip): uvarint term count, uvarint offsets in the post and pos
// files of the shard's first term's records, then per term: uvarint bytes
// shared with the previous term, uvarint suffix length, suffix bytes, and
// uvarints df, postings record length and positions record length, each
// length doubled plus one if the record is gzip. A term's records follow the
// previous term's, so offsets are running sums of lengths.
//
// post-*.bin: per term, its postings record: df entries of (uvarint doc ID
// delta from the previous entry, the first from 0; one byte impact). The
// impact is idf × (BM25F of heading and body, boosts 3 and 1, b 0.3 and 0.75,
// k1 1.2 + the page title scored as its own saturated field, b 0.3),
// quantised to 1..255 in units of the manifest's scale; filter terms have
// impact 0.
//
// pos-*.bin: per term, its positions record: for each posting, in the same
// order, uvarint count, then that many uvarint position deltas. Fetched only
// for phrase queries; filter terms have none.
//
// mdir-*.bin: per document, big-endian uint32 start and end of its page's
// record in the meta file.
//
// meta-*.bin: per page, its record, gzip unless that would be larger (a
// record starts with the gzip magic bytes or with "{"): JSON {"p": [url,
// title, kind, team], "f": first doc ID, "d": [[URL suffix, heading,
// excerpt], ...]}, where the suffix is "" for the page itself, "#anchor", or
// a full URL, and the excerpt is the section text cut to ExcerptLen bytes at
// a word boundary.
//
// A site of any size has five files besides the dictionary shards; writers
// keep the whole index under MaxFiles files by growing the shards.
package search

import (
	"bytes"
	"strings"
	"unicode/utf8"
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

// dictTarget is the size, in uncompressed bytes, of a dictionary shard. A
// query fetches the shard of each of its words (and, for a word long enough
// to get typo tolerance, every shard of terms with its first letter), while
// the manifest, fetched before the first query, names every shard: about
// 4 KB (2 KB gzipped) per shard is where the two balance on the generated
// 10,000-page handbook.
const dictTarget = 4 << 10

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

type pageSpan struct{ first, end int }

// pageSpans returns each page's span of document IDs.
func pageSpans(docs []Document) []pageSpan {
	var spans []pageSpan
	for i := 0; i < len(docs); {
		j := i
		for j < len(docs) && docs[j].Page == docs[i].Page {
			j++
		}
		spans = append(spans, pageSpan{i, j})
		i = j
	}
	return spans
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
// boundary, with "…" appended when it was cut. Runs of white space count as
// one space. Only the start of text is looked at, so long sections cost no
// more than short ones.
func Excerpt(text string, n int) string {
	b := make([]byte, 0, min(len(text), n+1))
	for f := range strings.FieldsSeq(text) {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, f[:min(len(f), n+1-len(b))]...)
		if len(b) > n {
			break
		}
	}
	if len(b) <= n {
		return string(b)
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	if sp := bytes.LastIndexByte(b[:cut], ' '); sp > n/2 {
		cut = sp
	}
	return string(b[:cut]) + "…"
}

package search

// This file holds the parts of the search index that the writer (build.go)
// and the readers (query.go and search.js) must agree on: the tokenizer and
// the binary encodings. The index format itself is described in the package
// documentation.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
)

// indexVersion is the search-index format version, stored in the manifest.
const indexVersion = 2

// ManifestName is the one file of the index with a stable name; every other
// file is named by a hash of its content and listed in the manifest.
const ManifestName = "manifest.json"

// maxTermLen is the longest token, in bytes, that is indexed; longer runs of
// letters (hashes, base64) are dropped.
const maxTermLen = 48

// Filter keys: a filter term is key + ":" + lower-case value, indexed as a
// term of its own so that a filter loads one postings list.
var filterKeys = []string{"kind", "team", "tag"}

// stopWords are frequent English words left out of the index. They still take
// a position, so the phrase "out of memory" matches "out" two words before
// "memory".
var stopWords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true,
	"but": true, "by": true, "for": true, "if": true, "in": true, "into": true, "is": true,
	"it": true, "of": true, "on": true, "or": true, "such": true, "that": true, "the": true,
	"their": true, "then": true, "there": true, "these": true, "they": true, "this": true,
	"to": true, "was": true, "will": true, "with": true,
}

// token is one indexed term and its word position.
type token struct {
	Term  string // stemmed, lower case
	Pos   int    // word position; the parts of a camelCase word take consecutive positions
	Whole bool   // the whole of a camelCase word whose parts follow as separate tokens
}

// Word is one word of text as typed, before stemming.
type Word struct {
	Lower string   // the whole word in lower case
	Parts []string // lower-case camelCase parts, nil unless there are two or more
	Start int      // byte offset of the word in the text
	End   int      // byte offset after the word
}

// isWordRune reports whether r belongs to a word: Unicode letters and numbers,
// the same classes as \p{L} and \p{N} in JavaScript.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

// SplitWords splits text into words: maximal runs of letters and digits. It
// is the first half of tokenize, shared with query parsing and snippets.
func SplitWords(text string) []Word {
	var words []Word
	start := -1
	for i, r := range text {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			words = append(words, newWord(text, start, i))
			start = -1
		}
	}
	if start >= 0 {
		words = append(words, newWord(text, start, len(text)))
	}
	return words
}

func newWord(text string, start, end int) Word {
	raw := text[start:end]
	w := Word{Lower: lower(raw), Start: start, End: end}
	if parts := camelParts(raw); len(parts) > 1 {
		w.Parts = parts
	}
	return w
}

// lower lower-cases a word the way search.js does: JavaScript's
// toLowerCase differs from Go's on the Greek final sigma (context dependent)
// and on the dotted capital I, so both sides fold σ/ς together and map İ to i.
func lower(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "ς", "σ")
}

// charClass classifies ASCII letters for camelCase splitting: 'U' upper, 'L'
// lower, 'O' anything else (digits count as part of the current piece).
func charClass(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return 'U'
	case c >= 'a' && c <= 'z':
		return 'L'
	}
	return 'O'
}

// camelParts splits an ASCII camelCase or PascalCase word into lower-case
// parts: "KubeCPUOvercommit" → kube, cpu, overcommit. A new part starts at an
// upper-case letter after a lower-case letter or digit, and at the last
// upper-case letter of a run that is followed by a lower-case one. Words with
// non-ASCII bytes are not split.
func camelParts(w string) []string {
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			return nil
		}
	}
	var parts []string
	start := 0
	for i := 1; i < len(w); i++ {
		prev, cur := charClass(w[i-1]), charClass(w[i])
		split := cur == 'U' && prev != 'U'
		if cur == 'U' && prev == 'U' && i+1 < len(w) && charClass(w[i+1]) == 'L' {
			split = true
		}
		if split {
			parts = append(parts, strings.ToLower(w[start:i]))
			start = i
		}
	}
	return append(parts, strings.ToLower(w[start:]))
}

// normalize turns a lower-case word into its index term: the Porter2 stem.
func normalize(lower string) string { return stem(lower) }

// tokenize turns text into index tokens: every word lower-cased and stemmed,
// stop words and over-long words dropped (but counted in positions), and
// camelCase words indexed both whole and by their parts, so that
// "KubeCPUOvercommit" is found by its name and by "cpu overcommit".
func tokenize(text string) []token {
	var toks []token
	pos := 0
	for _, w := range SplitWords(text) {
		toks, pos = appendWord(toks, w, pos)
	}
	return toks
}

// tokenizer gives the same tokens as tokenize but is meant for indexing a
// whole site: it remembers the tokens of every distinct word it has seen, so
// each word is lower-cased, split and stemmed once per site rather than once
// per occurrence, and it reuses its output slice. The zero value is ready to
// use; a tokenizer is not safe for concurrent use.
type tokenizer struct {
	words map[string]wordTokens
	toks  []token
}

// wordTokens are the tokens of one word as typed, at positions relative to
// the word's first position, and the number of positions the word takes.
type wordTokens struct {
	toks []token
	span int
}

// maxCachedWords bounds a tokenizer's memory on text with an unbounded
// vocabulary (hashes, IDs); words past it are tokenized without caching.
const maxCachedWords = 1 << 17

// isASCIIWordByte marks the ASCII bytes that are word runes.
var isASCIIWordByte = func() (t [utf8.RuneSelf]bool) {
	for c := range utf8.RuneSelf {
		t[c] = isWordRune(rune(c))
	}
	return t
}()

// tokens returns the tokens of text, equal to tokenize(text). The returned
// slice is only valid until the next call.
func (tz *tokenizer) tokens(text string) []token {
	if tz.words == nil {
		tz.words = make(map[string]wordTokens, 1024)
	}
	toks := tz.toks[:0]
	pos := 0
	start := -1
	for i := 0; i < len(text); {
		c := text[i]
		word, size := false, 1
		if c < utf8.RuneSelf {
			word = isASCIIWordByte[c]
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(text[i:])
			word = isWordRune(r)
		}
		if word {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			toks, pos = tz.appendWord(toks, text, start, i, pos)
			start = -1
		}
		i += size
	}
	if start >= 0 {
		toks, _ = tz.appendWord(toks, text, start, len(text), pos)
	}
	tz.toks = toks
	return toks
}

// appendWord appends the tokens of the word text[start:end] at position pos
// and returns the next free position.
func (tz *tokenizer) appendWord(toks []token, text string, start, end, pos int) ([]token, int) {
	raw := text[start:end]
	wt, ok := tz.words[raw]
	if !ok {
		var span int
		wt.toks, span = appendWord(nil, newWord(text, start, end), 0)
		wt.span = span
		if len(tz.words) < maxCachedWords {
			// Clone the strings: the cache must not keep whole texts alive.
			for i := range wt.toks {
				wt.toks[i].Term = strings.Clone(wt.toks[i].Term)
			}
			tz.words[strings.Clone(raw)] = wt
		}
	}
	for _, t := range wt.toks {
		t.Pos += pos
		toks = append(toks, t)
	}
	return toks, pos + wt.span
}

// appendWord appends the tokens of w at position pos and returns the next
// free position.
func appendWord(toks []token, w Word, pos int) ([]token, int) {
	if w.Parts == nil {
		if !stopWords[w.Lower] && len(w.Lower) <= maxTermLen {
			toks = append(toks, token{Term: normalize(w.Lower), Pos: pos})
		}
		return toks, pos + 1
	}
	if len(w.Lower) <= maxTermLen {
		toks = append(toks, token{Term: normalize(w.Lower), Pos: pos, Whole: true})
	}
	for i, p := range w.Parts {
		if !stopWords[p] && len(p) <= maxTermLen {
			toks = append(toks, token{Term: normalize(p), Pos: pos + i})
		}
	}
	return toks, pos + len(w.Parts)
}

// reader decodes the index's varints (encoding/binary's Uvarint) from an
// index file, remembering the first error so that a decoder checks once per
// entry rather than after every number.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) uvarint() int {
	x, n := binary.Uvarint(r.b[min(r.off, len(r.b)):])
	switch {
	case n == 0:
		if r.err == nil {
			r.err = io.ErrUnexpectedEOF
		}
		return 0
	case n < 0 || x > math.MaxInt:
		if r.err == nil {
			r.err = fmt.Errorf("varint overflows")
		}
		return 0
	}
	r.off += n
	return int(x)
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || r.off+n > len(r.b) {
		if r.err == nil {
			r.err = io.ErrUnexpectedEOF
		}
		return nil
	}
	b := r.b[r.off : r.off+n]
	r.off += n
	return b
}

// gzipLevel is the compression level of every index file and record. A
// first query fetches dictionary, postings and document records: level 6
// keeps its bytes under half of Pagefind's on the corpus that varies every
// page's code (level 4 made document shards 14% bigger and crossed that
// line; levels 7 to 9 cost far more CPU than they save). Positions, fetched
// only for phrases, were at level 1 with compress/gzip; klauspost/compress's
// level 1 leaves them 36% bigger than its level 6, which costs little more.
const gzipLevel = 6

// gzipWriters pools compressors: a new one allocates about a megabyte.
var gzipWriters sync.Pool

// gzipAt compresses b deterministically: no name, no time stamp, level
// gzipLevel, so the same input always gives the same bytes (with the same
// klauspost/compress release). It is safe for concurrent use.
//
// klauspost/compress rather than compress/gzip: on a 10,000-page index it
// writes the same bytes within 1% in 58% of the time, mostly because
// resetting the standard library's compressor clears 640 KB of hash
// tables, which dominated the cost of small records.
func gzipAt(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/3 + 64)
	zw, _ := gzipWriters.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(&buf, gzipLevel) // a valid level: no error
	} else {
		zw.Reset(&buf)
	}
	_, _ = zw.Write(b)
	_ = zw.Close()
	zw.Reset(io.Discard) // drop the reference to buf
	gzipWriters.Put(zw)
	return buf.Bytes()
}

// gunzip decompresses b if it starts with the gzip magic bytes, so a server
// that already decoded a Content-Encoding does no harm.
func gunzip(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	return out, nil
}

package build

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"html/template"
	"strings"
	"sync"

	"github.com/klauspost/compress/s2"

	"github.com/compasshq/compass/build/markdown"
)

// A one-shot build renders every page's Markdown before it can write any
// (links and anchors are checked across the whole site first), so the
// rendered bodies would all be in memory at once. It keeps them
// compressed instead, under a third of their size, and unpacks each just
// before its page is written (issue #17: peak memory at 30,000 pages).
// `compass serve` and `compass check` keep plain HTML.
//
// S2 (a Snappy descendant) rather than flate: it packs a page body in an
// eighth of flate's fastest level's time and unpacks it in a sixth, for
// packed bodies a fifth larger; with flate, packing was 8% of a
// 1,000-page build's CPU.

// pack compresses p's HTML when the build releases pages, unless later
// steps still edit it in place ({tableofcontents} children), and its
// search text, which only the search index reads once every page is
// rendered.
func (s *Site) pack(p *Page) {
	if !s.release {
		return
	}
	p.packSearchText()
	if p.HTML == "" || strings.Contains(string(p.HTML), markdown.ChildrenMarker) {
		return
	}
	p.packed = compress([]byte(p.HTML))
	p.HTML = ""
}

// compress returns src packed with S2, in memory of its own.
func compress(src []byte) []byte {
	buf := packBufs.Get().(*[]byte)
	enc := s2.Encode((*buf)[:cap(*buf)], src)
	out := bytes.Clone(enc) // Encode's result sits in a worst-case-sized buffer
	*buf = enc
	packBufs.Put(buf)
	return out
}

// packBufs are scratch buffers for pack and unpack, so each page costs one
// allocation of its packed size and one of its HTML.
var packBufs = sync.Pool{New: func() any { return new([]byte) }}

// packSearchText compresses p's intro and section bodies into
// p.packedText, each text preceded by its length, and clears them.
func (p *Page) packSearchText() {
	buf := packBufs.Get().(*[]byte)
	raw := binary.AppendUvarint((*buf)[:0], uint64(len(p.Intro)))
	raw = append(raw, p.Intro...)
	for _, h := range p.Headings {
		raw = binary.AppendUvarint(raw, uint64(len(h.Body)))
		raw = append(raw, h.Body...)
	}
	p.packedText = compress(raw)
	*buf = raw
	packBufs.Put(buf)
	p.Intro = ""
	for i := range p.Headings {
		p.Headings[i].Body = ""
	}
}

// searchText returns p's intro and its sections' bodies (in the order of
// p.Headings), unpacking them if pack packed them.
func (p *Page) searchText() (intro string, bodies []string) {
	bodies = make([]string, len(p.Headings))
	if p.packedText == nil {
		for i, h := range p.Headings {
			bodies[i] = h.Body
		}
		return p.Intro, bodies
	}
	raw, err := s2.Decode(nil, p.packedText)
	if err != nil {
		panic(fmt.Sprintf("unpack the search text of %s: %v", p.File, err)) // we packed it: cannot be corrupt
	}
	next := func() string {
		n, k := binary.Uvarint(raw)
		t := string(raw[k : k+int(n)])
		raw = raw[k+int(n):]
		return t
	}
	intro = next()
	for i := range bodies {
		bodies[i] = next()
	}
	return intro, bodies
}

// unpack restores p.HTML from its packed form, if it has one.
func (p *Page) unpack() error {
	if p.packed == nil {
		return nil
	}
	buf := packBufs.Get().(*[]byte)
	defer packBufs.Put(buf)
	n, err := s2.DecodedLen(p.packed)
	if err != nil {
		return err
	}
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	b, err := s2.Decode((*buf)[:n], p.packed)
	if err != nil {
		return err
	}
	p.HTML = template.HTML(b) // #nosec: our own rendered markup, as packed
	p.packed = nil
	return nil
}

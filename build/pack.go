package build

import (
	"bytes"
	"compress/flate"
	"html/template"
	"io"
	"strings"
	"sync"

	"github.com/compasshq/compass/build/markdown"
)

// A one-shot build renders every page's Markdown before it can write any
// (links and anchors are checked across the whole site first), so the
// rendered bodies would all be in memory at once. It keeps them
// compressed instead, a quarter of their size, and unpacks each just
// before its page is written (issue #17: peak memory at 30,000 pages).
// `compass serve` and `compass check` keep plain HTML.

var (
	packers = sync.Pool{New: func() any {
		w, _ := flate.NewWriter(nil, flate.BestSpeed) // level is valid: no error
		return w
	}}
	unpackers sync.Pool
)

// pack compresses p's HTML when the build releases pages, unless later
// steps still edit it in place ({tableofcontents} children).
func (s *Site) pack(p *Page) {
	if !s.release || p.HTML == "" || strings.Contains(string(p.HTML), markdown.ChildrenMarker) {
		return
	}
	var b bytes.Buffer
	w := packers.Get().(*flate.Writer)
	w.Reset(&b)
	_, _ = io.WriteString(w, string(p.HTML)) // writes to a bytes.Buffer do not fail
	_ = w.Close()
	packers.Put(w)
	p.packed = bytes.Clone(b.Bytes())
	p.HTML = ""
}

// unpack restores p.HTML from its packed form, if it has one.
func (p *Page) unpack() error {
	if p.packed == nil {
		return nil
	}
	r, _ := unpackers.Get().(io.ReadCloser)
	if r == nil {
		r = flate.NewReader(bytes.NewReader(p.packed))
	} else if err := r.(flate.Resetter).Reset(bytes.NewReader(p.packed), nil); err != nil {
		return err
	}
	var b strings.Builder
	_, err := io.Copy(&b, r)
	unpackers.Put(r)
	if err != nil {
		return err
	}
	p.HTML = template.HTML(b.String()) // #nosec: our own rendered markup, as packed
	p.packed = nil
	return nil
}

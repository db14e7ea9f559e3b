package compass

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
)

//go:generate sh vendor/update.sh

// vendor holds the third-party libraries of vendor/README.md.
//
//go:embed vendor/*/VERSION vendor/*/LICENSE vendor/*/*.min.js.gz
var vendor embed.FS

// Library is a third-party script the theme loads only on the pages that
// need it, and a build writes only when some page does.
type Library struct {
	// File is its name under a site's assets/ folder, versioned so
	// browsers may cache it forever: "mermaid-12.4.0.min.js".
	File string
	// Data returns the script, unpacked once: it is kept gzipped in the
	// binary since most sites never need it.
	Data func() ([]byte, error)
}

// The vendored libraries.
var (
	Mermaid = library("mermaid") // draws {mermaid} diagrams
	KaTeX   = library("katex")   // turns TeX into MathML

	// Libraries are all of them, by the name templates use.
	Libraries = map[string]*Library{"mermaid": Mermaid, "katex": KaTeX}
)

func library(name string) *Library {
	v, err := vendor.ReadFile("vendor/" + name + "/VERSION")
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	return &Library{
		File: name + "-" + strings.TrimSpace(string(v)) + ".min.js",
		Data: sync.OnceValues(func() ([]byte, error) { return unpack("vendor/" + name + "/" + name + ".min.js.gz") }),
	}
}

func unpack(file string) ([]byte, error) {
	gz, err := vendor.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read vendored %s: %w", file, err)
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("unpack vendored %s: %w", file, err)
	}
	// The gzip trailer holds the unpacked size: one allocation of exactly
	// that, where io.ReadAll would grow a buffer to twice the size.
	var out bytes.Buffer
	if len(gz) >= 4 {
		out.Grow(int(binary.LittleEndian.Uint32(gz[len(gz)-4:])) + bytes.MinRead)
	}
	if _, err := out.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("unpack vendored %s: %w", file, err)
	}
	return out.Bytes(), nil
}

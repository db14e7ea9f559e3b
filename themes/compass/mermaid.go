package compass

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"strings"
	"sync"
)

//go:generate sh vendor/mermaid/update.sh

// vendor holds third-party libraries the theme loads only on the pages
// that need them (see vendor/mermaid/README.md).
//
//go:embed vendor/mermaid/VERSION vendor/mermaid/LICENSE vendor/mermaid/mermaid.min.js.gz
var vendor embed.FS

// MermaidFile is the name of the mermaid library under a site's assets/
// folder, versioned so browsers may cache it forever:
// "mermaid-12.4.0.min.js".
var MermaidFile = func() string {
	v, err := vendor.ReadFile("vendor/mermaid/VERSION")
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	return "mermaid-" + strings.TrimSpace(string(v)) + ".min.js"
}()

// Mermaid returns the mermaid library, unpacked once: about 5.7 MB, kept
// gzipped in the binary since most sites never draw a diagram.
var Mermaid = sync.OnceValues(func() ([]byte, error) {
	gz, err := vendor.ReadFile("vendor/mermaid/mermaid.min.js.gz")
	if err != nil {
		return nil, fmt.Errorf("read vendored mermaid: %w", err)
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("unpack vendored mermaid: %w", err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("unpack vendored mermaid: %w", err)
	}
	return b, nil
})

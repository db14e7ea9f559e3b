package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sync"
	"time"
)

// errNotFound is returned by output for a name the site has no file for.
var errNotFound = fs.ErrNotExist

// renderCache holds output files rendered since they last changed, by
// output name ("policies/oncall/index.html"). Only what browsers asked for
// is here, so its size follows the pages a writer looks at, not the site.
type renderCache struct {
	mu    sync.Mutex
	files map[string][]byte
}

// maxCached bounds the cache; past it an arbitrary entry goes.
const maxCached = 512

func (c *renderCache) get(name string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.files[name]
	return b, ok
}

func (c *renderCache) put(name string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.files == nil {
		c.files = map[string][]byte{}
	}
	if len(c.files) >= maxCached {
		for k := range c.files {
			delete(c.files, k)
			break
		}
	}
	c.files[name] = b
}

func (c *renderCache) drop(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.files, name)
}

// dropAll empties the cache.
func (c *renderCache) dropAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.files)
}

// output returns one output file, from the cache or rendered now.
func (s *Server) output(name string) ([]byte, error) {
	if b, ok := s.cache.get(name); ok {
		return b, nil
	}
	s.mu.RLock()
	b, err := s.live.Site().ReadOutput(name)
	s.mu.RUnlock()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errNotFound
		}
		return nil, err
	}
	s.cache.put(name, b)
	return b, nil
}

// scriptTag loads the live reload script as a file of the site's own
// origin, so pages under a strict Content-Security-Policy still run it.
var scriptTag = []byte(`<script src="/_compass/livereload.js" defer></script>`)

// inject adds the live reload script to an HTML page, at the end of its
// head (or at the start when it has none). It copies: b may be cached.
func inject(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(scriptTag)+1)
	if i := bytes.Index(b, []byte("</head>")); i >= 0 {
		out = append(out, b[:i]...)
		out = append(out, scriptTag...)
		out = append(out, '\n')
		return append(out, b[i:]...)
	}
	out = append(out, scriptTag...)
	return append(out, b...)
}

var errorTemplate = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Render error</title></head>
<body><h1>This page could not be rendered</h1><pre>{{.}}</pre>
<p>Fix the template or content and save: the page reloads by itself.</p></body></html>
`))

// errorPage is shown instead of a page whose template failed.
func errorPage(err error) []byte {
	var buf bytes.Buffer
	_ = errorTemplate.Execute(&buf, err.Error())
	return buf.Bytes()
}

func contentType(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	if path.Ext(name) == ".bin" {
		return "application/octet-stream"
	}
	return "text/plain; charset=utf-8"
}

// serveBytes serves b as the file name, answering range requests: the
// search script fetches records of the index's files by range.
func serveBytes(w http.ResponseWriter, r *http.Request, name string, b []byte) {
	w.Header().Set("Content-Type", contentType(name))
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

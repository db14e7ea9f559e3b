package build

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	themefs "github.com/compasshq/compass/themes/compass"
)

// This file answers for one output file at a time what Write would have
// written there, rendering it on demand. `compass serve` uses it to serve a
// site from memory without rendering ten thousand pages up front: a page is
// rendered when a browser asks for it, so an edit costs one page, not all.

// ReadOutput returns the content of the output file name (a slash path
// relative to the output folder, "policies/oncall/index.html",
// "compass.json", "assets/style.3f2a9c1b.css") as Write would write it. It
// returns an error wrapping fs.ErrNotExist when Write writes no such file.
// The search index is not included: it is built for the whole site at once,
// by SearchFiles.
//
// Files are looked up in the reverse of the order Write writes them, so
// where two outputs share a name the one Write writes last wins here too.
func (s *Site) ReadOutput(name string) ([]byte, error) {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	if name == "compass.json" {
		return s.mapJSON()
	}
	if u, ok := outputURL(name); ok {
		if p := s.aliases[u]; p != nil {
			return s.redirect(p)
		}
		if u == "/search/" && s.byURL[u] == nil {
			return s.theme.execute("search.html", s.Data(&Page{URL: "/search/", Title: "Search", generated: true}))
		}
	}
	if f, ok := s.viewFiles["/"+name]; ok {
		return f.Data, nil
	}
	if name == "404.html" {
		return s.theme.execute("404.html", s.Data(&Page{URL: "/404.html", Title: "Page not found", generated: true}))
	}
	if u, ok := outputURL(name); ok {
		if p := s.byURL[u]; p != nil && urlFile(p.URL) == name {
			return s.Render(p)
		}
	}
	if s.fileSet[name] {
		return readSiteFile(filepath.Join(s.opts.Source, "content", filepath.FromSlash(name)))
	}
	if s.static[name] {
		return readSiteFile(filepath.Join(s.opts.Source, "static", filepath.FromSlash(name)))
	}
	for _, l := range themefs.Libraries {
		if name == "assets/"+l.File {
			return l.Data()
		}
	}
	if a, ok := strings.CutPrefix(name, "assets/"); ok {
		for _, as := range s.theme.assets {
			if as.Name == a {
				return as.Data, nil
			}
		}
	}
	return nil, fmt.Errorf("output %s: %w", name, fs.ErrNotExist)
}

// outputURL is the site URL an output file serves, the inverse of urlFile:
// "a/b/index.html" → "/a/b/", "old.html" → "/old.html".
func outputURL(name string) (string, bool) {
	if !strings.HasSuffix(name, ".html") {
		return "", false
	}
	if name == "index.html" {
		return "/", true
	}
	if dir, ok := strings.CutSuffix(name, "/index.html"); ok {
		return "/" + dir + "/", true
	}
	return "/" + name, true
}

func readSiteFile(p string) ([]byte, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return b, nil
}

// PageURLs returns the URL of every page Write renders, content pages and
// generated lists, sorted.
func (s *Site) PageURLs() []string {
	out := make([]string, 0, len(s.Pages)+len(s.extra))
	for _, p := range s.Pages {
		out = append(out, p.URL)
	}
	for _, p := range s.extra {
		out = append(out, p.URL)
	}
	slices.Sort(out)
	return out
}

// Assets returns the theme's assets: plain name ("style.css") → the hashed
// name they are served under ("style.3f2a9c1b.css"). A change of
// stylesheet shows up as a new hashed name.
func (s *Site) Assets() map[string]string {
	out := make(map[string]string, len(s.theme.assets))
	for name, a := range s.theme.assets {
		out[name] = "/assets/" + a.Name
	}
	return out
}

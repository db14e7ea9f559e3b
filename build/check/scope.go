package check

import (
	"net/url"
	"path"
	"strings"

	"github.com/compasshq/compass/build"
)

// scope is the part of the site a --changed-since run looks at.
type scope struct {
	changed map[string]bool // changed files under content/, deleted ones too
	report  map[string]bool // changed pages and the pages that may link to them: their findings are reported
	render  map[string]bool // report, plus the targets of their #anchor links (for headings)
}

// scopeFor works out which pages a change touches. It returns nil, meaning
// "check everything", when something outside content/ changed (compass.yaml,
// a layout, static/), since that can affect every page.
//
// Referrers are found from check's own scan of every file's link
// destinations, resolved the way the build does (relative, site-rooted,
// .md or URL form), without rendering anything. Links that reach a changed
// page only through one of its aliases are not followed; a full run
// covers them.
func (s *sources) scopeFor(changed []string) *scope {
	sc := &scope{changed: map[string]bool{}, report: map[string]bool{}, render: map[string]bool{}}
	for _, f := range changed {
		f = path.Clean(f)
		if !strings.HasPrefix(f, "content/") {
			return nil
		}
		sc.changed[f] = true
		if strings.EqualFold(path.Ext(f), ".md") {
			// Keep the URL of a deleted page, so links to it are found.
			if _, ok := s.byURL[build.URLFor(strings.TrimPrefix(f, "content/"))]; !ok {
				s.byURL[build.URLFor(strings.TrimPrefix(f, "content/"))] = f
			}
		}
		if s.files[f] && strings.EqualFold(path.Ext(f), ".md") {
			sc.report[f] = true
		}
	}
	for file, src := range s.byFile {
		if sc.report[file] {
			continue
		}
		for _, l := range src.links {
			if l.external {
				continue
			}
			if hit := s.candidates(file, l.dest); anyIn(hit, sc.changed) {
				sc.report[file] = true
				break
			}
		}
	}
	for file := range sc.report {
		sc.render[file] = true
		src := s.byFile[file]
		if src == nil {
			continue
		}
		for _, l := range src.links {
			if l.external || !strings.Contains(l.dest, "#") {
				continue
			}
			for _, c := range s.candidates(file, l.dest) {
				if s.files[c] && strings.EqualFold(path.Ext(c), ".md") {
					sc.render[c] = true
				}
			}
		}
	}
	return sc
}

func anyIn(xs []string, set map[string]bool) bool {
	for _, x := range xs {
		if set[x] {
			return true
		}
	}
	return false
}

// candidates lists the site-relative files a link written in file may
// point at, existing or not, mirroring build's resolver loosely.
func (s *sources) candidates(file, dest string) []string {
	raw, _, _ := strings.Cut(dest, "#")
	raw, _, _ = strings.Cut(raw, "?")
	if raw == "" {
		return nil
	}
	if un, err := url.PathUnescape(raw); err == nil {
		raw = un
	}
	var rel string
	var out []string
	if strings.HasPrefix(raw, "/") {
		rel = strings.TrimPrefix(strings.TrimPrefix(path.Clean(raw), "/"), "content/")
		u := path.Clean(raw)
		if u != "/" {
			u += "/"
		}
		if f, ok := s.byURL[u]; ok {
			out = append(out, f)
		}
	} else {
		rel = path.Join(path.Dir(strings.TrimPrefix(file, "content/")), raw)
		if rel == ".." || strings.HasPrefix(rel, "../") {
			return nil
		}
		if f, ok := s.byURL["/"+strings.Trim(rel, "/")+"/"]; ok {
			out = append(out, f)
		}
	}
	out = append(out, "content/"+rel)
	if !strings.EqualFold(path.Ext(rel), ".md") {
		out = append(out, "content/"+rel+".md", "content/"+path.Join(rel, "_index.md"), "content/"+path.Join(rel, "index.md"))
	}
	return out
}

// mentions returns the strings a page linking to one of the changed files
// must contain (its file name, URL segment or folder name), and the folders
// whose pages, and their subfolders' pages, are read whatever they contain
// (they can link to a changed folder page as "./" or "../"). all is true when no such filter is
// possible (the home page changed, or something outside content/).
func mentions(changed []string) (fixed, dirs []string, all bool) {
	seen := map[string]bool{}
	add := func(k string) {
		if k != "" && !seen[k] {
			seen[k] = true
			fixed = append(fixed, k)
		}
	}
	for _, f := range changed {
		f = path.Clean(f)
		if !strings.HasPrefix(f, "content/") {
			return nil, nil, true
		}
		rel := strings.TrimPrefix(f, "content/")
		name := strings.TrimSuffix(path.Base(rel), path.Ext(rel))
		if name == "_index" || name == "index" {
			dir := path.Dir(rel)
			if dir == "." {
				return nil, nil, true
			}
			dirs = append(dirs, "content/"+dir+"/")
			name = path.Base(dir)
		}
		if !strings.EqualFold(path.Ext(rel), ".md") {
			name = path.Base(rel) // an image or download: its full name
		}
		add(name)
		add(build.URLize(name))
		add(url.PathEscape(name))
	}
	return fixed, dirs, false
}

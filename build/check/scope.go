package check

import (
	"net/url"
	"path"
	"strings"
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
			if _, ok := s.byURL[urlFor(strings.TrimPrefix(f, "content/"))]; !ok {
				s.byURL[urlFor(strings.TrimPrefix(f, "content/"))] = f
			}
		}
		if s.byFile[f] != nil {
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
		for _, l := range s.byFile[file].links {
			if l.external || !strings.Contains(l.dest, "#") {
				continue
			}
			for _, c := range s.candidates(file, l.dest) {
				if s.byFile[c] != nil {
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

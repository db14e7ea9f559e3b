package build

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
)

// writeDeploy writes the files that search engines and the static host
// read beside the pages: sitemap.xml, robots.txt and Netlify's _redirects.
//
// A sitemap must list absolute URLs, so it is written only when the base
// URL has a scheme and host (`--base-url "$DEPLOY_PRIME_URL"` on Netlify);
// robots.txt then points at it. _redirects turns every alias into a real
// HTTP 301 (forced with "!", since the alias also has an HTML redirect page
// for hosts that read no _redirects).
func (s *Site) writeDeploy(w *writer) {
	abs := ""
	if strings.Contains(s.BaseURL, "://") {
		abs = strings.TrimRight(s.BaseURL, "/")
	}
	robots := "User-agent: *\nAllow: /\n"
	if abs != "" {
		w.write("sitemap.xml", s.sitemap(abs))
		robots += "\nSitemap: " + abs + "/sitemap.xml\n"
	}
	w.write("robots.txt", []byte(robots))
	w.write("_redirects", s.redirects())
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

type sitemapSet struct {
	XMLName xml.Name     `xml:"urlset"`
	XMLNS   string       `xml:"xmlns,attr"`
	URLs    []sitemapURL `xml:"url"`
}

// sitemap lists every built page (content pages and generated lists) with
// its last commit date when known, sorted by URL.
func (s *Site) sitemap(abs string) []byte {
	set := sitemapSet{XMLNS: "http://www.sitemaps.org/schemas/sitemap/0.9"}
	pages := slices.Concat(s.Pages, s.extra)
	slices.SortFunc(pages, func(a, b *Page) int { return strings.Compare(a.URL, b.URL) })
	for _, p := range pages {
		u := sitemapURL{Loc: abs + p.URL}
		if t := s.opts.LastUpdated[p.File]; p.File != "" && !t.IsZero() {
			u.LastMod = t.UTC().Format(time.DateOnly)
		}
		set.URLs = append(set.URLs, u)
	}
	b, err := xml.MarshalIndent(set, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("encode sitemap: %v", err)) // only plain strings: cannot fail
	}
	return append(append([]byte(xml.Header), b...), '\n')
}

// redirects returns Netlify's _redirects: "from to 301!" per alias, sorted.
func (s *Site) redirects() []byte {
	var b strings.Builder
	b.WriteString("# Written by compass build: one line per page alias.\n")
	from := make([]string, 0, len(s.aliases))
	for a := range s.aliases {
		from = append(from, a)
	}
	slices.Sort(from)
	for _, a := range from {
		fmt.Fprintf(&b, "%s %s 301!\n", path.Clean(s.basePath+a)+suffixSlash(a), s.basePath+s.aliases[a].URL)
	}
	return []byte(b.String())
}

func suffixSlash(u string) string {
	if strings.HasSuffix(u, "/") && u != "/" {
		return "/"
	}
	return ""
}

// editURL is the "Edit this page" link of file. A repository's home
// ("https://github.com/org/handbook", two path segments) gets the
// GitHub/Gitea form RepoURL/edit/<branch>/<file>, branch defaulting to main;
// any longer URL is taken as the edit prefix itself and file is appended
// (GitLab: "https://gitlab.com/org/handbook/-/edit/main").
func editURL(repo, branch, file string) string {
	repo = strings.TrimRight(repo, "/")
	u, err := url.Parse(repo)
	if err != nil || strings.Count(strings.Trim(u.Path, "/"), "/") != 1 {
		return repo + "/" + file
	}
	if branch == "" {
		branch = "main"
	}
	return repo + "/edit/" + branch + "/" + file
}

// Package corpus generates a synthetic handbook for benchmarks: nested
// folders of pages with front matter, headings, tables, code blocks and
// internal links, in Compass's layout or Hugo's, so both tools build the
// same text.
package corpus

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Layout selects the site layout written around the content.
type Layout int

const (
	// Compass writes content/ only; the embedded theme does the rest.
	Compass Layout = iota
	// Hugo also writes config.toml and a small theme with a sidebar of the
	// page's section, a table of contents, prev/next and a render hook that
	// resolves .md links the way Compass does, so Hugo does comparable work.
	Hugo
)

// Generate writes a site of n pages under dir: 10 top-level folders, each
// with 10 sub-folders, pages spread evenly; every folder has an _index.md.
// The same n and seed give the same bytes.
func Generate(dir string, n int, layout Layout) error { return generate(dir, n, 0, layout) }

// GenerateFlat writes a site of n pages under dir in the given number of
// top-level folders and no sub-folders, pages spread evenly: the shape
// where one folder holds thousands of pages (issue #17), which a nested
// corpus never shows.
func GenerateFlat(dir string, n, folders int, layout Layout) error {
	if folders < 1 {
		return fmt.Errorf("corpus: %d folders; want at least one", folders)
	}
	return generate(dir, n, folders, layout)
}

// generate writes the site: flat folders when flat > 0, else nested.
func generate(dir string, n, flat int, layout Layout) error {
	r := rand.New(rand.NewPCG(uint64(n), 42))
	per := max(1, n/100)
	path := func(i int) string { // page i → content-relative path
		if flat > 0 {
			return fmt.Sprintf("section%02d/page%05d.md", i*flat/n, i)
		}
		return fmt.Sprintf("area%02d/topic%02d/page%05d.md", (i/per/10)%10, (i/per)%10, i)
	}
	write := func(rel, data string) error {
		p := filepath.Join(dir, "content", filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, []byte(data), 0o644)
	}
	if err := write("_index.md", "---\ntitle: Benchmark handbook\n---\nA generated handbook.\n"); err != nil {
		return err
	}
	for a := range flat {
		if err := write(fmt.Sprintf("section%02d/_index.md", a), fmt.Sprintf("---\ntitle: Section %d\nweight: %d\n---\nPages of section %d.\n", a, a+1, a)); err != nil {
			return err
		}
	}
	areas := 10
	if flat > 0 {
		areas = 0
	}
	for a := range areas {
		if err := write(fmt.Sprintf("area%02d/_index.md", a), fmt.Sprintf("---\ntitle: Area %d\nweight: %d\n---\nPages about area %d.\n", a, a+1, a)); err != nil {
			return err
		}
		for t := range 10 {
			if err := write(fmt.Sprintf("area%02d/topic%02d/_index.md", a, t), fmt.Sprintf("---\ntitle: Topic %d.%d\n---\nPages about topic %d in area %d.\n", a, t, t, a)); err != nil {
				return err
			}
		}
	}
	kinds := []string{"guide", "policy", "guide", "guide"}
	tags := []string{"oncall", "incidents", "writing", "meetings", "kubernetes", "security", "onboarding", "hiring"}
	for i := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "---\ntitle: Page %d about %s\ndescription: A generated page number %d for benchmarks.\nkind: %s\nowner: team%d\ntags: [%s, %s]\nweight: %d\n---\n\n",
			i, words(r, 2), i, kinds[i%len(kinds)], i%7, tags[i%len(tags)], tags[(i/3)%len(tags)], 1+i%20)
		fmt.Fprintf(&b, "%s\n\n", paragraph(r, 3))
		for h := range 5 {
			fmt.Fprintf(&b, "## Section %d\n\n%s\n\n", h, paragraph(r, 4))
			if h%2 == 0 {
				fmt.Fprintf(&b, "### Detail %d\n\n%s\n\n", h, paragraph(r, 2))
			}
			switch h {
			case 1:
				b.WriteString("| Name | Owner | Status |\n|---|---|---|\n")
				for row := range 5 {
					fmt.Fprintf(&b, "| %s | team%d | %s |\n", words(r, 2), row, words(r, 1))
				}
				b.WriteString("\n")
			case 2:
				// Every page's snippet differs (name, message, status), as in a
				// real handbook, so no cache can skip the highlighting work.
				fmt.Fprintf(&b, "```go\nfunc handle%d(w http.ResponseWriter, r *http.Request) {\n\tif err := check%s(r.Context()); err != nil {\n\t\thttp.Error(w, err.Error(), %d)\n\t\treturn\n\t}\n\tfmt.Fprintln(w, %q)\n}\n```\n\n",
					i, words(r, 1), 500+r.IntN(4), words(r, 3))
			case 3:
				for range 3 {
					j := r.IntN(n)
					fmt.Fprintf(&b, "- See [page %d](%s#section-%d) for %s.\n", j, relLink(path(i), path(j)), r.IntN(5), words(r, 3))
				}
				b.WriteString("\n")
			}
		}
		if err := write(path(i), b.String()); err != nil {
			return err
		}
	}
	if layout == Hugo {
		return writeHugo(dir)
	}
	return nil
}

// relLink is the relative path from the page at from to the page at to.
func relLink(from, to string) string {
	rel, err := filepath.Rel(filepath.Dir(from), to)
	if err != nil {
		return to
	}
	return filepath.ToSlash(rel)
}

var vocabulary = strings.Fields(`alert rotation handoff cluster node quota capacity incident review
policy charter meeting runbook service owner writing async decision record change risk rollback
deploy pager escalation primary secondary latency budget error memory disk network upgrade`)

func words(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = vocabulary[r.IntN(len(vocabulary))]
	}
	return strings.Join(w, " ")
}

func paragraph(r *rand.Rand, sentences int) string {
	var b strings.Builder
	for i := range sentences {
		if i > 0 {
			b.WriteByte(' ')
		}
		s := words(r, 8+r.IntN(10))
		fmt.Fprintf(&b, "%s%s, with *%s* and `%s`.", strings.ToUpper(s[:1]), s[1:], words(r, 1), words(r, 1))
	}
	return b.String()
}

func writeHugo(dir string) error {
	files := map[string]string{
		"config.toml": `baseURL = "/"
title = "Benchmark handbook"
disableKinds = ["RSS", "sitemap"]
[markup.goldmark.extensions]
  typographer = true
[markup.highlight]
  noClasses = false
[markup.tableOfContents]
  startLevel = 2
  endLevel = 3
`,
		"layouts/_default/baseof.html": `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title></head>
<body><header><a href="/">{{ .Site.Title }}</a></header>
<nav><ul>{{ range .Site.Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ partial "window.html" . }}</nav>
<main>{{ block "main" . }}{{ end }}</main></body></html>
`,
		// The sidebar's folder listing, bounded the way Compass bounds its
		// own (build/tree.go navSpans): a folder of up to 50 pages whole,
		// a larger one as its first 5 pages, 10 either side of the page
		// and "more" links to the folder's page. The neighbours are walked
		// with PrevInSection/NextInSection, which Hugo computes once per
		// section, so each page costs the same whatever its folder holds.
		"layouts/partials/window.html": `{{ with .CurrentSection }}{{ $all := .Pages }}<ul>
{{- if le (len $all) 50 }}{{ range $all }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}
{{- else }}{{ range first 5 $all }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}<li><a href="{{ .RelPermalink }}">more</a></li>
{{- $p := $ }}{{ $before := slice }}{{ range seq 10 }}{{ with $p }}{{ with .NextInSection }}{{ $p = . }}{{ $before = $before | append . }}{{ end }}{{ end }}{{ end }}
{{- range seq (len $before) }}{{ with index $before (sub (len $before) .) }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}{{ end }}
{{- if ne $ . }}<li><a href="{{ $.RelPermalink }}" aria-current="page">{{ $.Title }}</a></li>{{ end }}
{{- $p = $ }}{{ range seq 10 }}{{ with $p }}{{ with .PrevInSection }}{{ $p = . }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}{{ end }}{{ end }}
<li><a href="{{ .RelPermalink }}">more</a></li>{{ end }}</ul>{{ end }}`,
		"layouts/_default/single.html": `{{ define "main" }}<h1>{{ .Title }}</h1>{{ with .Params.tags }}<ul>{{ range . }}<li><a href="/tags/{{ . | urlize }}/">{{ . }}</a></li>{{ end }}</ul>{{ end }}
{{ .TableOfContents }}{{ .Content }}
{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}{{ end }}
`,
		"layouts/_default/list.html": `{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
`,
		"layouts/_default/_markup/render-link.html": `{{- $u := urls.Parse .Destination -}}
{{- if and (not $u.IsAbs) (strings.HasSuffix $u.Path ".md") -}}
{{- $p := $.Page.GetPage (path.Join $.Page.File.Dir $u.Path) -}}
{{- if $p -}}<a href="{{ $p.RelPermalink }}{{ with $u.Fragment }}#{{ . }}{{ end }}">{{ .Text | safeHTML }}</a>
{{- else -}}{{ errorf "broken link %s" .Destination }}{{- end -}}
{{- else -}}<a href="{{ .Destination | safeURL }}">{{ .Text | safeHTML }}</a>{{- end -}}`,
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}

package build

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/build/markdown"
	"github.com/compasshq/compass/build/views"
	themefs "github.com/compasshq/compass/themes/compass"
)

// theme is the parsed templates and hashed assets of one build.
//
// Files are looked up in layers, first match wins: the site's layouts/
// folder (templates at its top, assets under layouts/assets/), then the
// theme folder named in compass.yaml (layouts/ and assets/, like
// themes/compass), then the theme embedded in the binary. So a site
// replaces one template or the stylesheet without copying the rest.
type theme struct {
	layouts map[string]*template.Template // "page.html" → template set ready to run
	assets  map[string]asset              // "style.css" → hashed file
}

// asset is a theme file written under assets/ with its content hash in its
// name, so it can be cached forever.
type asset struct {
	Name string // "style.3f2a9c1b.css"
	Data []byte
}

// layer is one place theme files come from.
type layer struct {
	fsys   fs.FS
	layout string // folder of templates in fsys
	assets string // folder of assets in fsys
}

// pageLayouts are the templates that render whole pages; every other
// .html file under layouts/ is a partial available to all of them.
var pageLayouts = []string{"page.html", "404.html", "search.html", "redirect.html"}

func loadTheme(opts Options, funcs template.FuncMap) (*theme, error) {
	layers, err := themeLayers(opts)
	if err != nil {
		return nil, err
	}
	templates, err := collect(layers, func(l layer) string { return l.layout }, func(name string) bool {
		return strings.HasSuffix(name, ".html") && !strings.HasPrefix(name, "assets/")
	})
	if err != nil {
		return nil, fmt.Errorf("load theme templates: %w", err)
	}
	files, err := collect(layers, func(l layer) string { return l.assets }, func(string) bool { return true })
	if err != nil {
		return nil, fmt.Errorf("load theme assets: %w", err)
	}
	if _, ok := files["highlight.css"]; !ok {
		files["highlight.css"] = markdown.HighlightCSS()
	}
	th := &theme{layouts: map[string]*template.Template{}, assets: map[string]asset{}}
	for name, data := range files {
		sum := sha256.Sum256(data)
		ext := path.Ext(name)
		th.assets[name] = asset{Name: strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext, Data: data}
	}
	th.addAssetFuncs(funcs)
	if th.layouts, err = parseLayouts(templates, funcs); err != nil {
		return nil, err
	}
	return th, nil
}

// themeLayers lists where templates and assets come from, the first to
// have a name winning: the site's own layouts/, the configured theme, then
// the built-in one.
func themeLayers(opts Options) ([]layer, error) {
	var layers []layer
	if fi, err := os.Stat(filepath.Join(opts.Source, "layouts")); err == nil && fi.IsDir() {
		layers = append(layers, layer{fsys: os.DirFS(filepath.Join(opts.Source, "layouts")), layout: ".", assets: "assets"})
	}
	if opts.Theme != "" {
		dir := opts.Theme
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(opts.Source, dir)
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("theme folder %s does not exist", dir)
		}
		layers = append(layers, layer{fsys: os.DirFS(dir), layout: "layouts", assets: "assets"})
	}
	return append(layers, layer{fsys: themefs.FS, layout: "layouts", assets: "assets"}), nil
}

// addAssetFuncs gives templates the hashed URLs of the theme's assets and
// of the vendored libraries.
func (th *theme) addAssetFuncs(funcs template.FuncMap) {
	funcs["asset"] = func(name string) (string, error) {
		a, ok := th.assets[name]
		if !ok {
			return "", fmt.Errorf("no asset %q in the theme", name)
		}
		return funcs["url"].(func(string) string)("/assets/" + a.Name), nil
	}
	funcs["hasAsset"] = func(name string) bool { _, ok := th.assets[name]; return ok }
	// The vendored libraries are no theme assets: each is written only
	// when some page needs it (see Site.libraries).
	funcs["library"] = func(name string) (string, error) {
		l, ok := themefs.Libraries[name]
		if !ok {
			return "", fmt.Errorf("no vendored library %q", name)
		}
		return funcs["url"].(func(string) string)("/assets/" + l.File), nil
	}
}

// parseLayouts parses every partial once, in name order, then each page
// layout on its own clone of them, so page layouts may define the same
// blocks without clashing.
func parseLayouts(templates map[string][]byte, funcs template.FuncMap) (map[string]*template.Template, error) {
	root := template.New("").Funcs(funcs)
	names := make([]string, 0, len(templates))
	for name := range templates {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if slices.Contains(pageLayouts, name) {
			continue
		}
		if _, err := root.New(name).Parse(string(templates[name])); err != nil {
			return nil, fmt.Errorf("parse theme template: %w", err)
		}
	}
	layouts := map[string]*template.Template{}
	for _, name := range pageLayouts {
		src, ok := templates[name]
		if !ok {
			return nil, fmt.Errorf("theme has no %s template", name)
		}
		t, err := root.Clone()
		if err != nil {
			return nil, fmt.Errorf("parse theme template %s: %w", name, err)
		}
		if _, err := t.New(name).Parse(string(src)); err != nil {
			return nil, fmt.Errorf("parse theme template: %w", err)
		}
		layouts[name] = t
	}
	return layouts, nil
}

// collect reads every file under dir(l) of each layer, the first layer to
// have a name winning.
func collect(layers []layer, dir func(layer) string, keep func(string) bool) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, l := range layers {
		root := dir(l)
		err := fs.WalkDir(l.fsys, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && p == root {
					return fs.SkipDir
				}
				return err
			}
			if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			name := p
			if root != "." {
				name = strings.TrimPrefix(p, root+"/")
			}
			if !keep(name) {
				return nil
			}
			if _, ok := out[name]; ok {
				return nil
			}
			b, err := fs.ReadFile(l.fsys, p)
			if err != nil {
				return err
			}
			out[name] = b
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// execute runs a page layout into a buffer.
func (th *theme) execute(layout string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := th.executeTo(&buf, layout, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// executeTo runs a page layout into buf.
func (th *theme) executeTo(buf *bytes.Buffer, layout string, data any) error {
	t := th.layouts[layout]
	entry := "base.html"
	if layout == "redirect.html" {
		entry = layout
	}
	if err := t.ExecuteTemplate(buf, entry, data); err != nil {
		return fmt.Errorf("render %s: %w", layout, err)
	}
	return nil
}

// bufPool recycles page buffers while writing a site: a page is rendered,
// written and forgotten, so one buffer per worker serves thousands of pages
// instead of each growing its own from nothing.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// funcs are the template functions of a site; "asset" and "hasAsset" are
// added by loadTheme.
func (s *Site) funcs() template.FuncMap {
	return template.FuncMap{
		// url prefixes a site URL with the base URL's path.
		"url": s.href,
		// team returns the charter page of a team id, or nil.
		"team": func(id string) *Page { return s.teams[id] },
		// tagURL is the index page URL of a tag.
		"tagURL": func(t string) string { return "/tags/" + tagSlug(t) + "/" },
		// date writes YYYY-MM-DD as "2 January 2025".
		"date": func(d string) string {
			t, err := time.Parse(time.DateOnly, d)
			if err != nil {
				return d
			}
			return t.Format("2 January 2006")
		},
		"title": func(s string) string {
			if s == "" {
				return s
			}
			return strings.ToUpper(s[:1]) + s[1:]
		},
		// when writes an RFC 3339 time as "31 January 2025, 14:05 UTC", in
		// the offset it was written with.
		"when": func(ts string) string {
			t, err := time.Parse(time.RFC3339, ts)
			if err != nil {
				return ts
			}
			return t.Format("2 January 2006, 15:04 MST")
		},
		"duration": humanDuration,
		// skillsChart is the skills radar of a charter page, nil without skills.
		"skillsChart": func(p *Page) *views.Radar { return views.TeamRadar(charterTeam(p)) },
		// add is for templates that count from 1.
		"add": func(a, b int) int { return a + b },
		// calendar gives a meeting page's .ics feeds, nil when it has none.
		"calendar": s.calendarLinks,
		// oncallNow is a charter's rotation as of the build, nil without one.
		"oncallNow": func(p *Page) *views.Rotation { return views.NewRotation(charterTeam(p), s.now()) },
		// slack shows a person's Slack account as a name, never a raw id.
		"slack":   func(p handbook.Person) views.Slack { return views.SlackOf(p, s.opts.SlackWorkspace) },
		"cadence": describeCadence,
		// incidents are the reviews whose runbooks name runbook page p, newest first.
		"incidents": func(p *Page) []*Page { return s.reviews.usedBy[p] },
		// reviewRunbooks are the runbook pages review page p used.
		"reviewRunbooks": func(p *Page) []*Page { return s.reviews.runbooks[p] },
	}
}

// humanDuration writes a Go duration for people: "1h30m" → "1 hour 30 minutes".
func humanDuration(d string) string {
	dur, err := time.ParseDuration(d)
	if err != nil {
		return d
	}
	h, m := int(dur.Hours()), int(dur.Minutes())%60
	var parts []string
	if h > 0 {
		parts = append(parts, plural(h, "hour"))
	}
	if m > 0 || h == 0 {
		parts = append(parts, plural(m, "minute"))
	}
	return strings.Join(parts, " ")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// describeCadence writes a cadence as a sentence: "Weekly on Tuesday at
// 15:00 UTC (only mid-iteration)".
func describeCadence(c handbook.Cadence) string {
	if c.Every == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(strings.ToUpper(c.Every[:1]) + c.Every[1:])
	if len(c.Days) > 0 {
		days := make([]string, len(c.Days))
		for i, d := range c.Days {
			days[i] = strings.ToUpper(d[:1]) + d[1:]
		}
		b.WriteString(" on ")
		switch len(days) {
		case 1:
			b.WriteString(days[0])
		default:
			b.WriteString(strings.Join(days[:len(days)-1], ", ") + " and " + days[len(days)-1])
		}
	}
	if c.Time != "" {
		b.WriteString(" at " + c.Time)
		if c.TimeZone != "" {
			b.WriteString(" " + c.TimeZone)
		}
	}
	if c.Note != "" {
		b.WriteString(" (" + c.Note + ")")
	}
	return b.String()
}

// libraries are the vendored scripts that some page of the site loads:
// a site without diagrams or math carries neither library.
func (s *Site) libraries() []*themefs.Library {
	var out []*themefs.Library
	if slices.ContainsFunc(s.Pages, func(p *Page) bool { return p.Diagrams }) {
		out = append(out, themefs.Mermaid)
	}
	if slices.ContainsFunc(s.Pages, func(p *Page) bool { return p.Math }) {
		out = append(out, themefs.KaTeX)
	}
	return out
}

package build

import (
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/compasshq/compass/build/markdown"
)

// Live is a site that follows edits on disk, for `compass serve`. It holds
// the Site as the files are now (content errors included) and, for each
// batch of changed files, works out the least it has to redo: a body edit
// re-renders one page; anything that can move other pages (front matter,
// titles, heading anchors, new and deleted files, templates) reloads the
// site. Callers serialise Update against reads of Site.
type Live struct {
	opts     Options
	site     *Site
	errs     []*ContentError
	warnings []Warning
	md       *markdown.Renderer
}

// Delta is what one Update changed, so a server knows which pages to
// render again and which browsers to reload.
type Delta struct {
	// All is set when any page may have changed: a reload of the whole
	// site. Pages is empty then.
	All bool
	// Pages are the URLs of the pages whose HTML changed.
	Pages []string
	// Stylesheets maps the old URL of each changed stylesheet to its new
	// URL, when an update changed nothing but stylesheets; browsers can
	// swap them in place.
	Stylesheets map[string]string
	// Index is set when compass.json and the search index changed.
	Index bool
	// Rendered counts the pages rendered from Markdown again.
	Rendered int
	// Duration is the wall time of the update.
	Duration time.Duration
}

// Empty reports whether nothing served changed.
func (d *Delta) Empty() bool {
	return !d.All && len(d.Pages) == 0 && len(d.Stylesheets) == 0 && !d.Index
}

// OpenLive loads the site like Load. It fails only when the site cannot be
// read at all; content errors are kept for Errors, and the site is still
// served, so a writer sees the pages that do work.
func OpenLive(ctx context.Context, opts Options) (*Live, error) {
	l := &Live{opts: opts.withDefaults()}
	if err := l.reload(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// Site returns the current site. It changes on every Update.
func (l *Live) Site() *Site { return l.site }

// Errors returns the content errors of the site as it is on disk now,
// sorted by position.
func (l *Live) Errors() []*ContentError { return l.errs }

// Warnings returns the warnings of the site as it is on disk now.
func (l *Live) Warnings() []Warning { return l.warnings }

// reload loads the whole site again. On failure the previous site stays.
func (l *Live) reload(ctx context.Context) error {
	s, err := Load(ctx, l.opts)
	if s == nil {
		return err
	}
	var ce ContentErrors
	switch {
	case err == nil:
		l.errs = nil
	case errors.As(err, &ce):
		l.errs = ce
	default:
		return err
	}
	l.site, l.warnings = s, s.Warnings
	l.md = markdown.New(s.markdownOptions())
	return nil
}

// Update brings the site up to date with the files changed on disk:
// changed are paths relative to the site root with forward slashes
// ("content/policies/oncall.md", "layouts/page.html"), including files that
// were created or deleted. The returned error is a problem that kept the
// site from loading at all (an unparsable template); the previous site then
// stays current. Content problems are in Errors.
func (l *Live) Update(ctx context.Context, changed []string) (*Delta, error) {
	start := time.Now()
	d := &Delta{}
	defer func() { d.Duration = time.Since(start) }()

	if css, ok := l.stylesheetsOnly(changed); ok {
		old := l.site.Assets()
		th, err := loadTheme(l.site.opts, l.site.funcs())
		if err != nil {
			return d, err
		}
		l.site.theme = th
		d.Stylesheets = map[string]string{}
		for name, u := range l.site.Assets() {
			if old[name] != u && css[name] {
				d.Stylesheets[old[name]] = u
			}
		}
		if len(d.Stylesheets) == len(css) {
			return d, nil
		}
		// A stylesheet came or went: pages link to a different set.
		d.Stylesheets = nil
	}
	// A file that pages include changes those pages; rather than tracking
	// which, the whole site is reloaded (below).
	if !l.includedEdits(changed) {
		if l.staticEdits(changed) {
			d.All = true
			return d, nil
		}
		if urls, ok := l.bodyEdits(changed); ok {
			d.Pages, d.Index, d.Rendered = urls, true, len(urls)
			return d, nil
		}
	}
	if err := l.reload(ctx); err != nil {
		return d, err
	}
	d.All, d.Index, d.Rendered = true, true, len(l.site.Pages)
	return d, nil
}

// stylesheetsOnly reports whether every changed file is a stylesheet of
// the theme (an asset ending in .css), and which asset names they are.
func (l *Live) stylesheetsOnly(changed []string) (map[string]bool, bool) {
	if len(changed) == 0 {
		return nil, false
	}
	prefixes := []string{"layouts/assets/"}
	if t := l.opts.Theme; t != "" && !path.IsAbs(t) {
		prefixes = append(prefixes, path.Join(path.Clean(t), "assets")+"/")
	}
	names := map[string]bool{}
	for _, c := range changed {
		if path.Ext(c) != ".css" {
			return nil, false
		}
		i := slices.IndexFunc(prefixes, func(p string) bool { return strings.HasPrefix(c, p) })
		if i < 0 {
			return nil, false
		}
		names[strings.TrimPrefix(c, prefixes[i])] = true
	}
	return names, true
}

// includedEdits reports whether a changed file is one that a page's
// {include} or {literalinclude} read.
func (l *Live) includedEdits(changed []string) bool {
	for _, c := range changed {
		rel, ok := strings.CutPrefix(c, "content/")
		if !ok {
			continue
		}
		for _, p := range l.site.Pages {
			if slices.Contains(p.includes, rel) {
				return true
			}
		}
	}
	return false
}

// staticEdits reports whether every changed file is an existing file of
// static/ or a non-Markdown file of content/ that is still there: the
// pages stay the same, only the bytes served for those files change.
func (l *Live) staticEdits(changed []string) bool {
	for _, c := range changed {
		st, isStatic := strings.CutPrefix(c, "static/")
		ct, isContent := strings.CutPrefix(c, "content/")
		if !(isStatic && l.site.static[st]) && !(isContent && l.site.fileSet[ct]) {
			return false
		}
		if fi, err := os.Stat(filepath.Join(l.opts.Source, filepath.FromSlash(c))); err != nil || !fi.Mode().IsRegular() {
			return false
		}
	}
	return len(changed) > 0
}

// bodyEdits handles the common case of typing into pages: every changed
// file is an existing page whose front matter is unchanged. Each is
// rendered again and its own links checked; if its title and heading
// anchors are unchanged too, no other page can have changed (navigation,
// lists and other pages' anchor checks read only those), and it returns
// the URLs of the edited pages. Otherwise it reports false and the caller
// reloads the site; pages it rendered meanwhile are then replaced anyway.
func (l *Live) bodyEdits(changed []string) ([]string, bool) {
	s := l.site
	var urls []string
	for _, c := range changed {
		rel, ok := strings.CutPrefix(c, "content/")
		p := s.byPath[rel]
		if !ok || p == nil {
			return nil, false
		}
		b, err := os.ReadFile(filepath.Join(l.opts.Source, filepath.FromSlash(c)))
		if err != nil {
			return nil, false
		}
		fm, body, line, has, err := splitFrontMatter(b)
		if err != nil || has != p.hasFM || line != p.bodyLine {
			return nil, false
		}
		var pr problems
		if has {
			meta := decodeFrontMatter(p.File, fm, &pr)
			if !reflect.DeepEqual(meta, p.Meta) {
				return nil, false
			}
			pr = problems{} // the same front matter has the same problems, already counted
		}
		oldTitle, oldHeadings, oldLabels := p.Title, p.Headings, p.labels
		p.body = body
		targets := s.render(l.md, p, s.drafts, &pr)
		(&Site{Pages: []*Page{p}}).checkLinks([]map[string]linkTarget{targets}, &pr)
		// Labels are site-wide targets: a changed one changes other pages.
		if p.Title != oldTitle || !sameAnchors(oldHeadings, p.Headings) || !slices.Equal(oldLabels, p.labels) {
			return nil, false
		}
		s.listChildren(p)
		s.headings += len(p.Headings) - len(oldHeadings)
		// The body's problems are those at or below its first line; the
		// ones above are the front matter's and the site's checks of it.
		inBody := func(pos Position) bool { return pos.File == p.File && pos.Line >= p.bodyLine }
		l.errs = slices.DeleteFunc(slices.Clone(l.errs), func(e *ContentError) bool { return inBody(e.Pos) })
		l.warnings = slices.DeleteFunc(slices.Clone(l.warnings), func(w Warning) bool { return inBody(w.Pos) })
		all := problems{errs: l.errs, warnings: l.warnings}
		all.merge(&pr)
		all.sort()
		l.errs, l.warnings = all.errs, all.warnings
		s.Warnings = l.warnings
		urls = append(urls, p.URL)
	}
	return urls, len(urls) > 0
}

// sameAnchors reports whether two heading lists have the same levels and
// ids in the same order: what other pages' links and the table of
// contents structure depend on. Heading text alone only changes the page.
func sameAnchors(a, b []markdown.Heading) bool {
	return slices.EqualFunc(a, b, func(x, y markdown.Heading) bool { return x.ID == y.ID && x.Level == y.Level })
}

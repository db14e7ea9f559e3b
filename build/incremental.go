package build

import (
	"context"
	"errors"
	"path"
	"slices"
	"strings"
	"time"
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

package build

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
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

	"github.com/compasshq/compass/build/gitinfo"
	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/build/search"
	"github.com/compasshq/compass/build/views"
	"golang.org/x/sync/errgroup"
)

// Result summarises a build for the one-line report.
type Result struct {
	Pages     int           // content pages built
	Sections  int           // headings across all pages (sections in compass.json)
	Generated int           // generated list and index pages
	Redirects int           // alias redirect pages
	Duration  time.Duration // wall time of the whole build
	Out       string        // where the site was written
	Warnings  []Warning     // sorted by position
}

// StrictError is returned by Build when the build is strict and the content
// has warnings; nothing is written.
type StrictError struct{ Warnings int }

func (e *StrictError) Error() string {
	return fmt.Sprintf("%d warning(s), and the build is strict", e.Warnings)
}

// Build loads, validates and renders the site and writes it to opts.Out.
//
// Content problems come back as ContentErrors (every one of them, sorted by
// position) with a Result holding the warnings; nothing is written then, so
// a broken change never replaces a working site, unless opts.KeepGoing:
// then the site is written with its broken links marked, and the
// ContentErrors still come back.
func Build(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	opts = opts.withDefaults()
	readHistory(ctx, &opts)
	// Nothing reads a page's rendered body once it is written, so the
	// build lets each one go (a Site kept by serve holds them).
	s, err := load(ctx, opts, true)
	if s == nil {
		return nil, err
	}
	res := &Result{Warnings: s.Warnings, Out: opts.Out}
	var ce ContentErrors
	if err != nil && !(opts.KeepGoing && errors.As(err, &ce)) {
		return res, err
	}
	contentErr := err
	if opts.Strict && len(s.Warnings) > 0 {
		return res, &StrictError{Warnings: len(s.Warnings)}
	}
	if err := s.Write(ctx, opts.Out); err != nil {
		return res, err
	}
	res.Pages = len(s.Pages)
	res.Sections = s.headings
	res.Generated = len(s.extra)
	res.Redirects = len(s.aliases)
	res.Duration = time.Since(start)
	opts.Logger.Info("site built", "pages", res.Pages, "sections", res.Sections, "out", opts.Out, "duration", res.Duration)
	if contentErr != nil {
		return res, contentErr
	}
	return res, nil
}

// readHistory fills opts.History (for /changes/) and, when the site has a
// repo_url and no dates were given, opts.LastUpdated, from one git log.
// Outside git both stay empty and the build goes on.
func readHistory(ctx context.Context, opts *Options) {
	// Dates sit beside the edit link, and need every commit; the changes
	// page needs only the newest.
	wantDates := opts.LastUpdated == nil && opts.RepoURL != ""
	if opts.History == nil {
		limit := views.ChangesCommits
		if wantDates {
			limit = 0
		}
		h, err := gitinfo.ReadHistory(ctx, opts.Source, "content", limit)
		if err != nil {
			opts.Logger.Debug("no git history", "error", err)
			return
		}
		opts.History = h
	}
	if wantDates {
		opts.LastUpdated = opts.History.LastUpdated
	}
}

// PageData is what a page layout sees as ".": theme authors can rely on
// these fields.
type PageData struct {
	Site        *Site
	Page        *Page
	NavHTML     template.HTML // the sidebar as the default theme draws it (Site.NavHTML); .Nav has its entries
	Breadcrumbs []*Page       // folder pages above this one, home first
	TOC         []TOCItem     // h2 headings, each with its h3s
	Overdue     bool          // review_by is in the past
	TitleInBody bool          // the body shows the title itself; false since the build drops a leading "# Title" from the body
	Canonical   string        // absolute URL when base_url has a host, else ""
	EditURL     string        // repo_url + source path, "" when unknown
	Updated     time.Time     // last commit that changed the page (Options.LastUpdated), zero when unknown
	// List is Page.List, or nil when the page's text already links every
	// listed page (a hand-written table of the teams needs no second list).
	List *List
}

// Nav returns the page's sidebar entries, only along its path, for themes
// that draw the sidebar themselves (the default theme uses NavHTML, the
// same markup built once per folder).
func (d *PageData) Nav() []NavItem { return d.Site.Nav(d.Page) }

// TOCItem is one entry of a page's table of contents.
type TOCItem struct {
	Text     string
	ID       string
	Children []TOCItem
}

// Data returns what the layout of p is executed with.
func (s *Site) Data(p *Page) *PageData {
	d := &PageData{Site: s, Page: p, NavHTML: s.NavHTML(p), Breadcrumbs: s.Breadcrumbs(p)}
	for _, h := range p.Headings {
		switch {
		case h.Level == 2:
			d.TOC = append(d.TOC, TOCItem{Text: h.Text, ID: h.ID})
		case h.Level == 3 && len(d.TOC) > 0:
			last := &d.TOC[len(d.TOC)-1]
			last.Children = append(last.Children, TOCItem{Text: h.Text, ID: h.ID})
		}
	}
	if len(d.TOC) < 2 && (len(d.TOC) == 0 || len(d.TOC[0].Children) == 0) {
		d.TOC = nil // a contents list of one entry helps nobody
	}
	if rb := p.Meta.ReviewBy; rb != "" {
		d.Overdue = rb < s.today()
	}
	if p.List != nil && !linksAll(p.LinksTo, p.List.Pages) {
		d.List = p.List
	}
	d.Canonical = s.canonical(p.URL)
	if s.opts.RepoURL != "" && p.File != "" {
		d.EditURL = editURL(s.opts.RepoURL, s.opts.EditBranch, p.File)
	}
	if p.File != "" {
		d.Updated = s.opts.LastUpdated[p.File]
	}
	return d
}

// linksAll reports whether links holds every page of list (an empty list
// counts as not linked, so tag and tag-index lists stay).
func linksAll(links, list []*Page) bool {
	if len(list) == 0 {
		return false
	}
	for _, p := range list {
		if !slices.Contains(links, p) {
			return false
		}
	}
	return true
}

// canonical returns the absolute URL of site URL u when base_url has a
// host, else "".
func (s *Site) canonical(u string) string {
	if s.BaseURL != "" && strings.Contains(s.BaseURL, "://") {
		return strings.TrimRight(s.BaseURL, "/") + u
	}
	return ""
}

// redirect renders the page that sends an alias on to p.
func (s *Site) redirect(p *Page) ([]byte, error) {
	target := cmp.Or(s.canonical(p.URL), s.basePath+p.URL)
	return s.theme.execute("redirect.html", struct{ Target string }{target})
}

func (s *Site) today() string { return s.now().Format(time.DateOnly) }

// now is the build's notion of the present: Options.Now, else the clock.
func (s *Site) now() time.Time {
	if s.opts.Now.IsZero() {
		return time.Now()
	}
	return s.opts.Now
}

// Render returns the HTML of the page at site URL u (as in PageByURL), for
// servers that keep the site in memory.
func (s *Site) Render(p *Page) ([]byte, error) {
	return s.theme.execute("page.html", s.Data(p))
}

// Write writes the whole site to out: pages, generated indexes, redirects,
// the theme's hashed assets, static/ and content files, 404.html,
// compass.json and the search index. Files that the previous build wrote
// (listed in out/.compass-manifest) and this one did not are removed, so a
// deleted page disappears; files Compass never wrote are never touched,
// whatever folder --out names.
func (s *Site) Write(ctx context.Context, out string) error {
	w := &writer{out: out, written: map[string]bool{}}
	previous := readManifest(out)
	if err := w.mkdir(out); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	if err := s.writeFiles(w); err != nil {
		return err
	}
	// The search index and then compass.json (after the index, so their
	// working memory does not add up) are made while the pages are
	// written, on the cores the writing leaves idle: 3% of a 1,000-page
	// build's time. Peak memory at 10,000 pages is unchanged, as rendering
	// sets it. The index takes the search text over; the pages drop theirs.
	docs := s.SearchDocuments()
	s.dropSearchText()
	var m []byte
	var made errgroup.Group
	made.Go(func() error {
		if err := search.Write(filepath.Join(out, "search"), docs); err != nil {
			return fmt.Errorf("write search index: %w", err)
		}
		var err error
		m, err = s.mapJSON()
		return err
	})
	err := s.writeSite(ctx, w)
	if merr := made.Wait(); err == nil {
		err = merr
	}
	if err != nil {
		return err
	}
	w.write("compass.json", m)
	if err := w.err(); err != nil {
		return err
	}
	return w.finish(previous)
}

// writeSite writes the pages, the generated pages and files, and the
// deploy files.
func (s *Site) writeSite(ctx context.Context, w *writer) error {
	if err := s.writePages(ctx, w); err != nil {
		return err
	}
	if err := s.writeGenerated(w); err != nil {
		return err
	}
	s.writeDeploy(w)
	for u, f := range s.viewFiles {
		w.write(strings.TrimPrefix(u, "/"), f.Data)
	}
	return w.err()
}

// writeFiles copies the theme's assets, static/ and the content files that
// are not pages.
func (s *Site) writeFiles(w *writer) error {
	for _, a := range s.theme.assets {
		w.write(path.Join("assets", a.Name), a.Data)
	}
	for _, l := range s.libraries() {
		js, err := l.Data()
		if err != nil {
			return err
		}
		w.write(path.Join("assets", l.File), js)
	}
	if err := s.copyTree(w, filepath.Join(s.opts.Source, "static"), ""); err != nil {
		return err
	}
	for _, f := range s.files {
		b, err := os.ReadFile(filepath.Join(s.opts.Source, "content", filepath.FromSlash(f)))
		if err != nil {
			return fmt.Errorf("copy content file: %w", err)
		}
		w.write(f, b)
	}
	return nil
}

// writePages renders every page, and the generated views' pages, on every
// core.
func (s *Site) writePages(ctx context.Context, w *writer) error {
	pages := slices.Concat(s.Pages, s.extra)
	errs := make([]error, len(pages))
	parallel(ctx, len(pages), func(i int) {
		buf := bufPool.Get().(*bytes.Buffer)
		defer bufPool.Put(buf)
		buf.Reset()
		if err := pages[i].unpack(); err != nil {
			errs[i] = fmt.Errorf("%s: %w", pages[i].URL, err)
			return
		}
		if err := s.theme.executeTo(buf, "page.html", s.Data(pages[i])); err != nil {
			errs[i] = fmt.Errorf("%s: %w", pages[i].URL, err)
			return
		}
		w.write(urlFile(pages[i].URL), buf.Bytes())
		if s.release {
			pages[i].HTML = ""
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// writeGenerated writes the pages no content file makes: 404.html, the
// search page (unless content has one) and a redirect per alias.
func (s *Site) writeGenerated(w *writer) error {
	notFound := &Page{URL: "/404.html", Title: "Page not found", generated: true}
	b, err := s.theme.execute("404.html", s.Data(notFound))
	if err != nil {
		return err
	}
	w.write("404.html", b)
	searchPage := &Page{URL: "/search/", Title: "Search", generated: true}
	if s.byURL["/search/"] == nil {
		b, err := s.theme.execute("search.html", s.Data(searchPage))
		if err != nil {
			return err
		}
		w.write("search/index.html", b)
	}
	for a, p := range s.aliases {
		b, err := s.redirect(p)
		if err != nil {
			return err
		}
		w.write(urlFile(a), b)
	}
	return nil
}

// urlFile is the file that serves site URL u: "/a/b/" → "a/b/index.html".
func urlFile(u string) string {
	if strings.HasSuffix(u, ".html") {
		return strings.TrimPrefix(u, "/")
	}
	return path.Join(strings.TrimPrefix(u, "/"), "index.html")
}

// writer writes files under out from many goroutines and remembers which.
type writer struct {
	out     string
	dirs    sync.Map // folders known to exist: one MkdirAll per folder, not per file
	mu      sync.Mutex
	written map[string]bool
	errs    []error
}

func (w *writer) write(rel string, data []byte) {
	p := filepath.Join(w.out, filepath.FromSlash(rel))
	err := w.mkdir(filepath.Dir(p))
	if err == nil {
		err = os.WriteFile(p, data, 0o644)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.written[rel] = true
	if err != nil {
		w.errs = append(w.errs, fmt.Errorf("write %s: %w", p, err))
	}
}

// mkdir makes sure dir exists. A page's folder is usually new and its
// parent known, so one mkdir does instead of MkdirAll's stat calls.
func (w *writer) mkdir(dir string) error {
	if w.hasDir(dir) {
		return nil
	}
	var err error
	if w.hasDir(filepath.Dir(dir)) {
		if err = os.Mkdir(dir, 0o755); errors.Is(err, fs.ErrExist) {
			err = os.MkdirAll(dir, 0o755) // there already; fails if it is not a folder
		}
	} else {
		err = os.MkdirAll(dir, 0o755)
	}
	if err == nil {
		w.dirs.Store(dir, true)
	}
	return err
}

func (w *writer) hasDir(dir string) bool {
	_, ok := w.dirs.Load(dir)
	return ok
}

func (w *writer) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return errors.Join(w.errs...)
}

// manifestName lists, one per line, the files a build wrote.
const manifestName = ".compass-manifest"

// readManifest returns the files the previous build into out wrote.
func readManifest(out string) []string {
	b, err := os.ReadFile(filepath.Join(out, manifestName))
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}

// finish removes what the previous build wrote and this one did not (a
// deleted page, a renamed tag, an old hashed asset), then the folders that
// left empty, and records this build's files for the next one.
func (w *writer) finish(previous []string) error {
	for _, rel := range previous {
		if w.written[rel] || !filepath.IsLocal(filepath.FromSlash(rel)) {
			continue
		}
		p := filepath.Join(w.out, filepath.FromSlash(rel))
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove stale output: %w", err)
		}
		for dir := filepath.Dir(p); dir != w.out && strings.HasPrefix(dir, w.out); dir = filepath.Dir(dir) {
			if os.Remove(dir) != nil {
				break // not empty
			}
		}
	}
	files := make([]string, 0, len(w.written))
	for rel := range w.written {
		files = append(files, rel)
	}
	slices.Sort(files)
	if err := os.WriteFile(filepath.Join(w.out, manifestName), []byte(strings.Join(files, "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", manifestName, err)
	}
	return nil
}

// copyTree copies the files under dir to prefix in the output.
func (s *Site) copyTree(w *writer, dir, prefix string) error {
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipDir
			}
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		w.write(path.Join(prefix, filepath.ToSlash(rel)), b)
		return nil
	})
	if err != nil {
		return fmt.Errorf("copy %s: %w", dir, err)
	}
	return nil
}

// Map returns the handbook map written to compass.json: sorted, so the
// same content always gives the same bytes.
func (s *Site) Map() *handbook.Map { return s.handbookMap(true) }

// handbookMap is Map; without sections it skips the per-heading entries,
// which the generated views never read and which cost most of a large
// site's map.
func (s *Site) handbookMap(sections bool) *handbook.Map {
	m := &handbook.Map{
		Version:  handbook.Version,
		BaseURL:  s.BaseURL,
		Title:    s.Title,
		Pages:    []handbook.Page{},
		Teams:    []handbook.Team{},
		Runbooks: []handbook.Runbook{},
		Meetings: []handbook.Meeting{},
		Reviews:  s.reviewList(),
	}
	services := map[string][]string{}
	for _, p := range s.Pages {
		hp := handbook.Page{
			URL: p.URL, Path: p.Path, Title: p.Title, Description: p.Meta.Description,
			Kind: p.Meta.Kind, Owner: p.Meta.Owner, Tags: p.Meta.Tags, ReviewBy: p.Meta.ReviewBy,
			Sections: []handbook.Section{},
		}
		if sections {
			hp.Sections = make([]handbook.Section, 0, len(p.Headings))
			for _, h := range p.Headings {
				hp.Sections = append(hp.Sections, handbook.Section{Heading: h.Text, Level: h.Level, Anchor: h.ID, URL: p.URL + "#" + h.ID})
			}
		}
		m.Pages = append(m.Pages, hp)
		if rb := p.Meta.Runbook; rb != nil {
			alerts := rb.Alerts
			if alerts == nil {
				alerts = []string{}
			}
			m.Runbooks = append(m.Runbooks, handbook.Runbook{
				URL: p.URL, Title: p.Title, Owner: p.Meta.Owner,
				Alerts: alerts, Services: rb.Services, Severity: rb.Severity,
			})
			if p.Meta.Owner != "" {
				services[p.Meta.Owner] = append(services[p.Meta.Owner], rb.Services...)
			}
		}
		if mt := p.Meta.Meeting; mt != nil {
			hm := handbook.Meeting{
				URL: p.URL, Title: p.Title, Owner: p.Meta.Owner, Cadence: mt.Cadence,
				Duration: mt.Duration, Attendees: mt.Attendees, Agenda: mt.Agenda,
			}
			if series, err := mt.Cadence.Series(); err == nil {
				if next, ok := series.Next(s.now()); ok {
					hm.Next = next.Format(time.RFC3339)
				}
			}
			m.Meetings = append(m.Meetings, hm)
		}
	}
	for _, p := range s.Pages {
		c := p.Meta.Charter
		if c == nil || c.Team == "" {
			continue
		}
		svc := services[c.Team]
		slices.Sort(svc)
		m.Teams = append(m.Teams, handbook.Team{
			ID: c.Team, Name: p.Title, URL: p.URL, Channel: c.Channel, SlackGroup: c.SlackGroup, Mission: c.Mission,
			Goals: c.Goals, Roles: c.Roles, Systems: c.Systems, People: c.People, Oncall: c.Oncall,
			Services: slices.Compact(svc),
		})
	}
	slices.SortFunc(m.Teams, func(a, b handbook.Team) int { return strings.Compare(a.ID, b.ID) })
	m.People = views.Members(m.Teams)
	m.Views = s.viewList()
	return m
}

// runbookFacts writes a runbook's alerts and services as a sentence for its
// search text ("\nAlerts: KubeMemoryOvercommit, KubeQuotaOvercommit.
// Services: kubernetes."), so an alert name finds its runbook even when the
// prose never repeats it. It is "" for other pages.
func runbookFacts(rb *Runbook) string {
	if rb == nil || len(rb.Alerts)+len(rb.Services) == 0 {
		return ""
	}
	var b strings.Builder
	if len(rb.Alerts) > 0 {
		b.WriteString("\nAlerts: " + strings.Join(rb.Alerts, ", ") + ".")
	}
	if len(rb.Services) > 0 {
		b.WriteString("\nServices: " + strings.Join(rb.Services, ", ") + ".")
	}
	return b.String()
}

// mapJSON is compass.json: the site map, compact (indenting made it half
// as big again).
func (s *Site) mapJSON() ([]byte, error) {
	m, err := json.Marshal(s.Map())
	if err != nil {
		return nil, fmt.Errorf("encode compass.json: %w", err)
	}
	return append(m, '\n'), nil
}

// dropSearchText lets go of the search text a release build packed (page
// intros and section bodies), once SearchDocuments has handed it on.
func (s *Site) dropSearchText() {
	for _, p := range s.Pages {
		p.packedText = nil
	}
}

// SearchDocuments returns the search index entries of the site: one for
// each page's text before its first heading (a runbook's alerts and
// services appended), one per heading, and one per generated view page
// with search text (people, meetings, on call, review).
func (s *Site) SearchDocuments() []search.Document {
	docs := make([]search.Document, 0, len(s.Pages)+s.headings+len(s.extra))
	for _, p := range s.Pages {
		team := p.Meta.Owner
		if c := p.Meta.Charter; c != nil && team == "" {
			team = c.Team
		}
		doc := search.Document{Page: p.URL, Title: p.Title, Kind: p.Meta.Kind, Team: team, Tags: p.Meta.Tags}
		text, bodies := p.searchText()
		intro := doc
		intro.URL = p.URL
		intro.Text = strings.TrimSpace(p.Meta.Description + "\n" + text + runbookFacts(p.Meta.Runbook))
		docs = append(docs, intro)
		for i, h := range p.Headings {
			if h.Level == 1 && h.Text == p.Title {
				continue
			}
			d := doc
			d.URL = p.URL + "#" + h.ID
			d.Section = h.Text
			d.Text = bodies[i]
			docs = append(docs, d)
		}
	}
	for _, p := range s.extra {
		if v, ok := p.View.(interface{ SearchText() string }); ok {
			if text := v.SearchText(); text != "" {
				docs = append(docs, search.Document{URL: p.URL, Page: p.URL, Title: p.Title, Text: text})
			}
		}
	}
	return docs
}

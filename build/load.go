package build

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/compasshq/compass/build/markdown"
)

// Load reads, validates and renders the site under opts.Source, in memory.
//
// It returns an error without a Site when the site cannot be read at all (no
// content/ folder, a broken theme). When only the content has problems it
// returns the Site and a ContentErrors holding every one of them, so a
// caller such as `compass check` can still report warnings; the Site must
// not be written then.
func Load(ctx context.Context, opts Options) (*Site, error) { return load(ctx, opts, false) }

// load is Load; release makes a Site for one Write that lets each page's
// rendered body go once written (Build), keeping it packed until then.
func load(ctx context.Context, opts Options, release bool) (*Site, error) {
	opts = opts.withDefaults()
	s := &Site{
		release: release,
		Title:   opts.Title,
		BaseURL: opts.BaseURL,
		opts:    opts,
		byPath:  map[string]*Page{},
		byURL:   map[string]*Page{},
		aliases: map[string]*Page{},
		fileSet: map[string]bool{},
		static:  map[string]bool{},
		teams:   map[string]*Page{},
		dirs:    map[string]bool{},
	}
	contentDir, err := s.setUp()
	if err != nil {
		return nil, err
	}
	var all problems
	s.project = loadTOC(opts.Source, &all)
	if s.project != nil && s.project.title != "" && opts.Title == DefaultTitle {
		s.Title = s.project.title
	}
	if s.project != nil && s.project.entries != nil {
		s.toc = s.project
	}
	if err := s.readPages(ctx, contentDir, &all); err != nil {
		return nil, err
	}
	s.registerAliases(&all)
	s.scanPages(&all)
	targets, err := s.renderPages(ctx, &all)
	if err != nil {
		return nil, err
	}
	s.buildTree(&all)
	if opts.Title == DefaultTitle && (s.project == nil || s.project.title == "") && s.Root.Page.File != "" && s.Root.Page.Title != "" {
		// No configured title: the home page's own, so the header, the tab
		// and the breadcrumbs agree (issue #12).
		s.Title = s.Root.Page.Title
	}
	s.buildLists()
	for _, p := range s.Pages {
		s.listChildren(p)
	}
	s.linkReviews(&all)
	s.addViews()
	s.checkFileConflicts(&all)
	s.checkLinks(targets, &all)
	s.checkRefs(&all)

	all.sort()
	s.Warnings = all.warnings
	for _, p := range s.Pages {
		s.headings += len(p.Headings)
	}
	opts.Logger.Debug("site loaded", "pages", len(s.Pages), "errors", len(all.errs), "warnings", len(all.warnings))
	return s, all.err()
}

// setUp checks the options and the site root, and loads the theme and the
// list of static files. It returns the content folder; an error means the
// site cannot be read at all.
func (s *Site) setUp() (contentDir string, err error) {
	opts := s.opts
	if err := markdown.CheckHeadingIDs(opts.HeadingIDs); err != nil {
		return "", err
	}
	if opts.BaseURL != "" {
		u, err := url.Parse(opts.BaseURL)
		if err != nil || (u.Scheme != "" && u.Host == "") {
			return "", fmt.Errorf("base URL %q is not a URL like https://handbook.example.com/", opts.BaseURL)
		}
		s.basePath = strings.TrimRight(u.Path, "/")
	}
	contentDir = filepath.Join(opts.Source, "content")
	if fi, err := os.Stat(contentDir); err != nil || !fi.IsDir() {
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%w: %s does not exist; run compass in the site root or pass --source", ErrNoContent, contentDir)
		}
		return "", fmt.Errorf("read %s: %w", contentDir, err)
	}
	s.content = inRoot(contentDir)
	th, err := loadTheme(opts, s.funcs())
	if err != nil {
		return "", err
	}
	s.theme = th
	if err := s.listStatic(); err != nil {
		return "", err
	}
	return contentDir, nil
}

// readPages reads and decodes every page under contentDir on every core,
// then adds them to s in URL order, leaving out drafts (unless
// opts.Drafts) and pages whose URL another page already has.
func (s *Site) readPages(ctx context.Context, contentDir string, all *problems) error {
	// A symlinked content/ (a handbook checked out elsewhere) is walked
	// through the link; WalkDir does not follow a symlinked root itself.
	walkDir := contentDir
	if real, err := filepath.EvalSymlinks(contentDir); err == nil {
		walkDir = real
	}
	srcs, err := s.walk(walkDir)
	if err != nil {
		return err
	}
	pages := make([]*Page, len(srcs))
	perPage := make([]problems, len(srcs))
	parallel(ctx, len(srcs), func(i int) {
		pages[i] = readPage(s.opts.Source, srcs[i], &perPage[i])
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	readmeFolderPages(pages)
	drafts := map[string]bool{}
	for i, p := range pages {
		all.merge(&perPage[i])
		if p == nil {
			continue
		}
		if p.Meta.Draft && !s.opts.Drafts {
			drafts[p.Path] = true
			continue
		}
		if other, ok := s.byURL[p.URL]; ok {
			all.errorf(Position{File: p.File, Line: 1, Col: 1}, "page has the same URL %s as %s", p.URL, other.File)
			continue
		}
		s.byURL[p.URL] = p
		s.byPath[p.Path] = p
		s.Pages = append(s.Pages, p)
		for d := parentDir(p.Path); s.toc == nil && d != "" && !s.dirs[d]; d = parentDir(d) {
			s.dirs[d] = true
		}
	}
	s.drafts = drafts
	slices.SortFunc(s.Pages, func(a, b *Page) int { return strings.Compare(a.URL, b.URL) })
	return nil
}

// renderPages renders every page on every core (those opts.Only wants).
// Links resolve against the page paths known now; anchors are checked once
// every page has headings, against the targets returned, one map per page.
func (s *Site) renderPages(ctx context.Context, all *problems) ([]map[string]linkTarget, error) {
	md := markdown.New(s.markdownOptions())
	targets := make([]map[string]linkTarget, len(s.Pages))
	perPage := make([]problems, len(s.Pages))
	parallel(ctx, len(s.Pages), func(i int) {
		if s.opts.Only != nil && !s.opts.Only(s.Pages[i].File) {
			s.Pages[i].skipRender()
			return
		}
		targets[i] = s.render(md, s.Pages[i], s.drafts, &perPage[i])
		s.pack(s.Pages[i])
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i := range s.Pages {
		all.merge(&perPage[i])
	}
	return targets, nil
}

// markdownOptions configure the site's Markdown renderer.
func (s *Site) markdownOptions() markdown.Options {
	o := markdown.Options{UnsafeHTML: s.opts.UnsafeHTML, HeadingIDs: s.opts.HeadingIDs}
	if s.project != nil {
		o.Substitutions = s.project.subs
		o.MathSpaces = strings.HasSuffix(s.project.file, "myst.yml")
	}
	return o
}

// DefaultTitle is the site title when none is configured; a MyST or
// MkDocs project's own title replaces it.
const DefaultTitle = "Handbook"

func (o Options) withDefaults() Options {
	if o.Source == "" {
		o.Source = "."
	}
	if o.Out == "" {
		o.Out = filepath.Join(o.Source, "public")
	}
	if o.Title == "" {
		o.Title = DefaultTitle
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// source is one Markdown file found under content/.
type source struct {
	abs string // path on disk
	rel string // slash path relative to content/
}

// walk lists content/'s Markdown files and remembers the other files, which
// are copied through. Hidden files and folders (".git", ".obsidian") are
// skipped.
func (s *Site) walk(contentDir string) ([]source, error) {
	var out []source
	err := filepath.WalkDir(contentDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		if strings.HasPrefix(d.Name(), ".") && p != contentDir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(contentDir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if s.project.excluded(rel) {
			return nil
		}
		if strings.EqualFold(path.Ext(rel), ".md") {
			out = append(out, source{abs: p, rel: rel})
		} else {
			s.files = append(s.files, rel)
			s.fileSet[rel] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list content: %w", err)
	}
	return out, nil
}

// listStatic remembers the files under static/, so links to them resolve.
func (s *Site) listStatic() error {
	dir := filepath.Join(s.opts.Source, "static")
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipDir
			}
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			s.static[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list static files: %w", err)
	}
	return nil
}

// readPage reads one file and decodes its front matter. It returns nil when
// the file cannot be used at all; the reason is in p.
func readPage(root string, src source, p *problems) *Page {
	file := path.Join("content", src.rel)
	pos := Position{File: file}
	b, err := os.ReadFile(src.abs)
	if err != nil {
		p.errorf(pos, "cannot read: %v", unwrapPathError(err))
		return nil
	}
	page := &Page{File: file, Path: src.rel, URL: urlFor(src.rel)}
	fm, body, line, has, err := splitFrontMatter(b)
	if err != nil {
		p.errorf(Position{File: file, Line: 1, Col: 1}, "%v", err)
	}
	page.body, page.bodyLine, page.hasFM = body, line, has
	page.Meta.pos = map[string]Position{}
	if has {
		page.Meta = decodeFrontMatter(file, fm, p)
	}
	return page
}

// inRoot is a folder as an fs.FS whose files cannot be reached through a
// symlink leading out of it (os.DirFS would follow one), so an {include}
// cannot read outside content/.
type inRoot string

func (d inRoot) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return os.OpenInRoot(string(d), filepath.FromSlash(name))
}

// unwrapPathError drops the path from an *fs.PathError; the caller already
// prints it.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// linkTarget is where one link destination of a page points.
type linkTarget struct {
	page  *Page  // nil for files and unknown targets
	frag  string // anchor, without "#"
	title string // the target's title, for links written without text
	draft bool   // points at a draft page left out of this build
}

// render renders p's Markdown and returns where each link points.
func (s *Site) render(md *markdown.Renderer, p *Page, drafts map[string]bool, pr *problems) map[string]linkTarget {
	targets := map[string]linkTarget{}
	resolve := func(dest string) markdown.Target {
		t, href, ok := s.resolve(p, dest, drafts)
		targets[dest] = t
		return markdown.Target{Href: href, Title: t.title, OK: ok}
	}
	res, err := md.RenderPage(p.body, p.bodyLine, resolve, &markdown.Files{FS: s.content, Page: p.Path})
	if err != nil {
		pr.errorf(Position{File: p.File, Line: p.bodyLine}, "%v", err)
		return targets
	}
	p.HTML = template.HTML(res.HTML) // #nosec: produced by our Markdown renderer, raw HTML escaped unless the site opts in
	p.Intro = res.Intro
	p.Headings = res.Headings
	p.labels = res.Labels
	p.links = res.Links
	p.includes = res.Includes
	p.Diagrams, p.Math = res.Diagrams, res.Math
	p.body = nil
	p.Title = p.Meta.Title
	if p.Title == "" {
		p.Title = res.Title
	}
	if p.Title == "" {
		if _, set := p.Meta.pos["title"]; p.hasFM && !set {
			pr.warnf(Position{File: p.File, Line: 1, Col: 1}, "page has no title: set title in the front matter or start with a # heading; titled from its file name")
		}
		if p.IsIndexFile() {
			p.Title = humanize(path.Base(path.Dir(p.Path)))
		} else {
			p.Title = humanize(path.Base(p.Path))
		}
	}
	// A body that opens with "# Title" (usual in files moved from other
	// tools) would repeat the title the layout shows above the page facts;
	// drop that heading from the HTML (it stays in Headings for anchors).
	if len(p.Headings) > 0 && p.Headings[0].Level == 1 && strings.EqualFold(p.Headings[0].Text, p.Title) {
		h := strings.TrimLeft(string(p.HTML), " \t\n")
		if strings.HasPrefix(h, "<h1") {
			if end := strings.Index(h, "</h1>"); end >= 0 {
				p.HTML = template.HTML(strings.TrimLeft(h[end+len("</h1>"):], "\n"))
			}
		}
	}
	for _, d := range res.Diagnostics {
		pos := Position{File: p.File, Line: d.Line, Col: d.Col}
		if d.Error {
			pr.errorf(pos, "%s", d.Message)
		} else {
			pr.warnf(pos, "%s", d.Message)
		}
	}
	return targets
}

// skipRender gives a page that Options.Only leaves out the title it would
// have had, so lists and the tree still sort it, without rendering it.
func (p *Page) skipRender() {
	p.body = nil
	p.Title = p.Meta.Title
	if p.Title == "" {
		if p.IsIndexFile() {
			p.Title = humanize(path.Base(path.Dir(p.Path)))
		} else {
			p.Title = humanize(path.Base(p.Path))
		}
	}
}

// IsIndexFile reports whether the page is a folder's _index.md or index.md,
// or its README.md when it has neither.
func (p *Page) IsIndexFile() bool {
	b := path.Base(p.Path)
	return strings.EqualFold(b, "_index.md") || strings.EqualFold(b, "index.md") || p.readme
}

// aliasesPos is where the page's aliases (or redirect_from) are written.
func (p *Page) aliasesPos() Position {
	if pos, ok := p.Meta.pos["aliases"]; ok {
		return pos
	}
	return p.Meta.pos["redirect_from"]
}

// readmeFolderPages makes each README.md the page of its folder when the
// folder has no _index.md or index.md, as GitHub shows it.
func readmeFolderPages(pages []*Page) {
	indexed := map[string]bool{}
	for _, p := range pages {
		if p != nil && p.IsIndexFile() {
			indexed[parentDir(p.Path)] = true
		}
	}
	for _, p := range pages {
		if p != nil && strings.EqualFold(path.Base(p.Path), "readme.md") && !indexed[parentDir(p.Path)] {
			p.readme = true
			p.URL = urlFor(path.Join(parentDir(p.Path), "_index.md"))
		}
	}
}

// resolve maps one link destination written on page p to a site URL.
// Relative .md paths are resolved against p's folder under content/, paths
// starting with / against the site root; "#x" stays on the page.
func (s *Site) resolve(p *Page, dest string, drafts map[string]bool) (linkTarget, string, bool) {
	raw, frag, _ := strings.Cut(dest, "#")
	raw, _, _ = strings.Cut(raw, "?")
	var t linkTarget
	t.frag = frag
	suffix := ""
	if frag != "" {
		suffix = "#" + frag
	}
	if raw == "" {
		return s.resolveFragment(p, frag)
	}
	if un, err := url.PathUnescape(raw); err == nil {
		raw = un
	}
	var rel string
	if strings.HasPrefix(raw, "/") {
		rel = strings.TrimPrefix(path.Clean(raw), "/")
		// Repository-rooted links (/content/x.md) work on GitHub; keep them working.
		rel = strings.TrimPrefix(rel, "content/")
		if !strings.EqualFold(path.Ext(rel), ".md") {
			if tp, u, ok := s.resolveSitePath(raw, rel); ok {
				t.page = tp
				return t, u + suffix, true
			}
		}
	} else {
		rel = path.Join(path.Dir(p.Path), raw)
		if rel == ".." || strings.HasPrefix(rel, "../") {
			return t, "", false
		}
	}
	candidates := []string{rel}
	if !strings.EqualFold(path.Ext(rel), ".md") {
		if s.fileSet[rel] {
			return t, s.basePath + "/" + rel + suffix, true
		}
		candidates = []string{rel + ".md", path.Join(rel, "_index.md"), path.Join(rel, "index.md"), path.Join(rel, "README.md")}
	}
	for _, c := range candidates {
		if tp := s.byPath[c]; tp != nil {
			t.page = tp
			if frag == "" {
				t.title = tp.linkTitle
			} else if l, ok := s.labels[markdown.LabelKey(frag)]; ok && l.page == tp {
				// "page.md#label": a label on that page.
				t.frag, t.title, suffix = l.id, l.title, "#"+l.id
			}
			return t, s.basePath + tp.URL + suffix, true
		}
		if drafts[c] {
			t.draft = true
			return t, "", false
		}
	}
	if s.dirs[rel] {
		// A folder without _index.md: buildTree generates its page.
		return t, s.basePath + urlFor(path.Join(rel, "_index.md")) + suffix, true
	}
	return t, "", false
}

// resolveFragment resolves a link "#frag" written on page p: a MyST label
// anywhere on the site (labels are global), else an anchor on p itself.
func (s *Site) resolveFragment(p *Page, frag string) (linkTarget, string, bool) {
	if l, ok := s.labels[markdown.LabelKey(frag)]; ok {
		t := linkTarget{page: l.page, frag: l.id, title: l.title}
		if l.page == p {
			return t, "#" + l.id, true
		}
		return t, s.basePath + l.page.URL + "#" + l.id, true
	}
	suffix := ""
	if frag != "" {
		suffix = "#" + frag
	}
	return linkTarget{page: p, frag: frag}, suffix, true
}

// resolveSitePath resolves a root-absolute link to something other than a
// .md file, raw as written and rel relative to content/: a page's URL or
// alias (returning the page), a static or content file, or a generated
// view. The URL returned has the base path and no fragment.
func (s *Site) resolveSitePath(raw, rel string) (*Page, string, bool) {
	u := path.Clean(raw)
	if u != "/" {
		u += "/"
	}
	if tp := s.byURL[u]; tp != nil {
		return tp, s.basePath + tp.URL, true
	}
	if tp := s.aliases[u]; tp != nil {
		return tp, s.basePath + tp.URL, true
	}
	if s.static[strings.TrimPrefix(path.Clean(raw), "/")] || s.fileSet[rel] {
		return nil, s.basePath + path.Clean(raw), true
	}
	if isGeneratedURL(u) {
		return nil, s.basePath + u, true
	}
	return nil, "", false
}

// labelRef is where a MyST label is defined.
type labelRef struct {
	page      *Page
	id, title string
	pos       Position
}

// scanPages learns every page's MyST labels and the title a link without
// text shows, before any page renders its links. Pages with a front
// matter title and no "(label)=" are not read at all.
func (s *Site) scanPages(pr *problems) {
	s.labels = map[string]labelRef{}
	for _, p := range s.Pages {
		p.linkTitle = p.Meta.Title
		if p.linkTitle != "" && !markdown.MayHaveLabels(p.body) {
			continue
		}
		o := markdown.Scan(p.body, p.bodyLine)
		p.linkTitle = cmp.Or(p.linkTitle, o.Title)
		for _, l := range o.Labels {
			pos := Position{File: p.File, Line: l.Line, Col: 1}
			key := markdown.LabelKey(l.Name)
			if other, ok := s.labels[key]; ok {
				pr.warnf(pos, "label %q is already defined at %s; links go there", l.Name, other.pos)
				continue
			}
			s.labels[key] = labelRef{page: p, id: l.ID, title: cmp.Or(l.Title, p.linkTitle), pos: pos}
		}
	}
}

// markBroken marks the links to dest in p's HTML as broken.
func (p *Page) markBroken(dest string) {
	if err := p.unpack(); err != nil {
		panic(fmt.Sprintf("unpack the HTML of %s: %v", p.File, err)) // we packed it: cannot be corrupt
	}
	p.HTML = template.HTML(markdown.MarkBroken(string(p.HTML), dest)) // #nosec: adds an attribute to our own markup
}

// checkLinks reports links that match nothing and anchors that match no
// heading of their target page.
func (s *Site) checkLinks(targets []map[string]linkTarget, pr *problems) {
	for i, p := range s.Pages {
		ids := map[*Page]map[string]bool{}
		for _, l := range p.links {
			pos := Position{File: p.File, Line: l.Line, Col: l.Col}
			what := "link"
			if l.Image {
				what = "image"
			}
			t := targets[i][l.Dest]
			if !l.OK {
				p.markBroken(l.Resolved)
				switch {
				case t.draft:
					pr.errorf(pos, "%s to %q points at a draft page, which is not built without --drafts", what, l.Dest)
				case l.Image:
					pr.errorf(pos, "image %q matches no file", l.Dest)
				default:
					pr.errorf(pos, "link to %q matches no page", l.Dest)
				}
				continue
			}
			if t.page != nil && t.page != p && !t.page.generated && !slices.Contains(p.LinksTo, t.page) {
				p.LinksTo = append(p.LinksTo, t.page)
			}
			if t.page == nil || t.frag == "" || t.page.generated || (s.opts.Only != nil && !s.opts.Only(t.page.File)) {
				continue
			}
			set := ids[t.page]
			if set == nil {
				set = map[string]bool{}
				for _, h := range t.page.Headings {
					set[h.ID] = true
				}
				for _, l := range t.page.labels {
					set[l.ID] = true
				}
				ids[t.page] = set
			}
			if !set[t.frag] {
				p.markBroken(l.Resolved)
				if strings.HasPrefix(l.Dest, termPrefix) {
					pr.errorf(pos, "%s", s.termProblem(l.Dest))
				} else if t.page == p {
					pr.errorf(pos, "link to %q: this page has no heading with id %q", l.Dest, t.frag)
				} else {
					pr.errorf(pos, "link to %q: %s has no heading with id %q", l.Dest, t.page.File, t.frag)
				}
			}
		}
		p.links = nil
	}
}

// checkRefs runs the checks that need the whole site: owners name a team,
// aliases don't clash, team ids are unique.
func (s *Site) checkRefs(pr *problems) {
	teams := map[string]*Page{}
	s.teams = teams
	for _, p := range s.Pages {
		if c := p.Meta.Charter; c != nil && c.Team != "" {
			if other := teams[c.Team]; other != nil {
				pr.errorf(p.Meta.pos["team"], "team %q is already defined by %s", c.Team, other.File)
				continue
			}
			teams[c.Team] = p
		}
	}
	for _, p := range s.Pages {
		if o := p.Meta.Owner; o != "" && len(teams) > 0 && teams[o] == nil {
			pr.warnf(p.Meta.pos["owner"], "owner %q is not the team of any charter", o)
		}
		for _, a := range p.Meta.Aliases {
			if g := s.byURL[aliasURL(a)]; g != nil && g.generated {
				pr.errorf(p.aliasesPos(), "alias %s is the URL of a generated page", a)
			}
		}
	}
}

// registerAliases records every alias before rendering, so links to an old
// URL resolve, and reports aliases that clash with pages or each other.
func (s *Site) registerAliases(pr *problems) {
	for _, p := range s.Pages {
		for _, a := range p.Meta.Aliases {
			u := aliasURL(a)
			pos := p.aliasesPos()
			switch {
			case s.byURL[u] != nil:
				pr.errorf(pos, "alias %s is the URL of %s", a, s.byURL[u].File)
			case s.aliases[u] != nil && s.aliases[u] != p:
				pr.errorf(pos, "alias %s is also an alias of %s", a, s.aliases[u].File)
			default:
				s.aliases[u] = p
			}
		}
	}
}

// generatedFiles are the files every build writes at the top of the site,
// whatever the content.
var generatedFiles = []string{"404.html", "compass.json", "sitemap.xml", "robots.txt", "_redirects", "search/index.html", manifestName}

// checkFileConflicts reports files in content/ that the build would
// silently replace with generated output (a handbook's own index.html,
// 404.html or compass.json).
func (s *Site) checkFileConflicts(pr *problems) {
	for _, f := range s.files {
		what := ""
		switch dir, ok := strings.CutSuffix(f, "index.html"); {
		case slices.Contains(generatedFiles, f):
			what = "the generated " + f
		case ok && (dir == "" || strings.HasSuffix(dir, "/")) && s.byURL["/"+dir] != nil:
			what = "the page at /" + dir
			if src := s.byURL["/"+dir].File; src != "" {
				what += " (" + src + ")"
			}
		case s.aliases["/"+f] != nil:
			what = "the redirect of an alias of " + s.aliases["/"+f].File
		}
		if what != "" {
			pr.errorf(Position{File: path.Join("content", f)}, "this file would be replaced by %s in the output; rename or move it", what)
		}
	}
}

// aliasURL normalises an alias to a URL with a trailing slash.
func aliasURL(a string) string {
	u := path.Clean("/" + a)
	if u != "/" && path.Ext(u) != ".html" {
		u += "/"
	}
	return u
}

// parallel calls f(0..n-1) on GOMAXPROCS workers and returns when all are
// done or ctx is cancelled.
func parallel(ctx context.Context, n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		})
	}
	wg.Wait()
}

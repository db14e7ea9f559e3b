package build

import (
	"cmp"
	"html/template"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/compasshq/compass/build/markdown"
	"github.com/compasshq/compass/build/views"
)

// buildTree arranges the pages into the folder tree, gives folders without
// an _index.md a generated page, sorts every folder and links prev/next.
func (s *Site) buildTree(pr *problems) {
	if s.toc != nil {
		s.buildTocTree(s.toc, pr)
	} else {
		s.buildFolderTree()
	}
	var prev *Page
	var walk func(p *Page)
	walk = func(p *Page) {
		if prev != nil {
			prev.Next, p.Prev = p, prev
		}
		prev = p
		if p.IsSection() {
			for _, c := range p.Section.Children {
				if !c.IsLink() {
					walk(c)
				}
			}
		}
	}
	walk(s.Root.Page)
}

// buildFolderTree arranges the pages by folder, the order of a site
// without a table of contents: weight, then title.
func (s *Site) buildFolderTree() {
	s.Root = &Section{sub: map[string]*Section{}}
	sections := map[string]*Section{"": s.Root}
	var get func(dir string) *Section
	get = func(dir string) *Section {
		if sec := sections[dir]; sec != nil {
			return sec
		}
		parent := get(parentDir(dir))
		sec := &Section{Dir: dir, Parent: parent, sub: map[string]*Section{}}
		parent.sub[dir] = sec
		sections[dir] = sec
		return sec
	}
	// Folder pages first, so "policies.md" next to a policies/ folder can
	// become that folder's page rather than clash with it.
	for _, p := range s.Pages {
		sec := get(parentDir(p.Path))
		if p.IsIndexFile() {
			sec.Page, p.Section = p, sec
		}
	}
	for _, p := range s.Pages {
		if p.IsIndexFile() {
			continue
		}
		dir := strings.TrimSuffix(p.Path, path.Ext(p.Path))
		if sec := sections[dir]; sec != nil && sec.Page == nil {
			sec.Page, p.Section = p, sec
			continue
		}
		sec := get(parentDir(p.Path))
		p.Section = sec
		sec.Children = append(sec.Children, p)
	}
	dirs := make([]string, 0, len(sections))
	for d := range sections {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	for _, d := range dirs {
		sec := sections[d]
		if sec.Page == nil {
			p := &Page{URL: urlFor(path.Join(d, "_index.md")), Title: humanize(path.Base(d)), Section: sec, generated: true}
			if d == "" {
				p.Title = s.Title
			}
			sec.Page = p
			s.addGenerated(p)
		}
		if sec.Parent != nil {
			sec.Parent.Children = append(sec.Parent.Children, sec.Page)
		}
	}
	for _, sec := range sections {
		slices.SortFunc(sec.Children, byWeightTitle)
		sec.Page.List = &List{Kind: "section", Pages: sec.Children}
	}
}

// listChildren puts, where page p has a {tableofcontents} directive, the
// list of its children in the tree, which then is not repeated below the
// page's text.
func (s *Site) listChildren(p *Page) {
	if !strings.Contains(string(p.HTML), markdown.ChildrenMarker) {
		return
	}
	var b strings.Builder
	if p.IsSection() && len(p.Section.Children) > 0 {
		b.WriteString(`<ul class="pages toc-children">`)
		for _, c := range p.Section.Children {
			href, title := navEscape(s.href(c.URL), c.Title)
			b.WriteString("\n<li><a href=\"" + href + "\">" + title + "</a></li>")
		}
		b.WriteString("\n</ul>")
		p.List = nil
	}
	p.HTML = template.HTML(strings.Replace(string(p.HTML), markdown.ChildrenMarker, b.String(), 1)) // #nosec: rendered Markdown plus escaped titles
}

// addGenerated registers a page Compass made up, unless a content page
// already has its URL.
func (s *Site) addGenerated(p *Page) {
	if s.byURL[p.URL] != nil {
		return
	}
	p.generated = true
	s.byURL[p.URL] = p
	s.extra = append(s.extra, p)
}

// parentDir is path.Dir for content paths, with "" for the top.
func parentDir(p string) string {
	d := path.Dir(p)
	if d == "." || d == "/" {
		return ""
	}
	return d
}

// byWeightTitle orders siblings: pages with a weight first, lower first;
// then pages without a weight (0); ties by title, then URL.
func byWeightTitle(a, b *Page) int {
	wa, wb := a.Meta.Weight, b.Meta.Weight
	if (wa == 0) != (wb == 0) {
		if wa == 0 {
			return 1
		}
		return -1
	}
	return cmp.Or(cmp.Compare(wa, wb),
		strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)),
		strings.Compare(a.URL, b.URL))
}

// kindIndexes are the generated index pages, one per kind.
var kindIndexes = []struct{ kind, url, title string }{
	{KindCharter, "/teams/", "Teams"},
	{KindMeeting, "/meetings/", "Meetings"},
	{KindPolicy, "/policies/", "Policies"},
	{KindRunbook, "/runbooks/", "Runbooks"},
}

// isGeneratedURL reports whether u is (or may be) a generated index.
func isGeneratedURL(u string) bool {
	for _, k := range kindIndexes {
		if u == k.url {
			return true
		}
	}
	return u == "/tags/" || u == "/search/" || slices.Contains(views.URLs, u)
}

// buildLists fills the kind and tag indexes. An index whose URL is also a
// content section (content/policies/_index.md) keeps that page's text and
// lists below it.
func (s *Site) buildLists() {
	byKind := map[string][]*Page{}
	tags := map[string]*Tag{}
	for _, p := range s.Pages {
		if k := p.Meta.Kind; k != "" {
			byKind[k] = append(byKind[k], p)
		}
		for _, t := range p.Meta.Tags {
			slug := tagSlug(t)
			if slug == "" {
				continue
			}
			tag := tags[slug]
			if tag == nil {
				tag = &Tag{Name: slug, URL: "/tags/" + slug + "/"}
				tags[slug] = tag
			}
			if len(tag.Pages) == 0 || tag.Pages[len(tag.Pages)-1] != p {
				tag.Pages = append(tag.Pages, p)
			}
		}
	}
	byTitle := func(a, b *Page) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)), strings.Compare(a.URL, b.URL))
	}
	for _, k := range kindIndexes {
		pages := byKind[k.kind]
		slices.SortFunc(pages, byWeightTitle) // the sidebar's order
		if len(pages) == 0 {
			continue // a folder page at k.url keeps its own list
		}
		idx := s.byURL[k.url]
		if idx == nil {
			idx = &Page{URL: k.url, Title: k.title}
			s.addGenerated(idx)
		}
		idx.List = &List{Kind: k.kind, Pages: pages}
	}
	for _, t := range tags {
		slices.SortFunc(t.Pages, byTitle)
		s.Tags = append(s.Tags, t)
	}
	slices.SortFunc(s.Tags, func(a, b *Tag) int { return strings.Compare(a.Name, b.Name) })
	if len(s.Tags) > 0 {
		idx := s.byURL["/tags/"]
		if idx == nil {
			idx = &Page{URL: "/tags/", Title: "Tags"}
			s.addGenerated(idx)
		}
		idx.List = &List{Kind: "tags", Tags: s.Tags}
		for _, t := range s.Tags {
			tp := s.byURL[t.URL]
			if tp == nil {
				tp = &Page{URL: t.URL, Title: "Tagged “" + t.Name + "”"}
				s.addGenerated(tp)
			}
			tp.List = &List{Kind: "tag", Pages: t.Pages}
		}
	}
	slices.SortFunc(s.extra, func(a, b *Page) int { return strings.Compare(a.URL, b.URL) })
}

// NavItem is one entry of a page's sidebar.
type NavItem struct {
	Title    string
	URL      string    // site-relative URL, "/policies/"
	Href     string    // URL with the base path, ready for href: saves a template call per item
	Current  bool      // the page being shown
	Open     bool      // on the path to the current page: its children are shown
	Section  bool      // a folder, which may have children
	More     int       // a link to the folder's page standing for this many entries the sidebar leaves out
	Children []NavItem // only for open items
}

// chain returns the sections from the home section down to p's own.
func (p *Page) chain(root *Section) []*Section {
	var out []*Section
	for sec := p.Section; sec != nil; sec = sec.Parent {
		out = append(out, sec)
	}
	if len(out) == 0 {
		out = append(out, root)
	}
	slices.Reverse(out)
	return out
}

// The sidebar's bound (issue #17): a folder of at most navFull entries is
// listed whole; a larger one shows its first navHead entries and navAround
// entries either side of the one on the page's path, and a "N more" link to
// the folder's page, which lists everything, for each run left out. A page's
// sidebar then holds at most navHead+2*navAround+3 links per folder on its
// path, whatever the folders hold, and the output grows linearly with pages.
const (
	navFull   = 50
	navHead   = 5
	navAround = 10
)

// navSpans returns the half-open ranges of a folder's n entries that the
// sidebar shows, in order; focus is the entry on the page's path, -1 when
// the page is the folder's own (which then shows the folder's start).
func navSpans(n, focus int) [][2]int {
	if n <= navFull {
		return [][2]int{{0, n}}
	}
	if focus < 0 {
		return [][2]int{{0, navHead + 2*navAround + 1}}
	}
	lo, hi := max(0, focus-navAround), min(n, focus+navAround+1)
	if lo <= navHead {
		return [][2]int{{0, hi}}
	}
	return [][2]int{{0, navHead}, {lo, hi}}
}

// navLevel is one folder's sidebar entries (the pages the table of
// contents does not hide), each link escaped once for every page that
// shows it.
type navLevel struct {
	pages       []*Page
	href, title []string
	index       map[*Page]int // position in pages
	more        string        // escaped href of the folder's page, for "N more" links
}

// level returns sec's entries, built on first use.
func (s *Site) level(sec *Section) *navLevel {
	s.nav.mu.Lock()
	l := s.nav.levels[sec]
	s.nav.mu.Unlock()
	if l != nil {
		return l
	}
	l = &navLevel{index: map[*Page]int{}}
	l.more, _ = navEscape(s.basePath+sec.Page.URL, "")
	for _, c := range sec.Children {
		if c.navHidden {
			continue
		}
		h, t := navEscape(s.href(c.URL), c.Title)
		l.index[c] = len(l.pages)
		l.pages = append(l.pages, c)
		l.href, l.title = append(l.href, h), append(l.title, t)
	}
	s.nav.mu.Lock()
	if s.nav.levels == nil {
		s.nav.levels = map[*Section]*navLevel{}
	}
	s.nav.levels[sec] = l
	s.nav.mu.Unlock()
	return l
}

// focus is the index of the entry of l on p's path at depth (the open
// folder, or p itself in its own folder), or -1.
func (l *navLevel) focus(chain []*Section, depth int, p *Page) int {
	at := p
	if depth+1 < len(chain) {
		at = chain[depth+1].Page
	}
	if i, ok := l.index[at]; ok {
		return i
	}
	return -1
}

// Nav returns p's sidebar: the top level, and under each folder on the
// path to p that folder's entries, each level bounded by navSpans. Its
// size is bounded by the depth of p, never by the tree or a folder's size.
func (s *Site) Nav(p *Page) []NavItem {
	chain := p.chain(s.Root)
	var level func(sec *Section, depth int) []NavItem
	level = func(sec *Section, depth int) []NavItem {
		l := s.level(sec)
		var items []NavItem
		next := 0
		more := func(n int) {
			if n > 0 {
				items = append(items, NavItem{Title: moreTitle(n), URL: sec.Page.URL, Href: s.basePath + sec.Page.URL, More: n})
			}
		}
		for _, sp := range navSpans(len(l.pages), l.focus(chain, depth, p)) {
			more(sp[0] - next)
			for _, c := range l.pages[sp[0]:sp[1]] {
				it := NavItem{Title: c.Title, URL: c.URL, Href: s.href(c.URL), Current: c == p, Section: c.IsSection()}
				if it.Section && depth+1 < len(chain) && chain[depth+1] == c.Section {
					it.Open = true
					it.Children = level(c.Section, depth+1)
				}
				items = append(items, it)
			}
			next = sp[1]
		}
		more(len(l.pages) - next)
		return items
	}
	return level(chain[0], 0)
}

// moreTitle is the text of the link standing for n entries left out.
func moreTitle(n int) string { return strconv.Itoa(n) + " more" }

// navCurrent is the attribute the sidebar puts on the current page's link.
const navCurrent = ` aria-current="page"`

// navMarkup is the sidebar markup shared by every page whose sidebar opens
// the same folders: the pages of one folder and the folder's own page. It
// is written without a current page; at says where each listed page's
// navCurrent attribute goes.
type navMarkup struct {
	html string
	at   map[*Page]int
}

// navCache holds one navLevel and, for folders listed whole, one navMarkup
// per folder, built on first use. A Site is never re-arranged in place (a
// tree change loads a new Site), so entries stay valid for the Site's life.
type navCache struct {
	mu     sync.Mutex
	m      map[*Section]*navMarkup
	levels map[*Section]*navLevel
}

// NavHTML returns p's sidebar as markup: the same as the default theme's
// "navlist" template run over Nav(p). When p's folder is listed whole, the
// markup is built once per folder and shared by the folder's pages, which
// only differ in which link is current (rendering the sidebar item by item
// for each page was most of the template time of a large site). A larger
// folder's window moves with the page, so its pages get their own markup,
// of bounded size.
func (s *Site) NavHTML(p *Page) template.HTML {
	chain := p.chain(s.Root)
	sec := chain[len(chain)-1]
	if len(s.level(sec).pages) > navFull {
		var b strings.Builder
		s.writeNav(&b, chain, p, nil)
		return template.HTML(b.String()) // #nosec: built from escaped titles and URLs
	}
	s.nav.mu.Lock()
	m := s.nav.m[sec]
	s.nav.mu.Unlock()
	if m == nil {
		var b strings.Builder
		m = &navMarkup{at: map[*Page]int{}}
		s.writeNav(&b, chain, nil, m.at)
		m.html = b.String()
		s.nav.mu.Lock()
		if s.nav.m == nil {
			s.nav.m = map[*Section]*navMarkup{}
		}
		s.nav.m[sec] = m
		s.nav.mu.Unlock()
	}
	at, ok := m.at[p]
	if !ok {
		return template.HTML(m.html) // #nosec: built from escaped titles and URLs
	}
	var b strings.Builder
	b.Grow(len(m.html) + len(navCurrent))
	b.WriteString(m.html[:at])
	b.WriteString(navCurrent)
	b.WriteString(m.html[at:])
	return template.HTML(b.String()) // #nosec: built from escaped titles and URLs
}

// writeNav writes the sidebar of the folders in chain (home first), as the
// "navlist" template does. The link of current, when not nil, is marked;
// when at is not nil it records, for each listed page, where the mark
// would go. Spans are chosen for the page of chain's last folder, so a
// shared markup (current nil) is only right when that folder is whole.
func (s *Site) writeNav(b *strings.Builder, chain []*Section, current *Page, at map[*Page]int) {
	var level func(sec *Section, depth int)
	level = func(sec *Section, depth int) {
		l := s.level(sec)
		b.WriteString("<ul>")
		next := 0
		more := func(n int) {
			if n > 0 {
				b.WriteString("\n<li class=\"nav-more\"><a href=\"" + l.more + "\">" + moreTitle(n) + "</a></li>")
			}
		}
		for _, sp := range navSpans(len(l.pages), l.focus(chain, depth, current)) {
			more(sp[0] - next)
			for i := sp[0]; i < sp[1]; i++ {
				c := l.pages[i]
				section := c.IsSection()
				open := section && depth+1 < len(chain) && chain[depth+1] == c.Section
				b.WriteString("\n<li")
				if open {
					b.WriteString(` class="open"`)
				}
				b.WriteString(`><a href="`)
				b.WriteString(l.href[i])
				b.WriteByte('"')
				if at != nil {
					at[c] = b.Len()
				}
				if c == current {
					b.WriteString(navCurrent)
				}
				if section {
					b.WriteString(` class="nav-section"`)
				}
				b.WriteByte('>')
				b.WriteString(l.title[i])
				b.WriteString("</a>")
				if open && len(s.level(c.Section).pages) > 0 {
					level(c.Section, depth+1)
				}
				b.WriteString("</li>")
			}
			next = sp[1]
		}
		more(len(l.pages) - next)
		b.WriteString("\n</ul>")
	}
	level(chain[0], 0)
}

// navItemTemplate escapes a link's URL and text exactly as html/template
// does in the theme (URL normalisation in href, HTML escaping in text).
var navItemTemplate = template.Must(template.New("navitem").Parse(`<a href="{{.Href}}">{{.Title}}</a>`))

// navEscape returns href and title escaped for a sidebar link.
func navEscape(href, title string) (string, string) {
	var b strings.Builder
	if err := navItemTemplate.Execute(&b, NavItem{Href: href, Title: title}); err != nil {
		panic("build: nav item template: " + err.Error()) // strings cannot fail to execute
	}
	out := strings.TrimSuffix(strings.TrimPrefix(b.String(), `<a href="`), "</a>")
	// The escaped href holds no '"', so the first `">` ends it.
	h, t, _ := strings.Cut(out, `">`)
	return h, t
}

// Breadcrumbs returns the folder pages above p, home first, without p.
func (s *Site) Breadcrumbs(p *Page) []*Page {
	var out []*Page
	for _, sec := range p.chain(s.Root) {
		if sec.Page != p {
			out = append(out, sec.Page)
		}
	}
	return out
}

// Indexes returns the header's links: the home folder's sections, with the
// titles and in the order of the sidebar (issue #12: the header and the
// sidebar listed different sections in different orders), then the tag
// index when there is one.
func (s *Site) Indexes() []NavItem {
	var out []NavItem
	for _, c := range s.Root.Children {
		if c.IsSection() {
			out = append(out, NavItem{Title: c.Title, URL: c.URL, Href: s.basePath + c.URL, Section: true})
		}
	}
	if p := s.byURL["/tags/"]; p != nil && p.List != nil {
		out = append(out, NavItem{Title: "Tags", URL: "/tags/", Href: s.basePath + "/tags/"})
	}
	return out
}

// PageByURL returns the page with the site-relative URL u, or nil.
func (s *Site) PageByURL(u string) *Page { return s.byURL[u] }

// IsLink reports whether p is an external link that the table of contents
// lists among the pages (a toc url: entry): its URL is the link's address,
// and it is never written.
func (p *Page) IsLink() bool { return strings.Contains(p.URL, "://") }

// href is a site URL with the base URL's path, ready for an href; an
// external link's address is kept as it is.
func (s *Site) href(u string) string {
	if strings.Contains(u, "://") {
		return u
	}
	return s.basePath + u
}

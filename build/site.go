package build

import (
	"html/template"
	"io/fs"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/compasshq/compass/build/gitinfo"
	"github.com/compasshq/compass/build/markdown"
	"github.com/compasshq/compass/build/views"
)

// Options configure a build. cmd/compass fills them from flags, COMPASS_*
// environment variables and compass.yaml; the build reads no configuration
// itself.
type Options struct {
	Source     string       // site root holding content/, optional layouts/ and static/; "" means "."
	Out        string       // output folder; "" means <Source>/public
	BaseURL    string       // "https://handbook.example.com/" or ""; its path prefixes every link
	Title      string       // site title; "" means "Handbook"
	Theme      string       // a theme folder (layouts/, assets/) over the embedded theme; relative to Source
	UnsafeHTML bool         // pass raw HTML in Markdown through instead of escaping it
	RepoURL    string       // where the content lives, for "edit this page" links; "" hides them
	EditBranch string       // edit links go to RepoURL/edit/<branch>/<file> (GitHub, Gitea); "" means main, see editURL
	Drafts     bool         // build pages with draft: true
	Strict     bool         // fail on warnings too
	KeepGoing  bool         // write the site even with content errors (broken links marked); Build still returns them
	HeadingIDs string       // heading id rule: "" or "compass", "github", "mkdocs"; see markdown.Options
	Now        time.Time    // the build's notion of today, for overdue reviews; zero means time.Now()
	Logger     *slog.Logger // nil discards logs
	// SlackWorkspace is the Slack workspace URL ("https://example.slack.com"),
	// so people's Slack names link to them; "" shows names without links.
	SlackWorkspace string

	// LastUpdated maps a page's File to the time of the last commit that
	// changed it; a missing page shows no date, so a site outside git still
	// builds. When nil and RepoURL is set, Build reads it with one git log
	// (build/gitinfo).
	LastUpdated map[string]time.Time
	// History is the content's git history for /changes/; nil means none
	// (the page says so). When nil, Build reads it with the same git log
	// as LastUpdated (build/gitinfo).
	History *gitinfo.History
	// Only, when set, limits rendering and link checks to the pages whose
	// File it accepts; the others are read for their front matter only, and
	// anchors into them are not checked. `compass check --changed-since`
	// uses it to skip rendering a large handbook's unchanged pages.
	Only func(file string) bool
}

// Site is a loaded, validated and rendered handbook held in memory. Load
// makes one; Write turns it into files. `compass serve` keeps a Site to
// answer requests, `compass check` loads one and writes nothing.
type Site struct {
	Title   string
	BaseURL string   // as configured, "" for relative
	Pages   []*Page  // every content page that is built, sorted by URL
	Root    *Section // the home section, content/
	Tags    []*Tag   // sorted by name

	// Warnings are the problems that do not stop the build.
	Warnings []Warning

	opts     Options
	basePath string           // path of BaseURL without trailing slash: "" or "/handbook"
	byPath   map[string]*Page // content-relative source path → page
	byURL    map[string]*Page // every page with a URL, including generated lists
	extra    []*Page          // generated pages: section lists, kind and tag indexes
	files    []string         // non-Markdown files under content/, copied as they are
	fileSet  map[string]bool  // the same, for lookups
	static   map[string]bool  // files under static/, slash paths, copied to the site root
	content  fs.FS            // the content folder, which {include} and {literalinclude} read
	aliases  map[string]*Page // alias URL → target
	theme    *theme
	teams    map[string]*Page    // team id → charter page
	reviews  reviewLinks         // incident reviews ↔ the runbooks they used
	dirs     map[string]bool     // content-relative folders holding a built page, each with a folder page
	project  *toc                // myst.yml or mkdocs.yml, nil when there is none
	toc      *toc                // the table of contents of myst.yml or mkdocs.yml; nil orders by folder
	labels   map[string]labelRef // MyST label (markdown.LabelKey) → where it is defined
	drafts   map[string]bool     // content-relative paths of drafts left out (no --drafts), so links to them say why
	nav      navCache            // sidebar markup per folder, see NavHTML
	headings int
	// release lets Write drop each page's HTML once the page is written,
	// and keeps it packed until then (pack.go): a one-shot build then never
	// holds the whole site rendered.
	release bool
	// viewFiles are the generated views' files that are not pages
	// (calendars, feeds), by site URL.
	viewFiles map[string]views.File
}

// Page is one page of the site: a Markdown file, or a list Compass
// generates (a folder without _index.md, /teams/, /tags/oncall/).
type Page struct {
	File string // source path relative to the site root, "content/policies/oncall.md"; "" when generated
	Path string // source path relative to content/, "policies/oncall.md"; "" when generated
	URL  string // site-relative URL, "/policies/oncall/"
	Meta Meta   // front matter
	// Title is Meta.Title, else the first # heading, else the file name.
	Title string

	HTML     template.HTML      // rendered body
	Intro    string             // plain text before the first heading
	Headings []markdown.Heading // every heading in the body
	Diagrams bool               // the body has a mermaid diagram: the page loads the library that draws it
	Math     bool               // the body has math: the page loads the library that typesets it

	// Section is the folder the page lives in; for a folder's own page
	// (_index.md) it is that folder.
	Section *Section
	// Prev and Next walk the site in reading order (the sidebar order).
	Prev, Next *Page
	// List is set on index pages: what they list under their own text.
	List *List
	// View is set on the organisation's generated pages (/people/, the
	// meeting week, …): what they show under their own text.
	View View

	// LinksTo are the content pages this page's body (or, for a runbook,
	// its list of incident reviews) links to (itself
	// excluded), once links are checked; `compass check` finds orphans with it.
	LinksTo []*Page

	generated bool
	readme    bool // a README.md that is its folder's page
	navHidden bool // listed hidden in the table of contents: in the tree, not in the sidebar
	hasFM     bool
	body      []byte
	bodyLine  int
	links     []markdown.Link
	labels    []markdown.Label
	includes  []string // content-relative files its {include}/{literalinclude} read
	linkTitle string   // Meta.Title, else the first # heading: what a link without text to this page shows
	packed    []byte   // HTML compressed while a one-shot build waits to write it; HTML is "" then
	// packedText is Intro and the Headings' bodies, compressed until a
	// one-shot build indexes them; they are "" then.
	packedText []byte
}

// KeyPos returns where the value of a top-level front matter key is written,
// so checks that run on the loaded site can point at it; ok is false when
// the page does not set the key.
func (p *Page) KeyPos(key string) (pos Position, ok bool) {
	pos, ok = p.Meta.pos[key]
	return pos, ok
}

// IsSection reports whether the page is a folder's own page.
func (p *Page) IsSection() bool { return p.Section != nil && p.Section.Page == p }

// Kind is the page's kind, "" for plain pages.
func (p *Page) Kind() string { return p.Meta.Kind }

// Section is a folder of content/. Its page is the folder's _index.md (or
// index.md), or a generated list when the folder has none.
type Section struct {
	Dir      string // content-relative folder, "" for the home section
	Page     *Page
	Parent   *Section
	Children []*Page // pages and sub-sections' pages, in reading order
	sub      map[string]*Section
}

// List is what an index page lists: pages (a kind or a tag), or tags.
type List struct {
	Kind  string // "section", a page kind, "tags" or "tag"
	Pages []*Page
	Tags  []*Tag
}

// Tag groups the pages that carry it.
type Tag struct {
	Name  string
	URL   string
	Pages []*Page
}

// urlFor maps a content-relative source path to its site URL:
// "policies/oncall.md" → "/policies/oncall/", "policies/_index.md" →
// "/policies/", "_index.md" → "/".
func urlFor(rel string) string {
	dir, file := path.Split(rel)
	name := strings.TrimSuffix(file, path.Ext(file))
	var segs []string
	for _, s := range strings.Split(strings.Trim(dir, "/"), "/") {
		if s != "" {
			segs = append(segs, urlize(s))
		}
	}
	if name != "_index" && name != "index" {
		segs = append(segs, urlize(name))
	}
	if len(segs) == 0 {
		return "/"
	}
	return "/" + strings.Join(segs, "/") + "/"
}

// URLFor is urlFor for tools beside the build (compass check maps changed
// files to pages without loading the site).
func URLFor(rel string) string { return urlFor(rel) }

// URLize is urlize for the same tools.
func URLize(s string) string { return urlize(s) }

// urlize makes a file or folder name into a URL segment: lowercase, spaces
// as hyphens, so "On Call.md" and links to it agree.
func urlize(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "-")
}

// tagSlug makes a tag into its URL segment.
func tagSlug(t string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(t)) {
		switch {
		case r == ' ' || r == '/' || r == '_':
			b.WriteByte('-')
		case r == '#' || r == '?' || r == '%' || r == '.':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// humanize turns a file or folder name into a fallback title:
// "incident-response" → "Incident response".
func humanize(name string) string {
	name = strings.TrimSuffix(name, path.Ext(name))
	name = strings.NewReplacer("-", " ", "_", " ").Replace(name)
	name = strings.TrimSpace(name)
	if name == "" {
		return "Home"
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

package build

// Handbooks written for MyST (Jupyter Book 2) and MkDocs order their
// sidebar in a file beside the content rather than with weights: myst.yml's
// project.toc (often in a toc.yml it extends) and mkdocs.yml's nav. When a
// site has one, it decides the tree: order, grouping under titled groups,
// nesting, hidden entries. Pages it does not list are still built, with a
// warning, as mystmd does.

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// tocEntry is one entry of a table of contents.
type tocEntry struct {
	File     string // content-relative page path; "" for a titled group
	Dir      string // content-relative folder whose pages are the children (MkDocs "Title: folder/")
	URL      string // an external link listed in the sidebar (MyST and Jupyter Book url:, an MkDocs nav link)
	Pattern  string // a content-relative glob ("runbooks/*.md", "**" for any folders): the pages it matches, by path
	Title    string // a group's title, or an external link's text
	Hidden   bool   // built and in the tree, not listed in the sidebar
	Children []tocEntry
	pos      Position
}

// toc is a site's table of contents, read from myst.yml or mkdocs.yml.
type toc struct {
	file    string   // where it was read, "content/myst.yml"
	read    []string // every file it was read from (extends too), site-relative
	title   string   // the project's title, "" if not set
	entries []tocEntry
	exclude []string          // glob patterns (content-relative) of files not to build
	subs    map[string]string // MyST substitutions, {{ name }} → value
}

// tocFiles are where a table of contents is looked for, first found wins.
// Paths inside are relative to the file; the content/ prefix of a site-root
// file is dropped, so both layouts of a MyST or MkDocs project work.
var tocFiles = []string{"content/myst.yml", "myst.yml", "content/_toc.yml", "_toc.yml", "mkdocs.yml", "content/mkdocs.yml"}

// loadTOC reads the site's table of contents; it returns nil when the site
// has none.
func loadTOC(root string, pr *problems) *toc {
	for _, f := range tocFiles {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			pr.errorf(Position{File: f}, "cannot read: %v", unwrapPathError(err))
			return nil
		}
		r := &tocReader{root: root, pr: pr}
		switch path.Base(f) {
		case "mkdocs.yml":
			return r.mkdocs(f, b)
		case "_toc.yml":
			return r.jupyterBook(f, b)
		}
		return r.myst(f, b)
	}
	return nil
}

// tocReader decodes one table of contents, reporting problems at their
// position in the YAML.
type tocReader struct {
	root string
	pr   *problems
	file string // the YAML file being read
	base string // the folder its page paths are relative to
}

// tocValue is valueOf, with nil for a missing key.
func tocValue(n *yaml.Node, key string) *yaml.Node {
	if v := valueOf(n, key); v.Kind != 0 {
		return v
	}
	return nil
}

func (r *tocReader) pos(n *yaml.Node) Position {
	return Position{File: r.file, Line: n.Line, Col: n.Column}
}

func (r *tocReader) parse(file string, b []byte) *yaml.Node {
	r.file, r.base = file, path.Dir(file)
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		r.pr.errorf(Position{File: file, Line: 1, Col: 1}, "%s: %s", path.Base(file), strings.TrimPrefix(err.Error(), "yaml: "))
		return nil
	}
	if len(doc.Content) == 0 || resolveAlias(doc.Content[0]).Kind != yaml.MappingNode {
		return nil
	}
	return resolveAlias(doc.Content[0])
}

// contentPath turns a path written in the toc file into a content-relative
// page path: relative to the toc file's folder, ".md" added when left out.
func (r *tocReader) contentPath(p string) string {
	p = path.Join(r.base, p)
	p = strings.TrimPrefix(strings.TrimPrefix(p, "content/"), "./")
	if path.Ext(p) == "" {
		p += ".md"
	}
	return p
}

// myst reads myst.yml: project.title, project.toc and project.exclude,
// following extends (a list of further files whose project keys it
// inherits; its own keys win).
func (r *tocReader) myst(file string, b []byte) *toc {
	t := &toc{file: file, subs: map[string]string{}}
	seen := map[string]bool{}
	var read func(file string, b []byte)
	read = func(file string, b []byte) {
		if seen[file] {
			return
		}
		seen[file] = true
		t.read = append(t.read, file)
		root := r.parse(file, b)
		if root == nil {
			return
		}
		if project := tocValue(root, "project"); project != nil {
			if v := tocValue(project, "title"); v != nil && t.title == "" {
				t.title = v.Value
			}
			if v := tocValue(project, "toc"); v != nil && t.entries == nil {
				t.entries = r.mystEntries(v)
				if t.entries == nil {
					t.entries = []tocEntry{}
				}
			}
			if v := tocValue(project, "substitutions"); v != nil && v.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(v.Content); i += 2 {
					if _, set := t.subs[v.Content[i].Value]; !set && resolveAlias(v.Content[i+1]).Kind == yaml.ScalarNode {
						t.subs[v.Content[i].Value] = resolveAlias(v.Content[i+1]).Value
					}
				}
			}
			if v := tocValue(project, "exclude"); v != nil && v.Kind == yaml.SequenceNode {
				for _, e := range v.Content {
					t.exclude = append(t.exclude, r.globPath(e.Value))
				}
			}
		}
		ext := tocValue(root, "extends")
		if ext == nil {
			return
		}
		list := []*yaml.Node{ext}
		if ext.Kind == yaml.SequenceNode {
			list = ext.Content
		}
		for _, e := range list {
			if strings.Contains(e.Value, "://") {
				r.pr.warnf(r.pos(e), "extends: %s is not on this machine; not read", e.Value)
				continue
			}
			f := path.Join(path.Dir(file), e.Value)
			b, err := os.ReadFile(filepath.Join(r.root, filepath.FromSlash(f)))
			if err != nil {
				r.pr.errorf(r.pos(e), "extends: cannot read %s: %v", e.Value, unwrapPathError(err))
				continue
			}
			read(f, b)
			r.file, r.base = file, path.Dir(file)
		}
	}
	read(file, b)
	return t // entries is nil without a toc: the folders give the order
}

// globPath makes an exclude pattern content-relative.
func (r *tocReader) globPath(p string) string {
	return strings.TrimPrefix(strings.TrimPrefix(path.Join(r.base, p), "content/"), "./")
}

// mystEntries reads a MyST toc list: entries with file, url or pattern,
// title, children and hidden.
func (r *tocReader) mystEntries(list *yaml.Node) []tocEntry {
	if list.Kind != yaml.SequenceNode {
		r.pr.errorf(r.pos(list), "toc: want a list of entries, got %s", describe(list))
		return nil
	}
	var out []tocEntry
	for _, n := range list.Content {
		n = resolveAlias(n)
		if n.Kind != yaml.MappingNode {
			r.pr.errorf(r.pos(n), "toc: want an entry with file or title, got %s", describe(n))
			continue
		}
		e := tocEntry{pos: r.pos(n)}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], resolveAlias(n.Content[i+1])
			switch k.Value {
			case "file":
				e.File = r.contentPath(v.Value)
			case "title":
				e.Title = v.Value
			case "hidden":
				e.Hidden = v.Value == "true"
			case "children":
				e.Children = r.mystEntries(v)
			case "url":
				e.URL = v.Value
			case "pattern":
				e.Pattern = r.globPath(v.Value)
			default:
				r.pr.warnf(r.pos(k), "toc: unknown key %q", k.Value)
			}
		}
		if e.File == "" && e.Title == "" && e.URL == "" && e.Pattern == "" {
			continue
		}
		out = append(out, e)
	}
	return out
}

// jupyterBook reads Jupyter Book 1's _toc.yml: root, then parts (each a
// titled group of chapters) or chapters, each with sections; jb-article's
// sections at the top level.
func (r *tocReader) jupyterBook(file string, b []byte) *toc {
	root := r.parse(file, b)
	if root == nil {
		return nil
	}
	t := &toc{file: file, read: []string{file}}
	if v := tocValue(root, "root"); v != nil {
		t.entries = append(t.entries, tocEntry{File: r.contentPath(v.Value), pos: r.pos(v)})
	}
	if parts := tocValue(root, "parts"); parts != nil && parts.Kind == yaml.SequenceNode {
		for _, p := range parts.Content {
			e := tocEntry{Title: "Contents", pos: r.pos(p)}
			if c := tocValue(p, "caption"); c != nil {
				e.Title = c.Value
			}
			if ch := tocValue(p, "chapters"); ch != nil {
				e.Children = r.jbEntries(ch)
			}
			t.entries = append(t.entries, e)
		}
	}
	for _, key := range []string{"chapters", "sections"} {
		if v := tocValue(root, key); v != nil {
			t.entries = append(t.entries, r.jbEntries(v)...)
		}
	}
	return t
}

// jbEntries reads a Jupyter Book list of entries: file (with sections),
// url (with title) and glob.
func (r *tocReader) jbEntries(list *yaml.Node) []tocEntry {
	if list.Kind != yaml.SequenceNode {
		r.pr.errorf(r.pos(list), "_toc.yml: want a list of entries, got %s", describe(list))
		return nil
	}
	var out []tocEntry
	for _, n := range list.Content {
		n = resolveAlias(n)
		switch {
		case tocValue(n, "file") != nil:
			e := tocEntry{File: r.contentPath(tocValue(n, "file").Value), pos: r.pos(n)}
			if s := tocValue(n, "sections"); s != nil {
				e.Children = r.jbEntries(s)
			}
			out = append(out, e)
		case tocValue(n, "url") != nil:
			e := tocEntry{URL: tocValue(n, "url").Value, pos: r.pos(n)}
			if t := tocValue(n, "title"); t != nil {
				e.Title = t.Value
			}
			out = append(out, e)
		case tocValue(n, "glob") != nil:
			out = append(out, tocEntry{Pattern: r.globPath(tocValue(n, "glob").Value), pos: r.pos(n)})
		default:
			r.pr.errorf(r.pos(n), "_toc.yml: want an entry with file, got %s", describe(n))
		}
	}
	return out
}

// mkdocs reads mkdocs.yml: site_name and nav, whose paths are relative to
// docs_dir (the site's content/).
func (r *tocReader) mkdocs(file string, b []byte) *toc {
	root := r.parse(file, b)
	if root == nil {
		return nil
	}
	nav := tocValue(root, "nav")
	if nav == nil {
		return nil
	}
	t := &toc{file: file, read: []string{file}}
	if v := tocValue(root, "site_name"); v != nil {
		t.title = v.Value
	}
	// Paths in nav are relative to docs_dir, which is the site's content/.
	r.base = "content"
	t.entries = r.mkdocsEntries(nav)
	return t
}

// mkdocsEntries reads an MkDocs nav list: "page.md", "Title: page.md",
// "Title: [children]" and "Title: https://…".
func (r *tocReader) mkdocsEntries(list *yaml.Node) []tocEntry {
	if list.Kind != yaml.SequenceNode {
		r.pr.errorf(r.pos(list), "nav: want a list, got %s", describe(list))
		return nil
	}
	var out []tocEntry
	for _, n := range list.Content {
		n = resolveAlias(n)
		pos := r.pos(n)
		e := tocEntry{pos: pos}
		var v *yaml.Node
		switch {
		case n.Kind == yaml.ScalarNode:
			v = n
		case n.Kind == yaml.MappingNode && len(n.Content) == 2:
			e.Title, v = n.Content[0].Value, resolveAlias(n.Content[1])
		default:
			r.pr.errorf(pos, "nav: want \"page.md\" or \"Title: page.md\", got %s", describe(n))
			continue
		}
		switch {
		case v.Kind == yaml.SequenceNode:
			e.Children = r.mkdocsEntries(v)
		case strings.Contains(v.Value, "://"):
			e.URL = v.Value
		case strings.HasSuffix(v.Value, "/"):
			e.Dir = strings.TrimSuffix(strings.TrimSuffix(r.contentPath(strings.TrimSuffix(v.Value, "/")), ".md"), "/")
			if e.Title == "" {
				e.Title = humanize(path.Base(e.Dir))
			}
		default:
			e.File = r.contentPath(v.Value)
			e.Title = "" // the page's own title; MkDocs' nav titles only rename it
		}
		out = append(out, e)
	}
	return out
}

// excluded reports whether the toc excludes a content-relative file from
// the site: its exclude patterns, and the toc's own files.
func (t *toc) excluded(rel string) bool {
	if t == nil {
		return false
	}
	for _, f := range t.read {
		if f == "content/"+rel {
			return true
		}
	}
	for _, g := range t.exclude {
		if ok, _ := path.Match(g, rel); ok {
			return true
		}
	}
	return false
}

// String names the toc for messages.
func (t *toc) String() string { return fmt.Sprintf("the table of contents in %s", t.file) }

// buildTocTree arranges the pages as the table of contents says: each
// entry's page in its parent's Children, in toc order; an entry with
// children becomes a folder of the tree; a titled group becomes a
// generated page listing its entries. The page at / is the home folder's.
func (s *Site) buildTocTree(t *toc, pr *problems) {
	s.Root = &Section{sub: map[string]*Section{}}
	if home := s.byURL["/"]; home != nil && !home.generated {
		s.Root.Page, home.Section = home, s.Root
	}
	placed := map[*Page]bool{}
	if s.Root.Page != nil {
		placed[s.Root.Page] = true
	}
	listed := t.files()
	var add func(parent *Section, entries []tocEntry)
	add = func(parent *Section, entries []tocEntry) {
		for _, e := range entries {
			var p *Page
			switch {
			case e.URL != "":
				// A link, not a page: in its folder's children for the
				// sidebar and lists, never written, not in reading order.
				parent.Children = append(parent.Children, &Page{URL: e.URL, Title: cmp.Or(e.Title, e.URL), Section: parent, generated: true})
				continue
			case e.Pattern != "":
				add(parent, s.patternEntries(e, placed, listed, pr))
				continue
			case e.Dir != "":
				p, e.Children = s.folderEntry(e, placed)
			case e.File != "":
				p = s.byPath[e.File]
				switch {
				case p == s.Root.Page && p != nil:
					add(s.Root, e.Children) // the home page's entries are top level
					continue
				case p == nil && s.drafts[e.File]:
					continue
				case p == nil:
					// mystmd skips such entries with a warning too.
					pr.warnf(e.pos, "toc: %s matches no page; entry skipped", e.File)
					continue
				case placed[p]:
					pr.warnf(e.pos, "toc: %s is listed more than once; the first entry places it", e.File)
					continue
				}
			default:
				p = s.groupPage(e.Title)
			}
			placed[p] = true
			p.Section = parent
			p.navHidden = e.Hidden
			parent.Children = append(parent.Children, p)
			if len(e.Children) > 0 || p.generated || e.Dir != "" {
				sec := &Section{Dir: parentDir(p.Path), Page: p, Parent: parent, sub: map[string]*Section{}}
				p.Section = sec
				add(sec, e.Children)
			}
		}
	}
	add(s.Root, t.entries)
	if s.Root.Page == nil {
		home := &Page{URL: "/", Title: s.Title, Section: s.Root}
		s.addGenerated(home)
		s.Root.Page = home
	}
	for _, p := range s.Pages {
		if !placed[p] {
			p.Section = s.Root
			pr.warnf(Position{File: p.File, Line: 1, Col: 1}, "page is not in %s; built, but not in the sidebar", t)
		}
	}
	var lists func(sec *Section)
	lists = func(sec *Section) {
		sec.Page.List = &List{Kind: "section", Pages: sec.Children}
		for _, c := range sec.Children {
			if c.IsSection() {
				lists(c.Section)
			}
		}
	}
	lists(s.Root)
}

// folderEntry expands a toc entry naming a folder: its index page (or a
// generated group page) with the folder's other pages, not placed
// elsewhere, as children in weight and title order.
func (s *Site) folderEntry(e tocEntry, placed map[*Page]bool) (*Page, []tocEntry) {
	var p *Page
	for _, name := range []string{"index.md", "_index.md", "README.md"} {
		if q := s.byPath[path.Join(e.Dir, name)]; q != nil && !placed[q] {
			p = q
			break
		}
	}
	if p == nil {
		p = s.groupPage(e.Title)
	}
	var kids []*Page
	for _, q := range s.Pages {
		if q != p && !placed[q] && strings.HasPrefix(q.Path, e.Dir+"/") {
			kids = append(kids, q)
		}
	}
	slices.SortFunc(kids, byWeightTitle)
	children := make([]tocEntry, 0, len(kids))
	for _, q := range kids {
		children = append(children, tocEntry{File: q.Path, pos: e.pos})
	}
	return p, children
}

// groupPage makes the generated page of a titled toc group ("Organization
// wide"), at a URL from its title that no other page has.
func (s *Site) groupPage(title string) *Page {
	base := "/" + strings.Trim(tagSlug(title), "-") + "/"
	u := base
	for i := 2; s.byURL[u] != nil || s.aliases[u] != nil; i++ {
		u = fmt.Sprintf("%s-%d/", strings.TrimSuffix(base, "/"), i)
	}
	p := &Page{URL: u, Title: title}
	s.addGenerated(p)
	return p
}

// files are the pages the toc names one by one, which a pattern entry
// leaves where they are listed.
func (t *toc) files() map[string]bool {
	out := map[string]bool{}
	var walk func(es []tocEntry)
	walk = func(es []tocEntry) {
		for _, e := range es {
			if e.File != "" {
				out[e.File] = true
			}
			walk(e.Children)
		}
	}
	walk(t.entries)
	return out
}

// patternEntries expands a pattern entry: the pages it matches, in path
// order (as mystmd lists them), except those placed already or listed
// elsewhere in the toc. A Jupyter Book glob names pages without their
// extension, so a page matches with or without it.
func (s *Site) patternEntries(e tocEntry, placed map[*Page]bool, listed map[string]bool, pr *problems) []tocEntry {
	var out []tocEntry
	matched := false
	for _, p := range s.Pages {
		if !globMatch(e.Pattern, p.Path) && !globMatch(e.Pattern, strings.TrimSuffix(p.Path, path.Ext(p.Path))) {
			continue
		}
		matched = true
		if !placed[p] && !listed[p.Path] && p != s.Root.Page {
			out = append(out, tocEntry{File: p.Path, pos: e.pos})
		}
	}
	if !matched {
		pr.warnf(e.pos, "toc: pattern %q matches no page", e.Pattern)
	}
	slices.SortFunc(out, func(a, b tocEntry) int { return strings.Compare(a.File, b.File) })
	return out
}

// globMatch reports whether a slash path matches a glob whose segments
// are path.Match patterns, "**" standing for any number of folders.
func globMatch(pattern, name string) bool {
	ps, ns := strings.Split(pattern, "/"), strings.Split(name, "/")
	var match func(i, j int) bool
	match = func(i, j int) bool {
		switch {
		case i == len(ps):
			return j == len(ns)
		case ps[i] == "**":
			for k := j; k <= len(ns); k++ {
				if match(i+1, k) {
					return true
				}
			}
			return false
		case j == len(ns):
			return false
		}
		ok, _ := path.Match(ps[i], ns[j])
		return ok && match(i+1, j+1)
	}
	return match(0, 0)
}

package scaffold

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Dialects are the tools compass init --from sets a compass up around.
var Dialects = []string{"mkdocs", "myst", "hugo", "docusaurus"}

// Existing describes a handbook written for another tool, as From found it.
type Existing struct {
	Pages      string // the folder of its Markdown pages
	Nav        string // its navigation file that Compass reads, "" if none
	Title      string // its site title when Compass cannot read it itself
	HeadingIDs string // the heading id rule its links were written for
}

// Inspect finds the pages folder, navigation file, title and heading-id
// rule of the handbook in src, written for dialect.
func Inspect(dialect, src string) (Existing, error) {
	var e Existing
	switch dialect {
	case "mkdocs":
		// mkdocs.yml's nav is read by compass build; its docs_dir is content/.
		e.Nav = filepath.Join(src, "mkdocs.yml")
		b, err := os.ReadFile(e.Nav)
		if err != nil {
			return e, fmt.Errorf("an MkDocs site has mkdocs.yml: %w", err)
		}
		var conf struct {
			DocsDir string `yaml:"docs_dir"`
		}
		_ = yaml.Unmarshal(b, &conf) // MkDocs' !!python tags: only docs_dir matters
		e.Pages = filepath.Join(src, cmpOr(conf.DocsDir, "docs"))
		e.HeadingIDs = "mkdocs"
	case "myst":
		// myst.yml's toc paths are relative to it: its folder is content/.
		if _, err := os.Stat(filepath.Join(src, "myst.yml")); err != nil {
			return e, fmt.Errorf("a MyST project has myst.yml: %w", err)
		}
		e.Pages = src
		e.HeadingIDs = "compass" // MyST's heading ids are the lowercase-hyphen rule Compass uses
	case "hugo":
		e.Pages = filepath.Join(src, "content")
		e.Title = configTitle(src, `(?m)^title\s*=\s*["']([^"']+)["']`, "hugo.toml", "config.toml", "hugo.yaml", "config.yaml")
		e.HeadingIDs = "github" // goldmark's auto heading ids, which Hugo uses, follow GitHub's rule
	case "docusaurus":
		e.Pages = filepath.Join(src, "docs")
		e.Title = configTitle(src, `(?m)^\s*title:\s*["']([^"']+)["']`, "docusaurus.config.js", "docusaurus.config.ts")
		e.HeadingIDs = "github"
	default:
		return e, fmt.Errorf("--from %q is not one of %s", dialect, strings.Join(Dialects, ", "))
	}
	if fi, err := os.Stat(e.Pages); err != nil || !fi.IsDir() {
		return e, fmt.Errorf("no folder of pages at %s", e.Pages)
	}
	return e, nil
}

// configTitle reads the site title from the first config file in dir that
// has one, with re's first group.
func configTitle(dir, re string, names ...string) string {
	rx := regexp.MustCompile(re)
	for _, n := range names {
		if b, err := os.ReadFile(filepath.Join(dir, n)); err == nil {
			if m := rx.FindSubmatch(b); m != nil {
				return string(m[1])
			}
		}
	}
	return ""
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// ErrPagesAtRoot is From's error when the pages are in the folder the
// compass is set up in, so they cannot become its content/ folder.
var ErrPagesAtRoot = errors.New("the pages are at the root of the folder the compass is set up in")

// From sets a compass up in dir around e, in place: content/ is e.Pages
// (linked when it is elsewhere), the navigation file is linked beside it,
// and compass.yaml, netlify.toml and the workflow are written (.gitignore
// is the existing site's). It returns the files it wrote or linked.
func From(dir string, e Existing, s Settings, force bool) ([]string, error) {
	s.HeadingIDs = e.HeadingIDs
	if e.Title != "" {
		s.Title = e.Title
	}
	var links [][2]string // link name → target
	if err := samePlace(filepath.Join(dir, "content"), e.Pages); err != nil {
		if errors.Is(err, ErrPagesAtRoot) {
			return nil, err
		}
		links = append(links, [2]string{"content", e.Pages})
	}
	if e.Nav != "" && samePlace(filepath.Join(dir, filepath.Base(e.Nav)), e.Nav) != nil {
		links = append(links, [2]string{filepath.Base(e.Nav), e.Nav})
	}
	if !force {
		for _, l := range links {
			if _, err := os.Lstat(filepath.Join(dir, l[0])); err == nil {
				return nil, fmt.Errorf("%s: %w: %s", dir, ErrExists, l[0])
			}
		}
	}
	written, err := Init(dir, s, force, func(name string) bool {
		return !strings.HasPrefix(name, "content/") && name != ".gitignore"
	})
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		link := filepath.Join(dir, l[0])
		target, err := filepath.Rel(dir, l[1])
		if err != nil {
			target, _ = filepath.Abs(l[1])
		}
		if force {
			os.Remove(link)
		}
		if err := os.Symlink(target, link); err != nil {
			return written, fmt.Errorf("link %s to %s: %w", l[0], l[1], err)
		}
		written = append(written, l[0]+" → "+filepath.ToSlash(target))
	}
	return written, nil
}

// samePlace returns nil when path already is target, ErrPagesAtRoot when
// target is path's folder itself, and another error otherwise.
func samePlace(path, target string) error {
	a, errA := filepath.Abs(path)
	b, errB := filepath.Abs(target)
	if errA != nil || errB != nil {
		return errors.Join(errA, errB, errors.New("not the same"))
	}
	if ra, err := filepath.EvalSymlinks(a); err == nil {
		a = ra
	}
	if rb, err := filepath.EvalSymlinks(b); err == nil {
		b = rb
	}
	switch {
	case a == b:
		return nil
	case filepath.Dir(path) != "" && b == mustEval(filepath.Dir(a)):
		return ErrPagesAtRoot
	}
	return errors.New("not the same")
}

func mustEval(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

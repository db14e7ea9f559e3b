// Package scaffold writes new handbooks: the starter set of compass init,
// the example handbook, and the compass.yaml around a handbook written for
// another tool.
package scaffold

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"time"
)

// The starter files use [% %] as template delimiters, since GitHub
// workflows and Netlify commands use {{ }} and ${ } themselves.
//
//go:embed all:starter
var files embed.FS

// Settings are the values the starter files are filled with.
type Settings struct {
	Title      string    // the site title
	Today      time.Time // dates: effective, cadence and rotation start; review_by is a year later
	HeadingIDs string    // heading_ids in compass.yaml: compass, github or mkdocs
	// Version is the compass version netlify.toml and the workflow install
	// (go run …/cmd/compass@Version); "" means latest.
	Version   string
	GoVersion string // the Go that Netlify and the workflow install, "1.26.8"
	// Defaults whose values live in cmd/compass, filled into compass.yaml.
	MaxConnections int
	Lease          string // as written in compass.yaml, "30s"
	SlackAPI       string
	PagerDutyAPI   string
	GitHubAPI      string
}

// ErrExists is wrapped by the error of a scaffold that would overwrite
// files; nothing is written then.
var ErrExists = errors.New("would overwrite existing files (use --force to overwrite)")

// starterName maps a file of the embedded starter to its name in the new
// repository: dot-gitignore is .gitignore (a real .gitignore in this
// repository would apply to it).
func starterName(name string) string {
	if rest, ok := strings.CutPrefix(name, "dot-"); ok {
		return "." + rest
	}
	return name
}

// Init writes the starter handbook into dir: content/, compass.yaml,
// netlify.toml, the GitHub workflow and .gitignore. With only set, it
// writes only the files it accepts (their repository names). It returns
// the files written, slash-separated and relative to dir.
func Init(dir string, s Settings, force bool, only func(name string) bool) ([]string, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(files, "starter", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := starterName(strings.TrimPrefix(p, "starter/"))
		if only != nil && !only(name) {
			return nil
		}
		b, err := render(p, s)
		if err != nil {
			return err
		}
		out[name] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	return writeFiles(dir, out, force)
}

// Example writes the files of example (a content/ tree, like the one of
// the Compass repository) into dir with the starter's configuration files.
func Example(dir string, s Settings, example fs.FS, force bool) ([]string, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(example, "content", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(example, p)
		out[p] = b
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read the example handbook: %w", err)
	}
	conf, err := Init(dir, s, force, func(name string) bool { return !strings.HasPrefix(name, "content/") })
	if err != nil {
		return nil, err
	}
	written, err := writeFiles(dir, out, force)
	return append(conf, written...), err
}

// render executes the embedded template p with s.
func render(p string, s Settings) ([]byte, error) {
	src, err := fs.ReadFile(files, p)
	if err != nil {
		return nil, err
	}
	return execute(p, src, s.data())
}

// execute runs the template src (named p, for errors) on data.
func execute(p string, src []byte, data map[string]any) ([]byte, error) {
	t, err := template.New(path.Base(p)).Delims("[%", "%]").Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", p, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("template %s: %w", p, err)
	}
	return []byte(b.String()), nil
}

// data is what templates see: Settings plus the values derived from them.
func (s Settings) data() map[string]any {
	version := s.Version
	if version == "" {
		version = "latest"
	}
	return map[string]any{
		"Title": s.Title, "HeadingIDs": s.HeadingIDs, "Version": version, "GoVersion": s.GoVersion,
		"Today": s.Today.Format(time.DateOnly), "ReviewBy": s.Today.AddDate(1, 0, 0).Format(time.DateOnly),
		"MaxConnections": s.MaxConnections, "Lease": s.Lease,
		"SlackAPI": s.SlackAPI, "PagerDutyAPI": s.PagerDutyAPI, "GitHubAPI": s.GitHubAPI,
	}
}

// writeFiles writes files under dir. Unless force is set it first looks
// for every file that exists already, and refuses (listing them all)
// without writing anything.
func writeFiles(dir string, files map[string][]byte, force bool) ([]string, error) {
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range files {
			if !yield(n) {
				return
			}
		}
	})
	if !force {
		var exist []string
		for _, n := range names {
			if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(n))); err == nil {
				exist = append(exist, n)
			}
		}
		if len(exist) > 0 {
			return nil, fmt.Errorf("%s: %w: %s", dir, ErrExists, strings.Join(exist, ", "))
		}
	}
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", filepath.Dir(p), err)
		}
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", p, err)
		}
	}
	return names, nil
}

package build

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLiveMatchesFullLoad edits a site step by step and checks after each
// Update that the live site serves exactly what a fresh Load of the same
// files gives (every page, compass.json, the search documents, errors and
// warnings) and that the cheap path was taken when it should be.
func TestLiveMatchesFullLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("content/_index.md", "---\ntitle: Home\n---\nSee [a](a.md#first) and [b](b.md).\n")
	write("content/a.md", "---\ntitle: Alpha\nweight: 1\n---\n## First\n\nalpha text\n")
	write("content/b.md", "---\ntitle: Beta\nmood: odd\n---\nbeta [home](_index.md)\n")
	write("content/plain.md", "# Plain title\n\nNo front matter.\n")
	write("content/d.md", "---\ntitle: Draft\ndraft: true\n---\ndraft\n")
	write("static/logo.txt", "logo v1")
	opts := Options{Source: dir, Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	ctx := context.Background()
	l, err := OpenLive(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		name    string
		edit    func()
		changed []string
		fast    bool // only the changed pages, not a reload
		all     bool
	}{
		{"body edit", func() { write("content/a.md", "---\ntitle: Alpha\nweight: 1\n---\n## First\n\nnew alpha text\n") }, []string{"content/a.md"}, true, false},
		{"heading text, same anchor", func() {
			write("content/a.md", "---\ntitle: Alpha\nweight: 1\n---\n## First {#first}\n\nrenamed heading\n")
		}, []string{"content/a.md"}, true, false},
		{"broken link in body", func() { write("content/b.md", "---\ntitle: Beta\nmood: odd\n---\nbeta [x](nowhere.md)\n") }, []string{"content/b.md"}, true, false},
		{"link to a draft", func() { write("content/b.md", "---\ntitle: Beta\nmood: odd\n---\nbeta [x](d.md)\n") }, []string{"content/b.md"}, true, false},
		{"link fixed", func() { write("content/b.md", "---\ntitle: Beta\nmood: odd\n---\nbeta [a](a.md#first)\n") }, []string{"content/b.md"}, true, false},
		{"anchor removed breaks another page", func() {
			write("content/a.md", "---\ntitle: Alpha\nweight: 1\n---\n## Second\n\ntext\n")
		}, []string{"content/a.md"}, false, true},
		{"title from first heading changes", func() { write("content/plain.md", "# Other title\n\nNo front matter.\n") }, []string{"content/plain.md"}, false, true},
		{"front matter change", func() { write("content/a.md", "---\ntitle: Alpha two\nweight: 1\n---\n## First\n\ntext\n") }, []string{"content/a.md"}, false, true},
		{"new page", func() { write("content/c.md", "---\ntitle: Gamma\n---\ngamma\n") }, []string{"content/c.md"}, false, true},
		{"deleted page", func() { os.Remove(filepath.Join(dir, "content/c.md")) }, []string{"content/c.md"}, false, true},
		{"static file edit", func() { write("static/logo.txt", "logo v2") }, []string{"static/logo.txt"}, false, true},
		{"two pages at once", func() {
			write("content/a.md", "---\ntitle: Alpha two\nweight: 1\n---\n## First\n\nboth one\n")
			write("content/b.md", "---\ntitle: Beta\nmood: odd\n---\nboth two\n")
		}, []string{"content/a.md", "content/b.md"}, true, false},
		{"label added changes other pages", func() {
			write("content/b.md", "---\ntitle: Beta\nmood: odd\n---\n(beta-label)=\nbeta [home](_index.md)\n")
		}, []string{"content/b.md"}, false, true},
		{"children listing kept on a body edit", func() {
			write("content/_index.md", "---\ntitle: Home\n---\nSee [a](a.md#first).\n\n```{tableofcontents}\n```\n")
		}, []string{"content/_index.md"}, true, false},
		{"page starts including files", func() {
			write("content/snippet.sh", "echo one\n")
			write("content/shared/part.md", "Shared v1.\n")
			write("content/b.md", "---\ntitle: Beta\nmood: odd\n---\n```{literalinclude} snippet.sh\n```\n\n```{include} shared/part.md\n```\n")
		}, []string{"content/snippet.sh", "content/shared/part.md", "content/b.md"}, false, true},
		{"included code edited", func() { write("content/snippet.sh", "echo two\n") }, []string{"content/snippet.sh"}, false, true},
		{"included page edited", func() {
			write("content/shared/part.md", "Shared v2.\n")
		}, []string{"content/shared/part.md"}, false, true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.edit()
			d, err := l.Update(ctx, st.changed)
			if err != nil {
				t.Fatal(err)
			}
			if fast := !d.All && len(d.Pages) > 0; fast != st.fast || d.All != st.all {
				t.Errorf("delta = %+v, want fast %v, all %v", d, st.fast, st.all)
			}
			compareSites(t, l, opts)
		})
	}
}

// compareSites checks that l serves what a fresh Load gives.
func compareSites(t *testing.T, l *Live, opts Options) {
	t.Helper()
	fresh, err := Load(context.Background(), opts)
	if fresh == nil {
		t.Fatal(err)
	}
	var wantErrs []string
	if ce, ok := err.(ContentErrors); ok {
		for _, e := range ce {
			wantErrs = append(wantErrs, e.Error())
		}
	}
	var gotErrs []string
	for _, e := range l.Errors() {
		gotErrs = append(gotErrs, e.Error())
	}
	if !slices.Equal(gotErrs, wantErrs) {
		t.Errorf("errors:\n got %q\nwant %q", gotErrs, wantErrs)
	}
	if got, want := fmt.Sprint(l.Warnings()), fmt.Sprint(fresh.Warnings); got != want {
		t.Errorf("warnings:\n got %s\nwant %s", got, want)
	}
	site := l.Site()
	if got, want := site.PageURLs(), fresh.PageURLs(); !slices.Equal(got, want) {
		t.Fatalf("pages:\n got %q\nwant %q", got, want)
	}
	names := []string{"compass.json", "404.html", "search/index.html", "logo.txt"}
	for _, u := range fresh.PageURLs() {
		names = append(names, urlFile(u))
	}
	for _, name := range names {
		got, err1 := site.ReadOutput(name)
		want, err2 := fresh.ReadOutput(name)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v / %v", name, err1, err2)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from a full load:\n got %s\nwant %s", name, excerptDiff(got, want), excerptDiff(want, got))
		}
	}
	if !reflect.DeepEqual(site.SearchDocuments(), fresh.SearchDocuments()) {
		t.Errorf("search documents differ from a full load")
	}
}

// excerptDiff shows a's text around the first byte where it differs from b.
func excerptDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo, hi := max(0, i-80), min(len(a), i+80)
	return strings.ReplaceAll(string(a[lo:hi]), "\n", "⏎")
}

func TestStylesheetOnlyUpdate(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"content/_index.md":        "---\ntitle: Home\n---\nHi.\n",
		"layouts/assets/style.css": "body{color:red}",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, err := OpenLive(context.Background(), Options{Source: dir})
	if err != nil {
		t.Fatal(err)
	}
	old := l.Site().Assets()["style.css"]
	if err := os.WriteFile(filepath.Join(dir, "layouts/assets/style.css"), []byte("body{color:blue}"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := l.Update(context.Background(), []string{"layouts/assets/style.css"})
	if err != nil {
		t.Fatal(err)
	}
	nu := l.Site().Assets()["style.css"]
	if d.All || len(d.Stylesheets) != 1 || d.Stylesheets[old] != nu || old == nu {
		t.Errorf("delta = %+v, want %s → %s", d, old, nu)
	}
	b, err := l.Site().ReadOutput(strings.TrimPrefix(nu, "/"))
	if err != nil || string(b) != "body{color:blue}" {
		t.Errorf("new stylesheet = %q, %v", b, err)
	}
}

package build

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestThemeOverrides(t *testing.T) {
	site := `
-- compass.yaml --
-- content/_index.md --
# Home
-- layouts/partials/footer.html --
<footer class="mine">Our own footer</footer>
-- layouts/assets/style.css --
body { color: red; }
-- mytheme/layouts/partials/breadcrumbs.html --
<p class="theme-crumbs">from the theme folder</p>
-- mytheme/layouts/partials/footer.html --
<footer>the theme folder loses to layouts/</footer>
-- mytheme/assets/extra.js --
console.log("extra");
`
	out, res, err := buildSite(t, site, Options{Theme: "mytheme"})
	if err != nil {
		t.Fatalf("build: %v\n%s", err, problemsText(res, err))
	}
	home := readOut(t, out, "index.html")
	if !strings.Contains(home, `<footer class="mine">Our own footer</footer>`) {
		t.Error("layouts/partials/footer.html did not replace the footer")
	}
	if !strings.Contains(home, `<p class="theme-crumbs">`) {
		t.Error("the theme folder's breadcrumbs partial was not used")
	}
	m := regexp.MustCompile(`href="/assets/(style\.[0-9a-f]{8}\.css)"`).FindStringSubmatch(home)
	if m == nil {
		t.Fatal("no hashed stylesheet link")
	}
	if got := readOut(t, out, "assets/"+m[1]); got != "body { color: red; }\n" {
		t.Errorf("stylesheet = %q, want the site's own", got)
	}
	matches, _ := filepath.Glob(filepath.Join(out, "assets", "extra.*.js"))
	if len(matches) != 1 {
		t.Errorf("extra asset of the theme folder: %v", matches)
	}
}

func TestThemeErrors(t *testing.T) {
	t.Run("missing theme folder", func(t *testing.T) {
		_, _, err := buildSite(t, "-- content/_index.md --\n# Home\n", Options{Theme: "nope"})
		if err == nil || !strings.Contains(err.Error(), "theme folder") {
			t.Errorf("err = %v, want a theme folder error", err)
		}
	})
	t.Run("broken override", func(t *testing.T) {
		_, _, err := buildSite(t, "-- content/_index.md --\n# Home\n-- layouts/partials/footer.html --\n{{if}}\n", Options{})
		if err == nil || !strings.Contains(err.Error(), "footer.html") {
			t.Errorf("err = %v, want a template parse error naming the file", err)
		}
	})
	t.Run("no content", func(t *testing.T) {
		_, _, err := buildSite(t, "-- README.md --\nhi\n", Options{})
		if err == nil || !strings.Contains(err.Error(), "does not exist; run compass in the site root") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestStaleFilesRemoved(t *testing.T) {
	src := writeSite(t, "-- content/_index.md --\n# Home\n-- content/old.md --\n# Old\n")
	out := filepath.Join(t.TempDir(), "public")
	if _, err := Build(t.Context(), Options{Source: src, Out: out}); err != nil {
		t.Fatal(err)
	}
	readOut(t, out, "old/index.html")
	if err := os.Remove(filepath.Join(src, "content", "old.md")); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(t.Context(), Options{Source: src, Out: out}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "old", "index.html")); !os.IsNotExist(err) {
		t.Errorf("the deleted page's output is still there (err %v)", err)
	}

	// A folder that was not written by compass keeps its files, however
	// often compass builds into it.
	other := t.TempDir()
	keep := filepath.Join(other, "keep.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := Build(t.Context(), Options{Source: src, Out: other}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a file in a non-compass output folder was removed: %v", err)
	}
}

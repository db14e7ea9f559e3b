package build

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestDeployFiles(t *testing.T) {
	files := map[string]string{
		"content/_index.md":       "---\ntitle: Home\n---\n[a](a.md)\n",
		"content/a.md":            "---\ntitle: A\naliases: [/old/a/, /older.html]\n---\nText.\n",
		"content/guides/b.md":     "---\ntitle: B\naliases: [/b/]\n---\n",
		"content/guides/draft.md": "---\ntitle: D\ndraft: true\n---\n",
	}
	updated := map[string]time.Time{"content/a.md": time.Date(2026, 3, 4, 23, 30, 0, 0, time.FixedZone("x", -3600))}
	tests := []struct {
		name      string
		baseURL   string
		sitemap   string // "" means no sitemap.xml
		robots    string
		redirects string
	}{
		{
			name:    "absolute base URL with a path",
			baseURL: "https://hb.example/docs/",
			sitemap: `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url>
    <loc>https://hb.example/docs/</loc>
  </url>
  <url>
    <loc>https://hb.example/docs/a/</loc>
    <lastmod>2026-03-05</lastmod>
  </url>
  <url>
    <loc>https://hb.example/docs/changes/</loc>
  </url>
  <url>
    <loc>https://hb.example/docs/guides/</loc>
  </url>
  <url>
    <loc>https://hb.example/docs/guides/b/</loc>
  </url>
</urlset>
`,
			robots: "User-agent: *\nAllow: /\n\nSitemap: https://hb.example/docs/sitemap.xml\n",
			redirects: "# Written by compass build: one line per page alias.\n" +
				"/docs/b/ /docs/guides/b/ 301!\n/docs/old/a/ /docs/a/ 301!\n/docs/older.html /docs/a/ 301!\n",
		},
		{
			name:   "no base URL: no sitemap",
			robots: "User-agent: *\nAllow: /\n",
			redirects: "# Written by compass build: one line per page alias.\n" +
				"/b/ /guides/b/ 301!\n/old/a/ /a/ 301!\n/older.html /a/ 301!\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range files {
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out := filepath.Join(dir, "public")
			if _, err := Build(context.Background(), Options{Source: dir, Out: out, BaseURL: tt.baseURL, LastUpdated: updated}); err != nil {
				t.Fatal(err)
			}
			read := func(name string) (string, bool) {
				b, err := os.ReadFile(filepath.Join(out, name))
				return string(b), err == nil
			}
			got, ok := read("sitemap.xml")
			switch {
			case tt.sitemap == "" && ok:
				t.Errorf("sitemap.xml written without an absolute base URL:\n%s", got)
			case tt.sitemap != "" && got != tt.sitemap:
				t.Errorf("sitemap.xml:\n%s\nwant:\n%s", got, tt.sitemap)
			}
			if got, _ := read("robots.txt"); got != tt.robots {
				t.Errorf("robots.txt = %q, want %q", got, tt.robots)
			}
			if got, _ := read("_redirects"); got != tt.redirects {
				t.Errorf("_redirects = %q, want %q", got, tt.redirects)
			}
		})
	}
}

func TestEditURL(t *testing.T) {
	tests := []struct {
		name, repo, branch, want string
	}{
		{"github home", "https://github.com/org/handbook", "", "https://github.com/org/handbook/edit/main/content/a.md"},
		{"github branch", "https://github.com/org/handbook/", "trunk", "https://github.com/org/handbook/edit/trunk/content/a.md"},
		{"explicit prefix", "https://gitlab.com/org/handbook/-/edit/main", "", "https://gitlab.com/org/handbook/-/edit/main/content/a.md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := editURL(tt.repo, tt.branch, "content/a.md"); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

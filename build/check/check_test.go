package check

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/build"
	"github.com/compasshq/compass/internal/testutil"
	"go.yaml.in/yaml/v3"
	"golang.org/x/tools/txtar"
)

// linkServer answers the external-link fixtures: /ok 200, /missing 404,
// /nohead refuses HEAD but serves GET, /busy 429.
func linkServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
		case "/nohead":
			if r.Method == http.MethodHead {
				w.WriteHeader(http.StatusMethodNotAllowed)
			}
		case "/busy":
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// loadFixture writes a txtar site into a temporary folder and returns the
// options its header asks for ("now:", "warn-days:", "external:",
// "config:" to read compass.yaml's check block).
func loadFixture(t *testing.T, file, server string) (string, Options) {
	t.Helper()
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range ar.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		data := bytes.ReplaceAll(f.Data, []byte("SERVER"), []byte(server))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts := Options{Build: build.Options{Source: dir, Now: time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)}}
	for _, l := range strings.Split(string(ar.Comment), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "now":
			d, err := time.Parse(time.DateOnly, v)
			if err != nil {
				t.Fatal(err)
			}
			opts.Build.Now = d.Add(12 * time.Hour)
		case "warn-days":
			opts.WarnDays, _ = strconv.Atoi(v)
		case "external":
			opts.External = v == "true"
			opts.HTTP = ExternalOptions{Timeout: 30 * time.Second, Concurrency: 4}
		case "config":
			b, err := os.ReadFile(filepath.Join(dir, "compass.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var c struct {
				Check struct {
					Rules  map[string]string `yaml:"rules"`
					Ignore []string          `yaml:"ignore"`
				} `yaml:"check"`
			}
			if err := yaml.Unmarshal(b, &c); err != nil {
				t.Fatal(err)
			}
			opts.Config = Config{Rules: c.Check.Rules, Ignore: c.Check.Ignore}
		}
	}
	return dir, opts
}

// TestRules runs every fixture in testdata/rules: a "<rule>-fail" site must
// produce that rule and a "<rule>-pass" site must not; each format's whole
// output must match its golden file.
func TestRules(t *testing.T) {
	files, err := filepath.Glob("testdata/rules/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	srv := linkServer(t)
	covered := map[string]map[string]bool{}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			_, opts := loadFixture(t, file, srv.URL)
			rep, err := Run(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			rule, kind, _ := cutLast(name, "-")
			if kind == "fail" || kind == "pass" {
				if covered[rule] == nil {
					covered[rule] = map[string]bool{}
				}
				covered[rule][kind] = true
				n := 0
				for _, f := range rep.Findings {
					if f.Rule == rule {
						n++
					}
				}
				if kind == "fail" && n == 0 {
					t.Errorf("no %s finding in the failing fixture; got %v", rule, rep.Findings)
				}
				if kind == "pass" && n > 0 {
					t.Errorf("%d %s finding(s) in the passing fixture: %v", n, rule, rep.Findings)
				}
			}
			for _, f := range []struct {
				format Format
				ext    string
			}{{Human, "txt"}, {JSON, "json"}, {GitHub, "github"}} {
				var buf bytes.Buffer
				if err := Write(&buf, f.format, rep, false); err != nil {
					t.Fatal(err)
				}
				got := strings.ReplaceAll(buf.String(), srv.URL, "SERVER")
				golden(t, filepath.Join("testdata", "golden", name+"."+f.ext), got)
			}
		})
	}
	for _, r := range Rules {
		if !covered[r.ID]["fail"] || !covered[r.ID]["pass"] {
			t.Errorf("rule %s lacks a failing or a passing fixture in testdata/rules", r.ID)
		}
	}
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	testutil.Golden(t, path, []byte(got))
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown rule", Config{Rules: map[string]string{"no-such": "off"}}, `rules: "no-such" is not a rule`},
		{"bad severity", Config{Rules: map[string]string{"orphan-page": "loud"}}, `severity "loud" is not one of off, warning, error`},
		{"bad glob", Config{Ignore: []string{"content/[x"}}, `ignore: "content/[x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), Options{Build: build.Options{Source: t.TempDir()}, Config: tt.cfg})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestGlobs(t *testing.T) {
	tests := []struct {
		name, pattern, file string
		want                bool
	}{
		{"double star any depth", "content/archive/**", "content/archive/2020/old.md", true},
		{"double star the folder itself", "content/archive/**", "content/archive/x.md", true},
		{"other folder", "content/archive/**", "content/policies/x.md", false},
		{"star one segment", "content/*/draft-*.md", "content/guides/draft-1.md", true},
		{"star does not cross folders", "content/*.md", "content/guides/a.md", false},
		{"middle double star", "content/**/wip.md", "content/a/b/wip.md", true},
		{"leading dot slash", "./content/x.md", "content/x.md", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := compileGlobs([]string{tt.pattern})
			if err != nil {
				t.Fatal(err)
			}
			if got := g.match(tt.file); got != tt.want {
				t.Errorf("match(%q, %q) = %v, want %v", tt.pattern, tt.file, got, tt.want)
			}
		})
	}
}

func TestGitHubEscaping(t *testing.T) {
	rep := &Report{Findings: []Finding{
		{File: "content/a,b:c.md", Line: 3, Col: 1, Severity: Error, Rule: "broken-link", Message: "100% broken\r\nnext: line, really"},
		{File: "content/x.md", Severity: Warning, Rule: "orphan-page", Message: "whole file"},
	}}
	var buf bytes.Buffer
	if err := Write(&buf, GitHub, rep, false); err != nil {
		t.Fatal(err)
	}
	want := "::error file=content/a%2Cb%3Ac.md,line=3,col=1,title=broken-link::100%25 broken%0D%0Anext: line, really [broken-link]\n" +
		"::warning file=content/x.md,title=orphan-page::whole file [orphan-page]\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestHumanColor(t *testing.T) {
	rep := &Report{Checked: 1, Full: true, Findings: []Finding{{File: "content/a.md", Line: 1, Col: 2, Severity: Error, Rule: "broken-link", Message: "m"}}}
	var plain, colored bytes.Buffer
	if err := Write(&plain, Human, rep, false); err != nil {
		t.Fatal(err)
	}
	if err := Write(&colored, Human, rep, true); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b[") {
		t.Errorf("plain output has escape codes: %q", &plain)
	}
	if !strings.Contains(colored.String(), ansiRed+"error"+ansiReset) {
		t.Errorf("coloured output does not paint the severity: %q", &colored)
	}
}

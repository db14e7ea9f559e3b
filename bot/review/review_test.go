package review

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/build"
	"github.com/compasshq/compass/build/check"
	"github.com/compasshq/compass/internal/testutil"
)

// recorded reads a recorded incident: what the store and the thread held
// when someone pressed Draft review.
func recorded(t *testing.T, name string) Input {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var in Input
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return in
}

func TestWriteGolden(t *testing.T) {
	d, err := Write(recorded(t, "disk"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "content/reviews/2026-10-14-nodefilesystemalmostoutofspace-prod-eu-1.md"; d.Path != want {
		t.Errorf("path %q, want %q", d.Path, want)
	}
	testutil.Golden(t, filepath.Join("testdata", "disk.md"), d.Markdown)
}

func TestWrite(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	resolved := func(mod func(*bot.Incident)) Input {
		inc := &bot.Incident{Key: "pagerduty/P1", Generation: 1, Source: "pagerduty", Status: bot.StatusResolved,
			Title: "API down", OpenedAt: at, ResolvedAt: at.Add(2*time.Hour + 29*time.Second)}
		if mod != nil {
			mod(inc)
		}
		return Input{Incident: inc}
	}
	tests := []struct {
		name   string
		in     Input
		err    error
		path   string
		branch string
		fm     []string // lines the front matter must have
	}{
		{name: "open incident", in: resolved(func(i *bot.Incident) { i.Status = bot.StatusAcknowledged; i.ResolvedAt = time.Time{} }), err: ErrNotResolved},
		{name: "no incident", in: Input{}, err: ErrNotResolved},
		{name: "whole hours, no severity", in: resolved(nil), path: "content/reviews/2026-03-01-api-down.md",
			branch: "compass/review-2026-03-01-", fm: []string{"duration: 2h", `incident: "pagerduty/P1"`, `description: "Incident from pagerduty, resolved after 2h."`}},
		{name: "title without letters", in: resolved(func(i *bot.Incident) { i.Title = "!!!" }), path: "content/reviews/2026-03-01-incident.md"},
		{name: "long title cut at a word", in: resolved(func(i *bot.Incident) {
			i.Title = "The quick brown fox jumps over the lazy dog and keeps on running far away"
		}), path: "content/reviews/2026-03-01-the-quick-brown-fox-jumps-over-the-lazy-dog-and-keeps-on.md"},
		{name: "correlated sources", in: resolved(func(i *bot.Incident) {
			i.Source = "alertmanager"
			i.Members = []bot.Member{{Key: "alertmanager/x", Source: "alertmanager"}, {Key: "pagerduty/P1", Source: "pagerduty", Title: "Page", OpenedAt: at.Add(time.Minute)}}
		}), fm: []string{"sources:\n  - \"alertmanager\"\n  - \"pagerduty\"", "- **10:01** pagerduty joined: Page"}},
		{name: "severity and minutes", in: resolved(func(i *bot.Incident) {
			i.Severity = bot.SeverityWarning
			i.ResolvedAt = at.Add(45*time.Minute + 31*time.Second)
		}), fm: []string{`severity: "warning"`, "duration: 46m", "resolved: 2026-03-01T10:45:31Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Write(tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if tt.path != "" && d.Path != tt.path {
				t.Errorf("path %q, want %q", d.Path, tt.path)
			}
			if !strings.HasPrefix(d.Branch, tt.branch) {
				t.Errorf("branch %q, want it to start with %q", d.Branch, tt.branch)
			}
			for _, l := range tt.fm {
				if !strings.Contains(string(d.Markdown), "\n"+l+"\n") {
					t.Errorf("front matter lacks %q:\n%s", l, d.Markdown)
				}
			}
		})
	}
}

// TestBranchIsPerIncident pins what keeps a repeated click from opening a
// second pull request: the branch depends on the incident generation only.
func TestBranchIsPerIncident(t *testing.T) {
	in := recorded(t, "disk")
	a, _ := Write(in)
	in.Notes = nil
	in.Incident.Title = "renamed"
	b, _ := Write(in)
	in.Incident.Generation = 2
	c, _ := Write(in)
	if a.Branch != b.Branch || a.Branch == c.Branch {
		t.Errorf("branches %q %q %q: want the first two equal, the next generation's different", a.Branch, b.Branch, c.Branch)
	}
}

func TestEscape(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain text, 99% done.", "plain text, 99% done."},
		{"*bold* _em_ `code` [x](y) <b> &amp; ![i](j) a|b ~~s~~ \\", `\*bold\* \_em\_ \` + "`" + `code\` + "`" + ` \[x\](y) \<b\> \&amp; \!\[i\](j) a\|b \~\~s\~\~ \\`},
		{"two\nlines\t here", "two lines here"},
		{"ééééé", "éé…"},
	} {
		if got := escape(tt.in, 5*2); tt.in != "ééééé" && len(tt.in) <= 10 && got != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := escape(tt.in, 200); tt.in != "ééééé" && got != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if tt.in == "ééééé" {
			if got := escape(tt.in, 5); got != tt.want {
				t.Errorf("escape(%q, 5) = %q, want %q", tt.in, got, tt.want)
			}
		}
	}
}

// TestDraftPassesCheck adds the recorded incident's draft to the example
// handbook and runs compass check on it: no errors, and the only warnings
// are the TODOs people fill in.
func TestDraftPassesCheck(t *testing.T) {
	d, err := Write(recorded(t, "disk"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.CopyFS(filepath.Join(root, "content"), os.DirFS(filepath.Join(testutil.RepoRoot(), "content"))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(d.Path)), d.Markdown, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := check.Run(context.Background(), check.Options{Build: build.Options{Source: root}})
	if err != nil {
		t.Fatal(err)
	}
	todos := 0
	for _, f := range rep.Findings {
		if f.File == d.Path && f.Rule == "todo" {
			todos++
			continue
		}
		t.Errorf("%s: %s [%s]", f.Pos(), f.Message, f.Rule)
	}
	if todos != 4 {
		t.Errorf("%d todo warnings in the draft, want one per heading to fill (4)", todos)
	}
}

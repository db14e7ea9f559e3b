package build

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/internal/testutil"
	"golang.org/x/tools/txtar"
)

var assetHash = regexp.MustCompile(`\.[0-9a-f]{8}\.(css|js|svg)`)

// writeSite unpacks a txtar archive of a whole little site into a temp dir.
func writeSite(tb testing.TB, archive string) string {
	tb.Helper()
	dir := tb.TempDir()
	for _, f := range txtar.Parse([]byte(archive)).Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// buildSite builds the archive and returns the output folder and the error
// (with warnings printed the way the CLI prints them, one per line).
func buildSite(tb testing.TB, archive string, opts Options) (string, *Result, error) {
	tb.Helper()
	opts.Source = writeSite(tb, archive)
	opts.Out = filepath.Join(tb.TempDir(), "public")
	if opts.Now.IsZero() {
		opts.Now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	}
	res, err := Build(context.Background(), opts)
	return opts.Out, res, err
}

func readOut(tb testing.TB, out, rel string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(rel)))
	if err != nil {
		tb.Fatalf("want %s in the output: %v", rel, err)
	}
	return string(b)
}

func problemsText(res *Result, err error) string {
	var lines []string
	if res != nil {
		for _, w := range res.Warnings {
			lines = append(lines, w.String())
		}
	}
	var ce ContentErrors
	if errors.As(err, &ce) {
		for _, e := range ce {
			lines = append(lines, e.Error())
		}
	}
	return strings.Join(lines, "\n")
}

const smallSite = `
-- compass.yaml --
title: Test
-- content/_index.md --
---
title: Home
---
Welcome. See [on-call](policies/oncall.md#escalation) and [SRE](teams/sre.md).
-- content/policies/_index.md --
---
title: Our policies
weight: 1
---
Rules we keep.
-- content/policies/oncall.md --
---
title: On-call
kind: policy
owner: sre
tags: [oncall, incidents]
effective: 2026-01-01
applies_to: [sre]
aliases: [/old/oncall/]
review_by: 2026-01-01
---
# On-call

## Escalation

Call the [lead](../teams/sre.md#people).

### Paging

Details.
-- content/policies/change.md --
---
title: Change management
kind: policy
weight: 2
tags: [change]
---
Text.
-- content/teams/sre.md --
---
title: Site reliability
kind: charter
team: sre
mission: Keep it up.
people:
  - {id: ana, name: Ana, roles: [Lead], skills: {go: 4}}
  - {id: ben, name: Ben}
roles: [{name: Lead, description: Leads.}]
oncall:
  members: [ana, ben]
  start: 2026-01-05
  handoff: {day: monday, time: "10:00"}
  timezone: Europe/Berlin
---
## People

Ana and Ben.
-- content/meetings/standup.md --
---
title: Standup
kind: meeting
owner: sre
cadence: {every: daily, days: [tuesday, wednesday], time: "09:30", timezone: UTC}
duration: 15m
attendees: [sre, anyone interested]
agenda: [Yesterday, Today, Blockers]
---
Short.
-- content/runbooks/disk.md --
---
title: Disk filling up
kind: runbook
owner: sre
alerts: [NodeFilesystem*]
services: [nodes]
severity: warning
---
## Check

Look.
-- static/robots.txt --
User-agent: *
`

func TestBuildSmallSite(t *testing.T) {
	out, res, err := buildSite(t, smallSite, Options{Title: "Test"})
	if err != nil {
		t.Fatalf("build: %v\n%s", err, problemsText(res, err))
	}
	if got := problemsText(res, nil); got != "" {
		t.Errorf("unexpected warnings:\n%s", got)
	}
	if res.Pages != 7 {
		t.Errorf("pages = %d, want 7", res.Pages)
	}
	for _, f := range []string{
		"index.html", "policies/index.html", "policies/oncall/index.html", "teams/sre/index.html",
		"teams/index.html", "meetings/index.html", "runbooks/index.html", "tags/index.html",
		"tags/oncall/index.html", "old/oncall/index.html", "404.html", "search/index.html",
		"compass.json", "robots.txt",
	} {
		readOut(t, out, f)
	}
	home := readOut(t, out, "index.html")
	for _, want := range []string{
		`href="/policies/oncall/#escalation"`, `href="/teams/sre/"`,
		`<form role="search"`, `id="search-results" hidden`,
	} {
		if !strings.Contains(home, want) {
			t.Errorf("home page lacks %s", want)
		}
	}
	oncall := readOut(t, out, "policies/oncall/index.html")
	for _, want := range []string{
		`href="/teams/sre/#people"`, // relative .md link with anchor, rewritten
		`aria-current="page">On-call</a>`,
		`class="notice notice-overdue"`, // review_by 2026-01-01 is before "now"
		`<a href="/teams/sre/">Site reliability</a>`,
		`href="#escalation"`, // table of contents
	} {
		if !strings.Contains(oncall, want) {
			t.Errorf("on-call page lacks %s", want)
		}
	}
	if strings.Contains(oncall, "style=") || strings.Contains(oncall, "<script>") {
		t.Error("page has an inline style or script, which a strict CSP blocks")
	}
	redirect := readOut(t, out, "old/oncall/index.html")
	if !strings.Contains(redirect, `<link rel="canonical" href="/policies/oncall/">`) ||
		!strings.Contains(redirect, `content="0; url=/policies/oncall/"`) {
		t.Errorf("redirect page:\n%s", redirect)
	}
	meeting := readOut(t, out, "meetings/standup/index.html")
	for _, want := range []string{`<ol class="agenda">`, "Daily on Tuesday and Wednesday at 09:30 UTC", "15 minutes"} {
		if !strings.Contains(meeting, want) {
			t.Errorf("meeting page lacks %q", want)
		}
	}
	if !strings.Contains(readOut(t, out, "runbooks/disk/index.html"), "<code>NodeFilesystem*</code>") {
		t.Error("runbook page does not show its alerts")
	}
	charter := readOut(t, out, "teams/sre/index.html")
	for _, want := range []string{"Keep it up.", `<table class="skills">`, "Weekly shifts, handing off on Mondays at 10:00 (Europe/Berlin)"} {
		if !strings.Contains(charter, want) {
			t.Errorf("charter page lacks %q", want)
		}
	}
	// compass.json is written compact; the golden file is indented to be read.
	var indented bytes.Buffer
	if err := json.Indent(&indented, []byte(readOut(t, out, "compass.json")), "", "  "); err != nil {
		t.Fatalf("compass.json: %v", err)
	}
	golden(t, "small-compass.json", indented.String())
	// Asset names carry content hashes, which change with any edit to the
	// theme's CSS or JS; the golden page pins the markup, not those bytes.
	golden(t, "small-oncall.html", assetHash.ReplaceAllString(oncall, ".HASH.$1"))
}

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name), []byte(got))
}

func TestBuildReportsEveryProblem(t *testing.T) {
	site := `
-- content/_index.md --
---
title: Home
colour: blue
---
[gone](missing.md) and [bad anchor](a.md#nope) and [ok](a.md#real)
-- content/a.md --
---
title: A
kind: policy
weight: heavy
effective: someday
---
## Real
-- content/b.md --
---
kind: meeting
duration: forever
cadence:
  every: fortnightly
---
-- content/c.md --
---
title: [not, a, string]
kind: charter
---
`
	_, res, err := buildSite(t, site, Options{})
	if err == nil {
		t.Fatal("build succeeded, want content errors")
	}
	want := `content/_index.md:3:1: warning: unknown key "colour"
content/b.md:1:1: warning: page has no title: set title in the front matter or start with a # heading; titled from its file name
content/_index.md:5:1: link to "missing.md" matches no page
content/_index.md:5:24: link to "a.md#nope": content/a.md has no heading with id "nope"
content/a.md:4:9: weight: want a whole number, got "heavy"
content/a.md:5:12: effective: want a date like 2025-01-31, got "someday"
content/b.md:3:11: duration: "forever" is not a duration like 30m or 1h30m
content/b.md:5:10: cadence.every: "fortnightly" is not one of weekly, daily, biweekly, monthly
content/c.md:2:1: charter has no team (required): the team id, like team: sre
content/c.md:2:8: title: want a string, got a list`
	if got := problemsText(res, err); got != want {
		t.Errorf("problems:\n%s\nwant:\n%s", got, want)
	}
}

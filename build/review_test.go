package build

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/compasshq/compass/build/handbook"
)

// reviewSite has two runbooks and three incident reviews, one naming its
// runbook by URL and two by path, in no order of time.
const reviewSite = `
-- content/_index.md --
---
title: Home
---
Runbooks: [disk](runbooks/disk.md), [pods](runbooks/pods.md).
-- content/teams/sre.md --
---
title: Site reliability
kind: charter
team: sre
---
We keep it up. [Home](../_index.md)
-- content/runbooks/disk.md --
---
title: Disk full
kind: runbook
alerts: [DiskFull]
---
Delete things.
-- content/runbooks/pods.md --
---
title: Pods crashing
kind: runbook
alerts: [KubePodCrashLooping]
---
Read the logs.
-- content/reviews/old.md --
---
title: Old disk incident
kind: review
owner: sre
incident: alertmanager/sre/1
severity: warning
started: 2026-01-10T09:00:00Z
resolved: 2026-01-10T09:45:00Z
duration: 45m
runbooks: [/runbooks/disk/]
---
Old.
-- content/reviews/new.md --
---
title: New disk and pods incident
kind: review
owner: nobody
incident: pagerduty/P2
severity: critical
started: 2026-03-01T11:00:00+01:00
runbooks: [../runbooks/disk.md, ../runbooks/pods.md, /runbooks/disk/]
---
New.
-- content/reviews/middle.md --
---
title: Middle incident
kind: review
incident: alertmanager/sre/2
started: 2026-02-01T00:00:00Z
---
No runbook.
`

func TestReviews(t *testing.T) {
	out, res, err := buildSite(t, reviewSite, Options{Title: "Reviews"})
	if err != nil {
		t.Fatalf("build: %v\n%s", err, problemsText(res, err))
	}
	golden(t, "views/reviews.html", viewSection(t, readOut(t, out, "reviews/index.html")))

	disk := readOut(t, out, "runbooks/disk/index.html")
	i, j := strings.Index(disk, "Incidents that used this runbook"), strings.Index(disk, "</section>\n</article>")
	if i < 0 || j < i {
		t.Fatalf("the disk runbook does not list its incidents:\n%s", disk)
	}
	got := disk[i:j]
	// Newest first, each once although new.md names disk twice.
	if a, b := strings.Index(got, "/reviews/new/"), strings.Index(got, "/reviews/old/"); a < 0 || b < a || strings.Count(got, "/reviews/new/") != 1 {
		t.Errorf("disk runbook's incidents, want new then old once each:\n%s", got)
	}
	if strings.Contains(readOut(t, out, "runbooks/pods/index.html"), "/reviews/old/") {
		t.Error("the pods runbook lists a review that did not use it")
	}
	if page := readOut(t, out, "reviews/old/index.html"); !strings.Contains(page, `<dd>45 minutes</dd>`) || !strings.Contains(page, `<a href="/runbooks/disk/">Disk full</a>`) {
		t.Errorf("review page lacks its duration or runbook:\n%s", page)
	}

	var m handbook.Map
	if err := json.Unmarshal([]byte(readOut(t, out, "compass.json")), &m); err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, r := range m.Reviews {
		urls = append(urls, r.URL)
	}
	if want := []string{"/reviews/new/", "/reviews/middle/", "/reviews/old/"}; !slices.Equal(urls, want) {
		t.Errorf("compass.json reviews = %v, want newest first %v", urls, want)
	}
	if want := []string{"/runbooks/disk/", "/runbooks/pods/"}; !slices.Equal(m.Reviews[0].Runbooks, want) {
		t.Errorf("new review's runbooks = %v, want %v", m.Reviews[0].Runbooks, want)
	}
}

func TestReviewRunbookProblems(t *testing.T) {
	site := strings.Replace(reviewSite, "runbooks: [/runbooks/disk/]", "runbooks:\n  - /runbooks/gone/\n  - ../teams/sre.md", 1)
	_, res, err := buildSite(t, site, Options{})
	want := "content/reviews/old.md:11:5: runbooks: \"/runbooks/gone/\" matches no page\n" +
		"content/reviews/old.md:12:5: runbooks: \"../teams/sre.md\" is content/teams/sre.md, not a runbook"
	if got := problemsText(res, err); !strings.Contains(got, want) {
		t.Errorf("problems:\n%s\nwant them to include:\n%s", got, want)
	}
}

// TestReviewFrontMatterRoundTrip pins that the front matter the bot writes
// (handbook.IncidentReview.FrontMatter) is what the build reads, with no
// problem, whatever the alert text holds.
func TestReviewFrontMatterRoundTrip(t *testing.T) {
	r := handbook.IncidentReview{
		Title: `Disk "full": 99% on node-1 #2 — é`, Description: "a: b\nc", Owner: "sre",
		Incident: `alertmanager/sre/{}:{alertname="DiskFull"}`, Sources: []string{"alertmanager", "pagerduty"},
		Severity: "critical", Started: "2026-03-01T10:00:00Z", Acknowledged: "2026-03-01T10:05:00Z",
		Resolved: "2026-03-01T11:25:00Z", Duration: "1h25m", Runbooks: []string{"/runbooks/disk/"},
	}
	fm := r.FrontMatter()
	body, ok := strings.CutPrefix(fm, "---\n")
	body, ok2 := strings.CutSuffix(body, "---\n")
	if !ok || !ok2 {
		t.Fatalf("front matter is not between --- lines:\n%s", fm)
	}
	var p problems
	m := decodeFrontMatter("f.md", []byte(body), &p)
	if err := p.err(); err != nil || len(p.warnings) > 0 {
		t.Fatalf("problems %v %v in:\n%s", err, p.warnings, fm)
	}
	got := handbook.IncidentReview{
		Title: m.Title, Description: m.Description, Owner: m.Owner, Incident: m.Review.Incident,
		Sources: m.Review.Sources, Severity: m.Review.Severity, Started: m.Review.Started,
		Acknowledged: m.Review.Acknowledged, Resolved: m.Review.Resolved, Duration: m.Review.Duration,
		Runbooks: m.Review.Runbooks,
	}
	if a, b := toJSON(t, got), toJSON(t, r); a != b || m.Kind != KindReview {
		t.Errorf("decoded %s (kind %q), wrote %s", a, m.Kind, b)
	}
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

package build

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/build/gitinfo"
)

// orgSite is a small organisation: two teams, skills, a rotation, meetings
// of every cadence and pages due for review.
const orgSite = `
-- content/_index.md --
---
title: Home
---
Welcome to the handbook.
-- content/teams/sre.md --
---
title: Site reliability
kind: charter
team: sre
channel: "#sre"
mission: Keep it up.
roles: [{name: Lead}, {name: Scribe}]
people:
  - {id: ana, name: Ana Ferreira, slack: U05A7F3RK2L, roles: [Lead], skills: {go: 4, kubernetes: 5, sql: 2}}
  - {id: ben, name: Ben, slack: "@ben", skills: {go: 2, kubernetes: 3, sql: 5}}
oncall:
  members: [ana, ben]
  start: 2026-01-05
  handoff: {day: monday, time: "10:00"}
  timezone: Europe/Berlin
---
The SRE team.
-- content/teams/dev.md --
---
title: Development
kind: charter
team: dev
channel: "#dev"
mission: Build it.
roles: [{name: Reviewer}]
people:
  - {id: ana, name: Ana Ferreira, roles: [Reviewer]}
  - {id: cy, name: Cy}
---
The dev team.
-- content/meetings/standup.md --
---
title: Standup
kind: meeting
owner: sre
cadence: {every: daily, days: [tuesday, wednesday], time: "09:30", timezone: UTC}
duration: 15m
attendees: [sre]
agenda: [Blockers]
---
Short.
-- content/meetings/planning.md --
---
title: Planning
kind: meeting
owner: sre
cadence: {every: biweekly, days: [monday], time: "09:00", timezone: Europe/Berlin, start: 2026-01-05}
duration: 1h
attendees: [sre, cy]
agenda: [Capacity, Goal]
---
Plan.
-- content/meetings/review.md --
---
title: Monthly review
kind: meeting
owner: dev
cadence: {every: monthly, days: [thursday], time: "16:00", timezone: America/New_York, start: 2026-01-01}
duration: 45m
attendees: [dev]
---
Review.
-- content/policies/oncall.md --
---
title: On-call
kind: policy
owner: sre
review_by: 2026-05-01
---
Overdue.
-- content/policies/leave.md --
---
title: Leave
kind: policy
owner: dev
review_by: 2026-06-20
---
Due soon.
-- content/policies/later.md --
---
title: Later
kind: policy
owner: dev
review_by: 2027-01-01
---
Not due.
`

// viewSection returns a page's generated view markup, what the golden
// files pin: the rest of the page is the theme's and tested elsewhere.
func viewSection(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `<section class="view `)
	j := strings.LastIndex(page, "</section>")
	if i < 0 || j < i {
		t.Fatalf("page has no view section:\n%s", page)
	}
	return page[i:j+len("</section>")] + "\n"
}

func TestOrgViews(t *testing.T) {
	out, res, err := buildSite(t, orgSite, Options{Title: "Org", SlackWorkspace: "https://lattice.slack.com"})
	if err != nil {
		t.Fatalf("build: %v\n%s", err, problemsText(res, err))
	}
	for _, tt := range []struct{ file, golden string }{
		{"people/index.html", "views/people.html"},
		{"people/ana/index.html", "views/person-ana.html"},
		{"meetings/week/index.html", "views/week.html"},
		{"oncall/index.html", "views/oncall.html"},
		{"review/index.html", "views/review.html"},
		{"changes/index.html", "views/changes-no-history.html"},
		{"index.html", "views/home.html"},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			golden(t, tt.golden, viewSection(t, readOut(t, out, tt.file)))
		})
	}
	charter := readOut(t, out, "teams/sre/index.html")
	for _, want := range []string{`<svg class="radar"`, `<a class="slack-user" href="https://lattice.slack.com/team/U05A7F3RK2L">@Ana Ferreira</a>`, `<span class="slack-user">@ben</span>`} {
		if !strings.Contains(charter, want) {
			t.Errorf("charter lacks %s", want)
		}
	}
	for _, f := range []string{"calendar/meetings.ics", "calendar/sre.ics", "calendar/dev.ics", "meetings/planning/calendar.ics"} {
		if ics := readOut(t, out, f); !strings.HasPrefix(ics, "BEGIN:VCALENDAR\r\n") {
			t.Errorf("%s is not a calendar:\n%s", f, ics)
		}
	}
	if planning := readOut(t, out, "meetings/planning/index.html"); !strings.Contains(planning, `href="/meetings/planning/calendar.ics"`) {
		t.Error("meeting page does not link its calendar")
	}
	if !strings.Contains(readOut(t, out, "compass.json"), `"next":"2026-06-08T09:00:00+02:00"`) {
		t.Error("compass.json lacks planning's next occurrence (Monday 8 June, 09:00 Berlin)")
	}
	if strings.Contains(charter, ">U05A7F3RK2L<") {
		t.Error("charter shows a raw Slack member id")
	}
}

func TestChangesView(t *testing.T) {
	at := func(s string) time.Time { t.Helper(); x, _ := time.Parse(time.RFC3339, s); return x }
	hist := &gitinfo.History{Commits: []gitinfo.Commit{
		{Hash: "c3c3c3c3c3c3c3c3", Author: "Ana", Time: at("2026-05-28T09:00:00Z"), Subject: "Rename leave & add planning <notes>", Files: []gitinfo.FileChange{
			{Kind: gitinfo.KindRenamed, Path: "content/policies/leave.md", OldPath: "content/policies/holidays.md"},
			{Kind: gitinfo.KindAdded, Path: "content/meetings/planning.md"},
		}},
		{Hash: "b2b2b2b2b2b2b2b2", Author: "Ben", Time: at("2026-05-26T09:00:00Z"), Subject: "Drop the old page", Files: []gitinfo.FileChange{
			{Kind: gitinfo.KindRemoved, Path: "content/policies/old.md"},
		}},
		{Hash: "a1a1a1a1a1a1a1a1", Author: "Cy", Time: at("2026-05-20T09:00:00Z"), Subject: "Edit on-call", Files: []gitinfo.FileChange{
			{Kind: gitinfo.KindChanged, Path: "content/policies/oncall.md"},
		}},
		{Hash: "0000000000000000", Author: "Old", Time: at("2025-01-01T09:00:00Z"), Subject: "Too old to show"},
	}}
	out, res, err := buildSite(t, orgSite, Options{Title: "Org", BaseURL: "https://hb.example/", History: hist})
	if err != nil {
		t.Fatalf("build: %v\n%s", err, problemsText(res, err))
	}
	golden(t, "views/changes.html", viewSection(t, readOut(t, out, "changes/index.html")))

	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		ID      string   `xml:"id"`
		Title   string   `xml:"title"`
		Updated string   `xml:"updated"`
		Links   []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Entries []struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Updated string `xml:"updated"`
			Author  string `xml:"author>name"`
			Link    struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	atom := readOut(t, out, "changes/atom.xml")
	if err := xml.Unmarshal([]byte(atom), &feed); err != nil {
		t.Fatalf("atom feed is not well-formed XML: %v\n%s", err, atom)
	}
	if feed.ID != "https://hb.example/changes/" || feed.Title == "" || feed.Updated != "2026-05-28T09:00:00Z" {
		t.Errorf("feed id/title/updated = %q %q %q", feed.ID, feed.Title, feed.Updated)
	}
	if len(feed.Links) != 2 || feed.Links[0].Rel != "self" || feed.Links[0].Href != "https://hb.example/changes/atom.xml" {
		t.Errorf("feed links = %+v", feed.Links)
	}
	if len(feed.Entries) != 3 {
		t.Fatalf("%d entries, want 3 (the 2025 commit is older than the page's weeks)", len(feed.Entries))
	}
	e := feed.Entries[0]
	if e.ID != "https://hb.example/changes/#c-c3c3c3c3c3c3" || e.Title != "Rename leave & add planning <notes>" || e.Updated != "2026-05-28T09:00:00Z" || e.Author != "Ana" {
		t.Errorf("first entry = %+v", e)
	}
}

func TestViewsAreSearchable(t *testing.T) {
	s, err := Load(context.Background(), Options{Source: writeSite(t, orgSite), Now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/people/":        "Ana Ferreira, Development (Reviewer), Site reliability (Lead).",
		"/people/ana/":    "Lead on Site reliability.",
		"/meetings/week/": "Planning on Monday at 09:00–10:00 Europe/Berlin.",
		"/oncall/":        "Site reliability on call rotation: Ben is on call.",
		"/review/":        "On-call (Site reliability) review due 2026-05-01.",
	}
	for _, d := range s.SearchDocuments() {
		if w, ok := want[d.URL]; ok {
			if !strings.Contains(d.Text, w) {
				t.Errorf("%s search text %q lacks %q", d.URL, d.Text, w)
			}
			delete(want, d.URL)
		}
	}
	for u := range want {
		t.Errorf("no search document for %s", u)
	}
}

// A biweekly meeting without cadence.start still builds, with a warning at
// its cadence, and is listed as not on the grid.
func TestBiweeklyWithoutStart(t *testing.T) {
	site := `
-- content/_index.md --
---
title: Home
---
Hi.
-- content/retro.md --
---
title: Retro
kind: meeting
cadence:
  every: biweekly
  days: [friday]
  time: "09:45"
---
Look back.
`
	out, res, err := buildSite(t, site, Options{})
	if err != nil {
		t.Fatalf("build: %v\n%s", err, problemsText(res, err))
	}
	want := "content/retro.md:5:3: warning: cadence: a biweekly or monthly cadence needs start (YYYY-MM-DD) to know its weeks; the meeting week and calendar leave this meeting out"
	if got := problemsText(res, nil); got != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
	}
	if week := readOut(t, out, "meetings/week/index.html"); !strings.Contains(week, `<h2 id="unplaced">Not on the grid</h2>`) || !strings.Contains(week, `href="/retro/">Retro</a>`) {
		t.Error("the meeting week does not list the unplaced meeting")
	}
}

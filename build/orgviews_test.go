package build

import (
	"strings"
	"testing"
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
	if !strings.Contains(readOut(t, out, "compass.json"), `"next": "2026-06-08T09:00:00+02:00"`) {
		t.Error("compass.json lacks planning's next occurrence (Monday 8 June, 09:00 Berlin)")
	}
	if strings.Contains(charter, ">U05A7F3RK2L<") {
		t.Error("charter shows a raw Slack member id")
	}
}

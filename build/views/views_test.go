package views

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/internal/testutil"
)

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name), []byte(got))
}

var sre = handbook.Team{
	ID: "sre", Name: "SRE & friends", URL: "/teams/sre/",
	Roles: []handbook.Role{{Name: "Lead"}, {Name: "Scribe"}, {Name: "On-call"}},
	People: []handbook.Person{
		{ID: "ana", Name: "Ana", Slack: "U05A7F3RK2L", Roles: []string{"Lead", "on-call"}, Skills: map[string]int{"go": 4, "k8s": 5, "sql": 2}},
		{ID: "ben", Name: "Ben <b>", Slack: "@ben", Skills: map[string]int{"go": 2, "networking": 4}},
		{ID: "cy", Name: "Cy"},
	},
}

func TestRadarSVG(t *testing.T) {
	r := TeamRadar(sre)
	if r == nil {
		t.Fatal("no chart for a team with skills")
	}
	if got, want := r.Series[len(r.Series)-1].Values, []int{4, 5, 4, 2}; !slices.Equal(got, want) {
		t.Errorf("coverage = %v, want %v (max per axis go, k8s, networking, sql)", got, want)
	}
	if len(r.Series) != 3 {
		t.Errorf("series = %d, want 3 (Cy lists no skills)", len(r.Series))
	}
	golden(t, "radar.svg", string(r.SVG()))
	if TeamRadar(handbook.Team{People: []handbook.Person{{ID: "x"}}}) != nil {
		t.Error("a team without skills got a chart")
	}
}

func TestSlackOf(t *testing.T) {
	tests := []struct {
		name      string
		p         handbook.Person
		workspace string
		want      Slack
	}{
		{"member id shows the name", handbook.Person{Name: "Ana", Slack: "U05A7F3RK2L"}, "", Slack{Label: "@Ana"}},
		{"member id links with a workspace", handbook.Person{Name: "Ana", Slack: "U05A7F3RK2L"}, "https://x.slack.com/", Slack{Label: "@Ana", URL: "https://x.slack.com/team/U05A7F3RK2L"}},
		{"handle stays a handle", handbook.Person{Name: "Ben", Slack: "@ben"}, "https://x.slack.com", Slack{Label: "@ben"}},
		{"bare handle gets an @", handbook.Person{Name: "Ben", Slack: "ben.b"}, "", Slack{Label: "@ben.b"}},
		{"no account", handbook.Person{Name: "Cy"}, "", Slack{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SlackOf(tt.p, tt.workspace); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPeople(t *testing.T) {
	dev := handbook.Team{ID: "dev", Name: "Dev", URL: "/teams/dev/", People: []handbook.Person{{ID: "ana", Name: "Ana", Roles: []string{"Reviewer"}}}}
	m := &handbook.Map{Teams: []handbook.Team{dev, sre}}
	m.People = Members(m.Teams)
	v := NewPeople(m)
	if got := v.Teams[1].Unfilled; len(got) != 1 || got[0] != "Scribe" {
		t.Errorf("sre unfilled = %v, want [Scribe] (roles match case-insensitively)", got)
	}
	if v.Teams[1].Headcount != 3 {
		t.Errorf("sre headcount = %d, want 3", v.Teams[1].Headcount)
	}
	ana := v.Rows[0]
	if ana.ID != "ana" || ana.Hats != 3 || !ana.Cells[0].On || !ana.Cells[1].On {
		t.Errorf("ana's row = %+v, want 3 hats on both teams", ana)
	}
	if cy := v.Rows[2]; cy.Cells[0].On || !cy.Cells[1].On || cy.Hats != 0 {
		t.Errorf("cy's row = %+v, want on sre only, no hats", cy)
	}
}

func TestIterationStart(t *testing.T) {
	planning := handbook.Meeting{Title: "Planning", Cadence: handbook.Cadence{Every: "biweekly", Days: []string{"monday"}, Time: "09:00", Start: "2026-01-05"}}
	weekly := handbook.Meeting{Title: "Sync", Cadence: handbook.Cadence{Every: "weekly", Days: []string{"wednesday"}, Time: "09:00"}}
	tests := []struct {
		name      string
		meetings  []handbook.Meeting
		now       string
		wantStart string
		wantWeeks int
	}{
		{"in week 1", []handbook.Meeting{planning}, "2026-01-07T12:00:00Z", "2026-01-05", 2},
		{"in week 2", []handbook.Meeting{planning}, "2026-01-18T23:00:00Z", "2026-01-05", 2},
		{"a later iteration", []handbook.Meeting{planning}, "2026-01-19T00:00:00Z", "2026-01-19", 2},
		{"before the anchor", []handbook.Meeting{planning}, "2025-12-30T00:00:00Z", "2025-12-22", 2},
		{"no biweekly meeting: this week alone", []handbook.Meeting{weekly}, "2026-01-08T00:00:00Z", "2026-01-05", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now, _ := time.Parse(time.RFC3339, tt.now)
			start, weeks := IterationStart(tt.meetings, now)
			if got := start.Format(time.DateOnly); got != tt.wantStart || weeks != tt.wantWeeks {
				t.Errorf("got %s, %d weeks; want %s, %d", got, weeks, tt.wantStart, tt.wantWeeks)
			}
		})
	}
}

// Package views builds the organisation's generated pages from the handbook
// map (compass.json's data) and git history: people and hats, the skills
// chart, the meeting week, who is on call, what changed and what is due for
// review. It computes; the theme's view templates draw. Every view is made
// from handbook.Map, so the site, compass.json and the bot see one truth.
package views

import (
	"cmp"
	"slices"
	"strings"

	"github.com/compasshq/compass/build/handbook"
)

// URLs are the generated views' pages, which content may link to before
// they exist (links are resolved while pages render, before views are made).
var URLs = []string{"/people/", "/meetings/week/", "/oncall/", "/changes/", "/review/", "/reviews/"}

// Ref is a link to a page: a team, a meeting, a page a team owns.
type Ref struct {
	Title string
	URL   string
}

// Hat is one role a person wears on one team.
type Hat struct {
	Team Ref
	Role string
}

// Person is everything the handbook knows about one person, across teams.
type Person struct {
	handbook.Member
	Slack     Slack
	Hats      []Hat
	Teams     []Ref
	Rotations []Ref // teams whose on-call rotation they are in
	Meetings  []Ref // meetings attended, by their team or by name
	Pages     []Ref // pages their teams own
}

// Slack is how a Slack account is shown: a name, never a raw member id, and
// a link when the workspace URL is configured and the account is an id.
type Slack struct {
	Label string // "@Ana Ferreira", "@ana"
	URL   string // workspace/team/<id>, "" when unknown
}

// SlackOf is the one rule for showing a person's Slack account. A member id
// (U05A7F3RK2L) is shown as the person's name, since Slack shows display
// names, not ids; a handle is shown as itself.
func SlackOf(p handbook.Person, workspace string) Slack {
	if p.Slack == "" {
		return Slack{}
	}
	if isMemberID(p.Slack) {
		s := Slack{Label: "@" + p.Name}
		if workspace != "" {
			s.URL = strings.TrimRight(workspace, "/") + "/team/" + p.Slack
		}
		return s
	}
	return Slack{Label: "@" + strings.TrimPrefix(p.Slack, "@")}
}

// isMemberID reports whether s looks like a Slack user id: U or W and
// uppercase letters and digits.
func isMemberID(s string) bool {
	if len(s) < 9 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for _, r := range s[1:] {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// PersonURL is the page of a person.
func PersonURL(id string) string { return "/people/" + id + "/" }

// Members lists every person across the teams, sorted by id, with the hats
// they wear per team: compass.json's people.
func Members(teams []handbook.Team) []handbook.Member {
	byID := map[string]*handbook.Member{}
	for _, t := range teams {
		for _, p := range t.People {
			m := byID[p.ID]
			if m == nil {
				m = &handbook.Member{ID: p.ID, Name: p.Name, Slack: p.Slack, URL: PersonURL(p.ID)}
				byID[p.ID] = m
			}
			m.Teams = append(m.Teams, handbook.Membership{Team: t.ID, Roles: p.Roles})
		}
	}
	out := make([]handbook.Member, 0, len(byID))
	for _, m := range byID {
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b handbook.Member) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// People is the /people/ matrix: people × teams, each cell the roles worn.
type People struct {
	Teams  []TeamColumn
	Rows   []PersonRow
	Skills *Radar // every team's coverage on one chart; nil without skills
}

// TeamColumn is one team of the matrix, with its headcount and the roles
// its charter names that nobody wears.
type TeamColumn struct {
	Ref
	ID        string
	Headcount int
	Unfilled  []string
}

// PersonRow is one person of the matrix.
type PersonRow struct {
	ID, Name, URL string
	Cells         []Cell // one per team column
	Hats          int
}

// Cell is one person on one team: whether they are on it, and their hats.
type Cell struct {
	On    bool
	Roles []string
}

// Kind names the view for the theme.
func (*People) Kind() string { return "people" }

// NewPeople builds the matrix from the map's teams and members.
func NewPeople(m *handbook.Map) *People {
	v := &People{}
	col := map[string]int{}
	for _, t := range m.Teams {
		tc := TeamColumn{Ref: Ref{Title: t.Name, URL: t.URL}, ID: t.ID, Headcount: len(t.People)}
		worn := map[string]bool{}
		for _, p := range t.People {
			for _, r := range p.Roles {
				worn[strings.ToLower(r)] = true
			}
		}
		for _, r := range t.Roles {
			if !worn[strings.ToLower(r.Name)] {
				tc.Unfilled = append(tc.Unfilled, r.Name)
			}
		}
		col[t.ID] = len(v.Teams)
		v.Teams = append(v.Teams, tc)
	}
	for _, mem := range m.People {
		row := PersonRow{ID: mem.ID, Name: mem.Name, URL: mem.URL, Cells: make([]Cell, len(v.Teams))}
		for _, ms := range mem.Teams {
			row.Cells[col[ms.Team]] = Cell{On: true, Roles: ms.Roles}
			row.Hats += len(ms.Roles)
		}
		v.Rows = append(v.Rows, row)
	}
	slices.SortFunc(v.Rows, func(a, b PersonRow) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.ID, b.ID))
	})
	v.Skills = TeamsRadar(m.Teams)
	return v
}

// NewPerson builds one person's page.
func NewPerson(m *handbook.Map, mem handbook.Member, workspace string) *Person {
	v := &Person{Member: mem}
	teams := map[string]bool{}
	for _, ms := range mem.Teams {
		teams[ms.Team] = true
	}
	for _, t := range m.Teams {
		if !teams[t.ID] {
			continue
		}
		ref := Ref{Title: t.Name, URL: t.URL}
		v.Teams = append(v.Teams, ref)
		if p, ok := t.Person(mem.ID); ok {
			if v.Slack.Label == "" {
				v.Slack = SlackOf(*p, workspace)
			}
			for _, r := range p.Roles {
				v.Hats = append(v.Hats, Hat{Team: ref, Role: r})
			}
		}
		if t.Oncall != nil && slices.Contains(t.Oncall.Members, mem.ID) {
			v.Rotations = append(v.Rotations, ref)
		}
	}
	for _, mt := range m.Meetings {
		if Attends(mt, mem) {
			v.Meetings = append(v.Meetings, Ref{Title: mt.Title, URL: mt.URL})
		}
	}
	for _, p := range m.Pages {
		if p.Owner != "" && teams[p.Owner] && p.Kind != "charter" {
			v.Pages = append(v.Pages, Ref{Title: p.Title, URL: p.URL})
		}
	}
	return v
}

// Kind names the view for the theme.
func (*Person) Kind() string { return "person" }

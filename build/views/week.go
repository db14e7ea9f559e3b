package views

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/compasshq/compass/build/handbook"
)

// Week is the meeting week: a Monday-to-Friday grid per week of the current
// iteration (two weeks when any meeting is biweekly, else one), built from
// every meeting's cadence, and the meeting hours it adds up to.
type Week struct {
	Weeks       []WeekRow
	TeamHours   []TeamHours
	PersonHours []PersonHours
	Unplaced    []Ref // meetings whose cadence cannot be placed on a grid
	Feed        string
}

// WeekRow is one week of the grid.
type WeekRow struct {
	Label string // "Week 1 (from 7 December 2026)"
	Days  []Day
}

// Day is one weekday of the grid.
type Day struct {
	Name   string // "Monday"
	Date   string // YYYY-MM-DD
	Blocks []Block
}

// Block is one meeting on the grid.
type Block struct {
	Ref
	Start    string // RFC 3339 instant, for the browser's local-time display
	Clock    string // "09:00–09:30 UTC", in the meeting's own zone
	Minutes  int
	Cadence  string // "biweekly"
	sortTime time.Time
}

// TeamHours is the meeting time of one team per week of the iteration.
type TeamHours struct {
	Ref
	Hours []string // per week, "2h 15m"
}

// PersonHours is one person's meeting time over the iteration.
type PersonHours struct {
	Ref
	Hours string
}

// Kind names the view for the theme.
func (*Week) Kind() string { return "week" }

// meetingSeries is a meeting with its parsed cadence and length.
type meetingSeries struct {
	handbook.Meeting
	series *handbook.Series
	length time.Duration
}

// placeable returns the meetings whose cadence can be placed, and the rest.
func placeable(meetings []handbook.Meeting) (ok []meetingSeries, rest []Ref) {
	for _, m := range meetings {
		s, err := m.Cadence.Series()
		if err != nil {
			rest = append(rest, Ref{Title: m.Title, URL: m.URL})
			continue
		}
		d, _ := time.ParseDuration(m.Duration)
		ok = append(ok, meetingSeries{Meeting: m, series: s, length: d})
	}
	return ok, rest
}

// IterationStart returns the Monday (a UTC date) on which the iteration
// holding now began. Iterations are two weeks long and anchored on the
// earliest start of a biweekly meeting; without one, the week of now
// stands alone (weeks = 1).
func IterationStart(meetings []handbook.Meeting, now time.Time) (start time.Time, weeks int) {
	ms, _ := placeable(meetings)
	var anchor time.Time
	for _, m := range ms {
		if m.series.Every == handbook.EveryBiweekly {
			a := handbook.WeekOf(m.series.Start, m.series.Loc)
			if anchor.IsZero() || a.Before(anchor) {
				anchor = a
			}
		}
	}
	this := handbook.WeekOf(now, time.UTC)
	if anchor.IsZero() {
		return this, 1
	}
	weeksSince := int(this.Sub(anchor).Hours() / 24 / 7)
	return this.AddDate(0, 0, -7*(((weeksSince%2)+2)%2)), 2
}

// NewWeek builds the meeting week of the iteration holding now.
func NewWeek(m *handbook.Map, now time.Time) *Week {
	ms, rest := placeable(m.Meetings)
	start, weeks := IterationStart(m.Meetings, now)
	v := &Week{Unplaced: rest, Feed: AllFeedURL}
	perTeam := map[string][]time.Duration{}
	perPerson := map[string]time.Duration{}
	for w := range weeks {
		monday := start.AddDate(0, 0, 7*w)
		row := WeekRow{Label: "This week"}
		if weeks > 1 {
			row.Label = fmt.Sprintf("Week %d of the iteration", w+1)
		}
		row.Label += " (from " + monday.Format("2 January 2006") + ")"
		for d := range 5 {
			day := monday.AddDate(0, 0, d)
			row.Days = append(row.Days, Day{Name: day.Weekday().String(), Date: day.Format(time.DateOnly)})
		}
		for _, mt := range ms {
			// A wide window, then keep the meetings whose local date is in the week.
			for _, at := range mt.series.Between(monday.Add(-24*time.Hour), monday.AddDate(0, 0, 8)) {
				local := at.In(mt.series.Loc)
				i := int(time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC).Sub(monday).Hours() / 24)
				if i < 0 || i >= 7 {
					continue
				}
				for _, team := range attendingTeams(m, mt.Meeting) {
					hours := perTeam[team]
					if hours == nil {
						hours = make([]time.Duration, weeks)
						perTeam[team] = hours
					}
					hours[w] += mt.length
				}
				for _, p := range m.People {
					if Attends(mt.Meeting, p) {
						perPerson[p.ID] += mt.length
					}
				}
				if i >= 5 {
					continue // counted, but the grid shows working days
				}
				row.Days[i].Blocks = append(row.Days[i].Blocks, block(mt, local))
			}
		}
		for i := range row.Days {
			slices.SortFunc(row.Days[i].Blocks, func(a, b Block) int {
				return cmp.Or(a.sortTime.Compare(b.sortTime), strings.Compare(a.Title, b.Title))
			})
		}
		v.Weeks = append(v.Weeks, row)
	}
	for _, t := range m.Teams {
		if hours := perTeam[t.ID]; hours != nil {
			th := TeamHours{Ref: Ref{Title: t.Name, URL: t.URL}}
			for _, h := range hours {
				th.Hours = append(th.Hours, Hours(h))
			}
			v.TeamHours = append(v.TeamHours, th)
		}
	}
	for _, p := range m.People {
		if h := perPerson[p.ID]; h > 0 {
			v.PersonHours = append(v.PersonHours, PersonHours{Ref: Ref{Title: p.Name, URL: p.URL}, Hours: Hours(h)})
		}
	}
	return v
}

func block(mt meetingSeries, local time.Time) Block {
	end := local.Add(mt.length)
	clock := local.Format("15:04")
	if mt.length > 0 {
		clock += "–" + end.Format("15:04")
	}
	return Block{
		Ref:      Ref{Title: mt.Title, URL: mt.URL},
		Start:    local.UTC().Format(time.RFC3339),
		Clock:    clock + " " + mt.series.Loc.String(),
		Minutes:  int(mt.length.Minutes()),
		Cadence:  mt.series.Every,
		sortTime: local.UTC(),
	}
}

// Attends is the one rule for who is at a meeting: a person is when the
// attendees name them or one of their teams.
func Attends(m handbook.Meeting, p handbook.Member) bool {
	for _, a := range m.Attendees {
		if a == p.ID {
			return true
		}
		for _, ms := range p.Teams {
			if a == ms.Team {
				return true
			}
		}
	}
	return false
}

// attendingTeams are the teams a meeting's attendees name.
func attendingTeams(m *handbook.Map, mt handbook.Meeting) []string {
	var out []string
	for _, t := range m.Teams {
		if slices.Contains(mt.Attendees, t.ID) {
			out = append(out, t.ID)
		}
	}
	return out
}

// Hours writes a duration as "5h 30m".
func Hours(d time.Duration) string {
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh %dm", h, m)
}

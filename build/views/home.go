package views

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/compasshq/compass/build/gitinfo"
	"github.com/compasshq/compass/build/handbook"
)

// Home is the overview above the home page's own text: the teams and their
// missions, the coming week's meetings, who is on call, the latest changes.
type Home struct {
	Teams    []HomeTeam
	Meetings []HomeMeeting
	Oncall   []*Rotation
	Changes  []ChangeCommit
	Links    []Ref // the other organisation views that exist
}

// HomeTeam is one team of the overview.
type HomeTeam struct {
	Ref
	Mission string
	Channel string
}

// HomeMeeting is one meeting in the coming seven days.
type HomeMeeting struct {
	Block
	Day string // "Tuesday 8 December"
}

// HomeChanges is how many of the latest commits the overview lists.
const HomeChanges = 5

// Kind names the view for the theme.
func (*Home) Kind() string { return "home" }

// NewHome builds the overview as of now; links are the views' URLs that
// exist on the site.
func NewHome(m *handbook.Map, hist *gitinfo.History, now time.Time, links []Ref) *Home {
	v := &Home{Links: links}
	for _, t := range m.Teams {
		v.Teams = append(v.Teams, HomeTeam{Ref: Ref{Title: t.Name, URL: t.URL}, Mission: t.Mission, Channel: t.Channel})
	}
	ms, _ := placeable(m.Meetings)
	for _, mt := range ms {
		for _, at := range mt.series.Between(now, now.AddDate(0, 0, 7)) {
			local := at.In(mt.series.Loc)
			v.Meetings = append(v.Meetings, HomeMeeting{Block: block(mt, local), Day: local.Format("Monday 2 January")})
		}
	}
	slices.SortFunc(v.Meetings, func(a, b HomeMeeting) int {
		return cmp.Or(a.sortTime.Compare(b.sortTime), strings.Compare(a.Title, b.Title))
	})
	v.Oncall = NewOncall(m, now).Rotations
	if c := NewChanges(m, hist); !c.NoHistory {
		for _, w := range c.Weeks {
			for _, cc := range w.Commits {
				if len(v.Changes) < HomeChanges {
					v.Changes = append(v.Changes, cc)
				}
			}
		}
	}
	return v
}

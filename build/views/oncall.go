package views

import (
	"slices"
	"time"

	"github.com/compasshq/compass/build/handbook"
)

// Rotation is a team's on-call rotation as of the build: who is on call and
// the shifts after, from build/handbook's on-call arithmetic. The page
// carries the next months of shifts, so the browser can move "now" on
// without recomputing the rule (views.js).
type Rotation struct {
	Team    Ref
	ID      string // team id
	Channel string
	Now     *Shift // nil when nobody is on call at build time
	Until   string // when Now's shift ends, as Shift.When
	Shifts  []Shift
	Err     string // why there is no schedule
}

// Shift is one shift of a rotation.
type Shift struct {
	Person   Ref
	Start    string // RFC 3339
	End      string
	When     string // "Mon 7 Dec 2026, 10:00 CET", the handoff in the rotation's zone
	Override bool
	Visible  bool // among the few shown without scripts
}

const whenLayout = "Mon 2 Jan 2006, 15:04 MST"

// Shown is how many shifts a rotation shows at build time: the current one
// and the next handoffs.
const Shown = 5

// horizon is how many shifts the page carries for the browser: about a
// year of weekly shifts, two months of daily ones.
const horizon = 60

// NewRotation computes the schedule of t's rotation from now; nil when the
// team has none.
func NewRotation(t handbook.Team, now time.Time) *Rotation {
	if t.Oncall == nil {
		return nil
	}
	v := &Rotation{Team: Ref{Title: t.Name, URL: t.URL}, ID: t.ID, Channel: t.Channel}
	shifts, err := t.Oncall.Shifts(now, horizon)
	if err != nil {
		v.Err = err.Error()
		return v
	}
	for i, sh := range shifts {
		ref := Ref{Title: sh.Person}
		if p, ok := t.Person(sh.Person); ok {
			ref = Ref{Title: p.Name, URL: PersonURL(p.ID)}
		}
		s := Shift{
			Person: ref, Start: sh.Start.UTC().Format(time.RFC3339), End: sh.End.UTC().Format(time.RFC3339),
			When: sh.Start.Format(whenLayout), Override: sh.Override, Visible: i < Shown,
		}
		v.Shifts = append(v.Shifts, s)
	}
	if first := shifts[0]; !now.Before(first.Start) && now.Before(first.End) {
		v.Now = &v.Shifts[0]
		v.Until = first.End.Format(whenLayout)
	}
	return v
}

// Oncall is /oncall/: every rotation, now.
type Oncall struct {
	Rotations []*Rotation
	Policy    *Ref // the on-call policy page, when one has the tag or URL
}

// Kind names the view for the theme.
func (*Oncall) Kind() string { return "oncall" }

// NewOncall lists every team's rotation.
func NewOncall(m *handbook.Map, now time.Time) *Oncall {
	v := &Oncall{}
	for _, t := range m.Teams {
		if r := NewRotation(t, now); r != nil {
			v.Rotations = append(v.Rotations, r)
		}
	}
	for _, p := range m.Pages {
		if p.Kind == "policy" && (p.URL == "/policies/oncall/" || slices.Contains(p.Tags, "oncall")) {
			v.Policy = &Ref{Title: p.Title, URL: p.URL}
			break
		}
	}
	return v
}

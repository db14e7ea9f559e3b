package handbook

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	// Rotations name IANA zones; embedding the database keeps on-call answers
	// identical on machines without /usr/share/zoneinfo (distroless images).
	_ "time/tzdata"
)

// Shift is one stretch of time during which one person is on call.
type Shift struct {
	Person   string    // person ID, as in Rotation.Members or Override.Person
	Start    time.Time // inclusive, in the rotation's time zone
	End      time.Time // exclusive, in the rotation's time zone
	Override bool      // true when an override put Person on call, not the rotation order
}

// ErrNotStarted is returned by Rotation.OnCall for an instant before the
// rotation's first handoff that no override covers: nobody is on call yet.
var ErrNotStarted = errors.New("rotation has not started")

// Rotation lengths.
const (
	LengthWeekly = "weekly"
	LengthDaily  = "daily"
)

// Validate reports every problem with the rotation in one error (joined), so
// that the build can print them all. A rotation that validates never makes
// OnCall or Next fail except with ErrNotStarted.
func (r *Rotation) Validate() error {
	_, err := r.compile()
	return err
}

// OnCall returns the shift that covers the instant at: who is on call then, and
// from when until when. Shifts follow the rules documented on Rotation: the
// members take turns in order, one shift each, handing off at the local
// handoff time; an override replaces the rotation from the handoff time on its
// first day to the handoff time after its last day. Before the first handoff
// (and outside every override) it returns ErrNotStarted.
func (r *Rotation) OnCall(at time.Time) (Shift, error) {
	s, err := r.compile()
	if err != nil {
		return Shift{}, err
	}
	return s.at(at)
}

// Next returns the shift that follows the one covering at: who is on call
// next and when they take over. Before the rotation starts it returns the
// first shift that begins after at.
func (r *Rotation) Next(at time.Time) (Shift, error) {
	s, err := r.compile()
	if err != nil {
		return Shift{}, err
	}
	cur, err := s.at(at)
	switch {
	case err == nil:
		return s.from(cur.End)
	case errors.Is(err, ErrNotStarted):
		return s.from(s.firstStartAfter(at))
	default:
		return Shift{}, err
	}
}

// Shifts returns n consecutive shifts, the first being the one that covers
// from (or, before the rotation starts, the first one after from). It is what
// a schedule view or an "on call next weeks" answer needs.
func (r *Rotation) Shifts(from time.Time, n int) ([]Shift, error) {
	s, err := r.compile()
	if err != nil {
		return nil, err
	}
	out := make([]Shift, 0, max(n, 0))
	cur, err := s.from(from)
	for err == nil && len(out) < n {
		out = append(out, cur)
		cur, err = s.from(cur.End)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// schedule is a validated rotation with parsed dates, times and zone.
type schedule struct {
	members   []string
	loc       *time.Location
	first     civilDate // date of the first handoff
	step      int       // days per shift: 7 or 1
	hour, min int       // handoff wall-clock time
	overrides []span
}

// span is one override, as instants.
type span struct {
	start, end time.Time
	person     string
}

// civilDate is a calendar date with no zone, counted in days since 1970-01-01
// so that date arithmetic ignores DST entirely.
type civilDate int64

func dateOf(y int, m time.Month, d int) civilDate {
	return civilDate(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func (d civilDate) ymd() (int, time.Month, int) {
	return time.Unix(int64(d)*86400, 0).UTC().Date()
}

func (d civilDate) weekday() time.Weekday {
	return time.Weekday((int64(d)%7 + 7 + 4) % 7) // 1970-01-01 was a Thursday
}

func parseDate(s string) (civilDate, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a YYYY-MM-DD date", s)
	}
	return dateOf(t.Date()), nil
}

// wall returns the instant at which the clocks in loc show hh:mm on day d.
// Like iCalendar (RFC 5545 §3.3.5), a time skipped by a forward DST change is
// read with the offset in force before the change (02:30 on a night that jumps
// from 02:00 to 03:00 becomes 03:30), and a time that occurs twice when the
// clocks go back means its first occurrence.
func wall(d civilDate, hh, mm int, loc *time.Location) time.Time {
	y, mo, dd := d.ymd()
	naive := time.Date(y, mo, dd, hh, mm, 0, 0, time.UTC) // the wall clock read as UTC
	// Offsets in force a day either side bound the ones that can apply.
	_, before := naive.Add(-36 * time.Hour).In(loc).Zone()
	_, after := naive.Add(36 * time.Hour).In(loc).Zone()
	var best time.Time
	for _, off := range []int{before, after} {
		t := naive.Add(-time.Duration(off) * time.Second)
		if _, o := t.In(loc).Zone(); o != off {
			continue // that offset is not in force at t
		}
		if best.IsZero() || t.Before(best) {
			best = t
		}
	}
	if best.IsZero() { // in a gap: use the offset from before the change
		best = naive.Add(-time.Duration(before) * time.Second)
	}
	return best.In(loc)
}

var weekdays = map[string]time.Weekday{}

func init() {
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		weekdays[name] = d
		weekdays[name[:3]] = d
	}
}

// parseClock reads "H:MM" or "HH:MM", 24-hour.
func parseClock(s string) (hh, mm int, err error) {
	h, m, ok := strings.Cut(s, ":")
	if ok && len(h) >= 1 && len(h) <= 2 && len(m) == 2 {
		hh, err1 := strconv.Atoi(h)
		mm, err2 := strconv.Atoi(m)
		if err1 == nil && err2 == nil && hh >= 0 && hh < 24 && mm >= 0 && mm < 60 && h[0] != '+' && m[0] != '+' {
			return hh, mm, nil
		}
	}
	return 0, 0, fmt.Errorf("%q is not a 24-hour HH:MM time", s)
}

var zoneCache sync.Map // zone name → *time.Location

func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return nil, errors.New("timezone is missing (an IANA zone such as Europe/Berlin)")
	}
	if name == "Local" {
		return nil, errors.New(`timezone "Local" depends on the machine; name an IANA zone such as Europe/Berlin`)
	}
	if loc, ok := zoneCache.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("timezone %q is not a known IANA zone", name)
	}
	zoneCache.Store(name, loc)
	return loc, nil
}

// compile parses and checks the rotation, collecting every problem.
func (r *Rotation) compile() (*schedule, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	s := &schedule{members: r.Members, step: 7}
	if len(r.Members) == 0 {
		bad("oncall: members is empty")
	}
	for i, m := range r.Members {
		if strings.TrimSpace(m) == "" {
			bad("oncall: members[%d] is empty", i)
		}
	}
	loc, err := loadZone(r.TimeZone)
	if err != nil {
		bad("oncall: %w", err)
	}
	s.loc = loc
	switch strings.ToLower(r.Length) {
	case "", LengthWeekly:
	case LengthDaily:
		s.step = 1
	default:
		bad("oncall: length %q is not weekly or daily", r.Length)
	}
	var day time.Weekday
	if r.Handoff.Day == "" {
		if s.step == 7 {
			bad("oncall: handoff.day is missing (a weekday such as monday)")
		}
	} else if d, ok := weekdays[strings.ToLower(r.Handoff.Day)]; ok {
		day = d
	} else {
		bad("oncall: handoff.day %q is not a weekday", r.Handoff.Day)
	}
	if r.Handoff.Time == "" {
		bad("oncall: handoff.time is missing (HH:MM)")
	} else if s.hour, s.min, err = parseClock(r.Handoff.Time); err != nil {
		bad("oncall: handoff.time: %w", err)
	}
	start, err := parseDate(r.Start)
	if err != nil {
		bad("oncall: start: %w", err)
	}
	s.first = start
	if s.step == 7 {
		s.first += civilDate((int(day) - int(start.weekday()) + 7) % 7)
	}
	type rawSpan struct{ from, to civilDate }
	raws := make([]rawSpan, len(r.Overrides))
	for i, o := range r.Overrides {
		from, err1 := parseDate(o.From)
		if err1 != nil {
			bad("oncall: overrides[%d].from: %w", i, err1)
		}
		to, err2 := parseDate(o.To)
		if err2 != nil {
			bad("oncall: overrides[%d].to: %w", i, err2)
		}
		if err1 == nil && err2 == nil && to < from {
			bad("oncall: overrides[%d]: to %s is before from %s", i, o.To, o.From)
		}
		if strings.TrimSpace(o.Person) == "" {
			bad("oncall: overrides[%d].person is empty", i)
		}
		raws[i] = rawSpan{from, to}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for i, o := range r.Overrides {
		s.overrides = append(s.overrides, span{
			start:  wall(raws[i].from, s.hour, s.min, loc),
			end:    wall(raws[i].to+1, s.hour, s.min, loc),
			person: o.Person,
		})
	}
	return s, nil
}

// handoff returns the start of regular shift k (k = 0 is the first shift).
func (s *schedule) handoff(k int64) time.Time {
	return wall(s.first+civilDate(k*int64(s.step)), s.hour, s.min, s.loc)
}

// shiftIndex returns the regular shift covering t; -1 before the first.
func (s *schedule) shiftIndex(t time.Time) int64 {
	lt := t.In(s.loc)
	days := int64(dateOf(lt.Date()) - s.first)
	k := days / int64(s.step)
	if days < 0 && days%int64(s.step) != 0 {
		k-- // floor division
	}
	// The date estimate is off by at most one shift near the handoff hour.
	for k >= 0 && s.handoff(k).After(t) {
		k--
	}
	for !s.handoff(k + 1).After(t) {
		k++
	}
	if k < 0 {
		return -1
	}
	return k
}

// at returns the shift covering t. An override wins over the regular shift;
// among overlapping overrides, the one listed last wins.
func (s *schedule) at(t time.Time) (Shift, error) {
	owner := -1 // index of the covering override
	for i := len(s.overrides) - 1; i >= 0; i-- {
		o := s.overrides[i]
		if !t.Before(o.start) && t.Before(o.end) {
			owner = i
			break
		}
	}
	var sh Shift
	var later []span // overrides that can cut the shift short
	if owner >= 0 {
		o := s.overrides[owner]
		sh = Shift{Person: o.person, Start: o.start, End: o.end, Override: true}
		later = s.overrides[owner+1:]
	} else {
		k := s.shiftIndex(t)
		if k < 0 {
			return Shift{}, fmt.Errorf("on call at %s: %w (first handoff %s)",
				t.In(s.loc).Format(time.RFC3339), ErrNotStarted, s.handoff(0).Format(time.RFC3339))
		}
		sh = Shift{Person: s.members[k%int64(len(s.members))], Start: s.handoff(k), End: s.handoff(k + 1)}
		later = s.overrides
	}
	for _, o := range later {
		if o.end.After(sh.Start) && !o.end.After(t) {
			sh.Start = o.end
		}
		if o.start.After(t) && o.start.Before(sh.End) {
			sh.End = o.start
		}
	}
	sh.Start, sh.End = sh.Start.In(s.loc), sh.End.In(s.loc)
	return sh, nil
}

// from returns the shift covering t or, when nobody is on call at t (before
// the rotation starts, after an early override), the first one after t.
func (s *schedule) from(t time.Time) (Shift, error) {
	sh, err := s.at(t)
	if errors.Is(err, ErrNotStarted) {
		return s.at(s.firstStartAfter(t))
	}
	return sh, err
}

// firstStartAfter returns the earliest instant after t at which someone goes
// on call: the first handoff or an override's start.
func (s *schedule) firstStartAfter(t time.Time) time.Time {
	first := s.handoff(0)
	for _, o := range s.overrides {
		if o.start.After(t) && o.start.Before(first) {
			first = o.start
		}
	}
	return first
}

// Person returns the member of the team with the given ID, so that an on-call
// answer can show a shift's name and Slack handle rather than a bare ID.
func (t *Team) Person(id string) (*Person, bool) {
	for i := range t.People {
		if t.People[i].ID == id {
			return &t.People[i], true
		}
	}
	return nil, false
}

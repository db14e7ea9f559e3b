package handbook

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Cadence frequencies.
const (
	EveryDaily    = "daily"
	EveryWeekly   = "weekly"
	EveryBiweekly = "biweekly"
	EveryMonthly  = "monthly"
)

// ErrNoStart is returned for a biweekly or monthly cadence without a start
// date: which week (or which weekday of the month) it falls on is unknown.
var ErrNoStart = errors.New("a biweekly or monthly cadence needs start (YYYY-MM-DD) to know its weeks")

// Series is a validated cadence: the rule every meeting view, calendar feed
// and "next meeting" answer uses, so they cannot disagree.
type Series struct {
	Every     string
	Days      []time.Weekday // the weekdays it falls on, in week order
	Hour, Min int
	Loc       *time.Location
	Start     time.Time // first possible day (midnight in Loc); zero when unset
	Nth       int       // monthly: 1..4 for the nth weekday of the month, -1 for the last
	start     civilDate
	hasStart  bool
}

// Series validates the cadence and returns its rule, every problem joined.
func (c Cadence) Series() (*Series, error) {
	var errs []error
	s := &Series{Every: c.Every}
	switch c.Every {
	case EveryDaily, EveryWeekly, EveryBiweekly, EveryMonthly:
	default:
		errs = append(errs, fmt.Errorf("cadence: every %q is not daily, weekly, biweekly or monthly", c.Every))
	}
	for _, d := range c.Days {
		wd, ok := weekdays[strings.ToLower(d)]
		if !ok {
			errs = append(errs, fmt.Errorf("cadence: %q is not a weekday", d))
			continue
		}
		s.Days = append(s.Days, wd)
	}
	var err error
	if c.Time == "" {
		errs = append(errs, errors.New("cadence: time is missing (HH:MM)"))
	} else if s.Hour, s.Min, err = parseClock(c.Time); err != nil {
		errs = append(errs, fmt.Errorf("cadence: time: %w", err))
	}
	zone := c.TimeZone
	if zone == "" {
		zone = "UTC"
	}
	if s.Loc, err = loadZone(zone); err != nil {
		errs = append(errs, fmt.Errorf("cadence: %w", err))
	}
	if c.Start != "" {
		if s.start, err = parseDate(c.Start); err != nil {
			errs = append(errs, fmt.Errorf("cadence: start: %w", err))
		}
		s.hasStart = true
	} else if c.Every == EveryBiweekly || c.Every == EveryMonthly {
		errs = append(errs, ErrNoStart)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(s.Days) == 0 {
		switch {
		case c.Every == EveryDaily:
			s.Days = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
		case s.hasStart:
			s.Days = []time.Weekday{s.start.weekday()}
		default:
			return nil, errors.New("cadence: days is missing (the weekdays it falls on)")
		}
	}
	sortWeek(s.Days)
	if s.hasStart {
		y, m, d := s.start.ymd()
		s.Start = time.Date(y, m, d, 0, 0, 0, 0, s.Loc)
	}
	if c.Every == EveryMonthly {
		_, _, d := s.start.ymd()
		if s.Nth = (d-1)/7 + 1; s.Nth > 4 {
			s.Nth = -1
		}
	}
	return s, nil
}

// sortWeek orders weekdays Monday first.
func sortWeek(days []time.Weekday) {
	monFirst := func(d time.Weekday) int { return (int(d) + 6) % 7 }
	for i := 1; i < len(days); i++ {
		for j := i; j > 0 && monFirst(days[j]) < monFirst(days[j-1]); j-- {
			days[j], days[j-1] = days[j-1], days[j]
		}
	}
}

// on reports whether the series has a meeting on day d.
func (s *Series) on(d civilDate) bool {
	if s.hasStart && d < s.start {
		return false
	}
	wd := d.weekday()
	hit := false
	for _, x := range s.Days {
		hit = hit || x == wd
	}
	if !hit {
		return false
	}
	switch s.Every {
	case EveryBiweekly:
		return ((monday(d)-monday(s.start))/7)%2 == 0
	case EveryMonthly:
		_, m, day := d.ymd()
		if s.Nth > 0 {
			return (day-1)/7+1 == s.Nth
		}
		_, m2, _ := (d + 7).ymd()
		return m2 != m
	}
	return true
}

// monday returns the Monday of d's week.
func monday(d civilDate) civilDate {
	return d - civilDate((int(d.weekday())+6)%7)
}

// Between returns the starts of the meetings in [from, to), in order.
func (s *Series) Between(from, to time.Time) []time.Time {
	var out []time.Time
	first := dateOf(from.In(s.Loc).Date()) - 1
	last := dateOf(to.In(s.Loc).Date()) + 1
	for d := first; d <= last; d++ {
		if !s.on(d) {
			continue
		}
		t := wall(d, s.Hour, s.Min, s.Loc)
		if !t.Before(from) && t.Before(to) {
			out = append(out, t)
		}
	}
	return out
}

// Next returns the first meeting that starts at or after at; ok is false
// when there is none within a year and a half (a monthly series always has
// one, so this only guards against a rule nothing satisfies).
func (s *Series) Next(at time.Time) (t time.Time, ok bool) {
	for from := at; from.Before(at.AddDate(1, 6, 0)); from = from.AddDate(0, 0, 35) {
		if ts := s.Between(from, from.AddDate(0, 0, 35)); len(ts) > 0 {
			return ts[0], true
		}
	}
	return time.Time{}, false
}

// FirstOnOrAfter returns the first meeting on or after the day of t, for a
// calendar's DTSTART.
func (s *Series) FirstOnOrAfter(t time.Time) (time.Time, bool) {
	y, m, d := t.In(s.Loc).Date()
	return s.Next(time.Date(y, m, d, 0, 0, 0, 0, s.Loc))
}

// Anchor returns the day a series' calendar starts: its start date when it
// has one, else 2000-01-03 (a Monday), so the first occurrence and with it
// a calendar's DTSTART are the same in every build.
func (s *Series) Anchor() time.Time {
	if !s.Start.IsZero() {
		return s.Start
	}
	return time.Date(2000, 1, 3, 0, 0, 0, 0, s.Loc)
}

// WeekOf returns the Monday (midnight UTC, as a date) of the week holding t's
// date in loc.
func WeekOf(t time.Time, loc *time.Location) time.Time {
	d := monday(dateOf(t.In(loc).Date()))
	y, m, dd := d.ymd()
	return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
}

package ical

import (
	"fmt"
	"sort"
	"time"
)

// transition is one change of UTC offset in a zone.
type transition struct {
	at       time.Time // the instant of the change
	from, to int       // offsets in seconds east of UTC
	name     string    // abbreviation after the change, "CEST"
}

// transitions returns the offset changes of loc during year, found by
// checking each day and bisecting to the second. Go's zone database has the
// rules but does not expose them, so they are read back from the offsets.
func transitions(loc *time.Location, year int) []transition {
	var out []transition
	day := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	end := day.AddDate(1, 0, 0)
	offset := func(t time.Time) int { _, o := t.In(loc).Zone(); return o }
	for ; day.Before(end); day = day.Add(24 * time.Hour) {
		next := day.Add(24 * time.Hour)
		if offset(day) == offset(next) {
			continue
		}
		secs := sort.Search(86400, func(i int) bool { return offset(day.Add(time.Duration(i)*time.Second)) != offset(day) })
		at := day.Add(time.Duration(secs) * time.Second)
		name, _ := at.In(loc).Zone()
		out = append(out, transition{at: at, from: offset(day), to: offset(at), name: name})
	}
	return out
}

// writeZone writes a VTIMEZONE for loc with yearly rules read from
// rulesYear's transitions, starting in startYear (the earliest meeting's
// year). Zones without daylight saving get one STANDARD observance.
func writeZone(w *writer, loc *time.Location, startYear, rulesYear int) {
	w.line("BEGIN:VTIMEZONE")
	w.prop("TZID", loc.String())
	ts := transitions(loc, rulesYear)
	if len(ts) == 0 {
		name, off := time.Date(rulesYear, 1, 1, 0, 0, 0, 0, loc).Zone()
		w.line("BEGIN:STANDARD")
		w.prop("DTSTART", "19700101T000000")
		w.prop("TZOFFSETFROM", utcOffset(off))
		w.prop("TZOFFSETTO", utcOffset(off))
		w.prop("TZNAME", name)
		w.line("END:STANDARD")
		w.line("END:VTIMEZONE")
		return
	}
	for _, t := range ts {
		kind := "DAYLIGHT"
		if t.to < t.from {
			kind = "STANDARD"
		}
		// The rule is stated in the wall-clock time before the change.
		wallClock := t.at.Add(time.Duration(t.from) * time.Second).UTC()
		nth := (wallClock.Day()-1)/7 + 1
		if wallClock.AddDate(0, 0, 7).Month() != wallClock.Month() {
			nth = -1
		}
		onset := nthWeekday(startYear, wallClock.Month(), wallClock.Weekday(), nth)
		onset = onset.Add(time.Duration(wallClock.Hour())*time.Hour + time.Duration(wallClock.Minute())*time.Minute + time.Duration(wallClock.Second())*time.Second)
		w.line("BEGIN:" + kind)
		w.prop("DTSTART", onset.Format("20060102T150405"))
		w.prop("RRULE", fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", int(wallClock.Month()), nth, byDay[wallClock.Weekday()]))
		w.prop("TZOFFSETFROM", utcOffset(t.from))
		w.prop("TZOFFSETTO", utcOffset(t.to))
		w.prop("TZNAME", t.name)
		w.line("END:" + kind)
	}
	w.line("END:VTIMEZONE")
}

// nthWeekday returns the nth (or, for -1, the last) weekday wd of a month.
func nthWeekday(year int, month time.Month, wd time.Weekday, nth int) time.Time {
	if nth < 0 {
		last := time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC)
		return last.AddDate(0, 0, -((int(last.Weekday()) - int(wd) + 7) % 7))
	}
	first := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	return first.AddDate(0, 0, (int(wd)-int(first.Weekday())+7)%7+7*(nth-1))
}

// utcOffset writes seconds east of UTC as "+0100".
func utcOffset(secs int) string {
	sign := "+"
	if secs < 0 {
		sign, secs = "-", -secs
	}
	return fmt.Sprintf("%s%02d%02d", sign, secs/3600, secs/60%60)
}

// Package ical writes recurring meetings as iCalendar (RFC 5545) feeds: one
// VEVENT per meeting with an RRULE from its cadence, a DTSTART in the
// meeting's own zone (TZID) and a VTIMEZONE for that zone, so calendars keep
// the local time across daylight-saving changes.
package ical

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/compasshq/compass/build/handbook"
)

// Event is one recurring meeting of a feed.
type Event struct {
	UID         string // stable across builds: derived from the meeting's URL
	Summary     string
	Description string // agenda and page URL
	URL         string // absolute when the site has a base URL with a host
	Series      *handbook.Series
	Length      time.Duration
}

// Calendar is one .ics file.
type Calendar struct {
	Name   string // X-WR-CALNAME, "Meetings of Site reliability"
	Stamp  time.Time
	Events []Event
}

// Bytes writes the calendar, lines folded at 75 octets and ended by CRLF.
func (c Calendar) Bytes() []byte {
	var w writer
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:-//Compass//Handbook meetings//EN")
	w.line("CALSCALE:GREGORIAN")
	w.prop("X-WR-CALNAME", text(c.Name))
	var zones []*time.Location
	for _, e := range c.Events {
		if isUTC(e.Series.Loc) {
			continue // written as UTC times, which need no VTIMEZONE
		}
		if !slices.ContainsFunc(zones, func(l *time.Location) bool { return l.String() == e.Series.Loc.String() }) {
			zones = append(zones, e.Series.Loc)
		}
	}
	for _, loc := range zones {
		year := c.Stamp.Year()
		for _, e := range c.Events {
			if e.Series.Loc.String() == loc.String() {
				year = min(year, e.Series.Anchor().Year())
			}
		}
		// A year early, so the standard time before the first change is covered.
		writeZone(&w, loc, year-1, c.Stamp.Year())
	}
	for _, e := range c.Events {
		writeEvent(&w, e, c.Stamp)
	}
	w.line("END:VCALENDAR")
	return w.Bytes()
}

func writeEvent(w *writer, e Event, stamp time.Time) {
	first, ok := e.Series.FirstOnOrAfter(e.Series.Anchor())
	if !ok {
		return
	}
	w.line("BEGIN:VEVENT")
	w.prop("UID", text(e.UID))
	w.prop("DTSTAMP", stamp.UTC().Format("20060102T150405Z"))
	if isUTC(e.Series.Loc) {
		w.prop("DTSTART", first.UTC().Format("20060102T150405Z"))
	} else {
		w.prop("DTSTART;TZID="+e.Series.Loc.String(), first.Format("20060102T150405"))
	}
	if e.Length > 0 {
		w.prop("DURATION", duration(e.Length))
	}
	w.prop("RRULE", RRule(e.Series))
	w.prop("SUMMARY", text(e.Summary))
	if e.Description != "" {
		w.prop("DESCRIPTION", text(e.Description))
	}
	if strings.Contains(e.URL, "://") { // a URI, not a site-relative path
		w.prop("URL;VALUE=URI", e.URL)
	}
	w.line("END:VEVENT")
}

// isUTC reports whether loc is UTC under any of its names.
func isUTC(loc *time.Location) bool {
	switch loc.String() {
	case "UTC", "Etc/UTC", "Etc/Zulu", "Zulu", "UCT", "Etc/UCT", "Universal", "Etc/Universal":
		return true
	}
	return false
}

var byDay = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// RRule is the recurrence rule of a series: daily and weekly meetings recur
// weekly on their days, biweekly every second week (weeks start on Monday,
// as the iteration does), monthly on the nth (or last) weekday.
func RRule(s *handbook.Series) string {
	days := make([]string, len(s.Days))
	for i, d := range s.Days {
		days[i] = byDay[d]
	}
	switch s.Every {
	case handbook.EveryBiweekly:
		return "FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=" + strings.Join(days, ",")
	case handbook.EveryMonthly:
		for i := range days {
			days[i] = fmt.Sprint(s.Nth) + days[i]
		}
		return "FREQ=MONTHLY;BYDAY=" + strings.Join(days, ",")
	}
	return "FREQ=WEEKLY;WKST=MO;BYDAY=" + strings.Join(days, ",")
}

// duration writes a positive duration as "PT1H30M".
func duration(d time.Duration) string {
	h, m := int(d.Hours()), int(d.Minutes())%60
	out := "PT"
	if h > 0 {
		out += fmt.Sprintf("%dH", h)
	}
	if m > 0 || h == 0 {
		out += fmt.Sprintf("%dM", m)
	}
	return out
}

// text escapes a TEXT value (RFC 5545 §3.3.11).
func text(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// writer writes content lines, folded after 75 octets without splitting a
// UTF-8 sequence (RFC 5545 §3.1).
type writer struct{ bytes.Buffer }

func (w *writer) prop(name, value string) { w.line(name + ":" + value) }

func (w *writer) line(l string) {
	limit := 75
	for len(l) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(l[cut]) {
			cut--
		}
		w.WriteString(l[:cut] + "\r\n ")
		l = l[cut:]
		limit = 74 // the leading space counts
	}
	w.WriteString(l + "\r\n")
}

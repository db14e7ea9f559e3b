package ical

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/internal/testutil"
)

func series(t *testing.T, c handbook.Cadence) *handbook.Series {
	t.Helper()
	s, err := c.Series()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testCalendar(t *testing.T) Calendar {
	return Calendar{
		Name:  "Meetings of SRE",
		Stamp: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Events: []Event{
			{
				UID: "meeting-meetings-planning@handbook.example.com", Summary: "Planning",
				Description: "Agenda:\n1. Capacity, leave; on-call\n2. Pick the goal — ünïcode text long enough to need folding across lines\n\nhttps://handbook.example.com/meetings/planning/",
				URL:         "https://handbook.example.com/meetings/planning/",
				Series:      series(t, handbook.Cadence{Every: "weekly", Days: []string{"monday"}, Time: "09:00", TimeZone: "Europe/Berlin", Start: "2026-03-16"}),
				Length:      time.Hour,
			},
			{
				UID: "meeting-meetings-review@handbook.example.com", Summary: "Review",
				Series: series(t, handbook.Cadence{Every: "monthly", Days: []string{"thursday"}, Time: "16:00", TimeZone: "America/New_York", Start: "2026-01-01"}),
				Length: 45 * time.Minute,
			},
			{
				UID: "meeting-meetings-demo@handbook.example.com", Summary: "Demo",
				Series: series(t, handbook.Cadence{Every: "biweekly", Days: []string{"friday"}, Time: "09:00", TimeZone: "UTC", Start: "2026-01-16"}),
				Length: 30 * time.Minute,
			},
		},
	}
}

// TestFeedParsesBack reads the feed with a real iCalendar parser and checks
// that recurrences keep their local time across a daylight-saving change.
func TestFeedParsesBack(t *testing.T) {
	raw := testCalendar(t).Bytes()
	golden(t, "meetings.ics", raw)
	cal, err := goical.NewDecoder(bytes.NewReader(raw)).Decode()
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	events := cal.Events()
	if len(events) != 3 {
		t.Fatalf("%d events, want 3", len(events))
	}
	tests := []struct {
		uid  string
		from time.Time
		want []string // UTC starts
	}{
		// Berlin goes from +01:00 to +02:00 on 29 March 2026: 09:00 local stays 09:00.
		{"meeting-meetings-planning@handbook.example.com", time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC),
			[]string{"2026-03-16T08:00:00Z", "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"}},
		// New York changes on 8 March: first Thursdays at 16:00 local.
		{"meeting-meetings-review@handbook.example.com", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			[]string{"2026-01-01T21:00:00Z", "2026-02-05T21:00:00Z", "2026-03-05T21:00:00Z", "2026-04-02T20:00:00Z"}},
		{"meeting-meetings-demo@handbook.example.com", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			[]string{"2026-01-16T09:00:00Z", "2026-01-30T09:00:00Z", "2026-02-13T09:00:00Z", "2026-02-27T09:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.uid, func(t *testing.T) {
			var ev *goical.Event
			for i := range events {
				if uid, _ := events[i].Props.Text(goical.PropUID); uid == tt.uid {
					ev = &events[i]
				}
			}
			if ev == nil {
				t.Fatalf("no event with UID %s", tt.uid)
			}
			set, err := ev.RecurrenceSet(time.UTC)
			if err != nil || set == nil {
				t.Fatalf("recurrence: %v", err)
			}
			var got []string
			for _, at := range set.Between(tt.from, tt.from.AddDate(0, 4, 0), true) {
				got = append(got, at.UTC().Format(time.RFC3339))
				if len(got) == len(tt.want) {
					break
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("occurrences %v\nwant %v", got, tt.want)
			}
		})
	}
	desc, err := events[0].Props.Text(goical.PropDescription)
	if err != nil || desc != testCalendar(t).Events[0].Description {
		t.Errorf("description did not survive escaping and folding: %q, %v", desc, err)
	}
	for _, l := range strings.Split(string(raw), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line longer than 75 octets: %q", l)
		}
	}
}

// TestZoneRules checks the VTIMEZONE against the zone database: the rule's
// onset in another year must be where Go sees the offset change.
func TestZoneRules(t *testing.T) {
	for _, name := range []string{"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata"} {
		t.Run(name, func(t *testing.T) {
			loc, _ := time.LoadLocation(name)
			var w writer
			writeZone(&w, loc, 2027, 2026)
			cal, err := goical.NewDecoder(strings.NewReader("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" + w.String() + "END:VCALENDAR\r\n")).Decode()
			if err != nil {
				t.Fatal(err)
			}
			for _, obs := range cal.Children[0].Children {
				to := obs.Props.Get("TZOFFSETTO").Value
				start := obs.Props.Get(goical.PropDateTimeStart).Value
				onset, err := time.Parse("20060102T150405", start)
				if err != nil {
					t.Fatal(err)
				}
				// An hour after the onset (local wall clock, old offset) the
				// new offset must be in force.
				from := obs.Props.Get("TZOFFSETFROM").Value
				after := onset.Add(-parseOffset(t, from)).Add(time.Hour)
				if _, off := after.In(loc).Zone(); utcOffset(off) != to {
					t.Errorf("%s onset %s: offset an hour later is %s, want %s", obs.Name, start, utcOffset(off), to)
				}
			}
		})
	}
}

func parseOffset(t *testing.T, s string) time.Duration {
	t.Helper()
	tm, err := time.Parse("-0700", s)
	if err != nil {
		t.Fatal(err)
	}
	_, off := tm.Zone()
	return time.Duration(off) * time.Second
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name), got)
}

package slash

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestOncallAcrossZones checks the on-call answer at fixed instants around
// daylight-saving changes and overrides. The expected shifts are worked out
// by hand from the fixture charters (SRE: weekly, Monday 10:00
// Europe/Berlin from 2026-01-05, ana → kwame → mei, mei overriding
// 30 Mar–5 Apr; APAC: daily 02:30 Australia/Sydney from 2026-01-01,
// lee → sam), not by asking the rotation code.
func TestOncallAcrossZones(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name      string
		team      string
		at        time.Time
		now       string // person on call now
		until     string // end of the shift in the rotation's zone
		untilUnix time.Time
		next      string
		override  bool
	}{
		{"winter, CET", "sre", utc("2026-03-18T12:00:00Z"), "Kwame Mensah", "Mon 23 Mar 10:00 CET", utc("2026-03-23T09:00:00Z"), "Mei", false},
		{"override week begins on the first DST Monday, 10:00 CEST = 08:00 UTC", "sre", utc("2026-03-30T08:00:00Z"), "Mei", "Mon 6 Apr 10:00 CEST", utc("2026-04-06T08:00:00Z"), "Kwame Mensah", true},
		{"override still on one minute before the CEST handoff", "sre", utc("2026-04-06T07:59:00Z"), "Mei", "Mon 6 Apr 10:00 CEST", utc("2026-04-06T08:00:00Z"), "Kwame Mensah", true},
		{"after the override, rotation resumes in order", "sre", utc("2026-04-06T08:00:00Z"), "Kwame Mensah", "Mon 13 Apr 10:00 CEST", utc("2026-04-13T08:00:00Z"), "Mei", false},
		{"autumn: first Monday back on CET, 09:30 local is before the handoff", "sre", utc("2026-10-26T08:30:00Z"), "Mei", "Mon 26 Oct 10:00 CET", utc("2026-10-26T09:00:00Z"), "Ana Ferreira", false},
		{"autumn: handoff at 10:00 CET = 09:00 UTC", "sre", utc("2026-10-26T09:00:00Z"), "Ana Ferreira", "Mon 2 Nov 10:00 CET", utc("2026-11-02T09:00:00Z"), "Kwame Mensah", false},
		{"Sydney after DST ended: 02:00 AEST is before the 02:30 handoff", "apac", utc("2026-04-05T16:00:00Z"), "Lee Wong", "Mon 6 Apr 02:30 AEST", utc("2026-04-05T16:30:00Z"), "Sam Taylor", false},
		{"Sydney handoff at 02:30 AEST = 16:30 UTC", "apac", utc("2026-04-05T16:30:00Z"), "Sam Taylor", "Tue 7 Apr 02:30 AEST", utc("2026-04-06T16:30:00Z"), "Lee Wong", false},
		{"Sydney summer time, AEDT: day 9 after the start", "apac", utc("2026-01-10T12:00:00Z"), "Sam Taylor", "Sun 11 Jan 02:30 AEDT", utc("2026-01-10T15:30:00Z"), "Lee Wong", false},
	}
	src := loadSource(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHandler(t, Options{Handbook: src, Now: func() time.Time { return tt.at }})
			r := h.Answer(context.Background(), Command{Text: "oncall " + tt.team})
			text := r.Blocks[1].Text.Text
			lines := strings.Split(text, "\n")
			if len(lines) != 3 {
				t.Fatalf("answer has %d lines, want team, now, next:\n%s", len(lines), text)
			}
			now, next := lines[1], lines[2]
			if !strings.Contains(now, "*Now:* *"+tt.now) {
				t.Errorf("now line = %q, want %s on call", now, tt.now)
			}
			if got := strings.Contains(now, "(override)"); got != tt.override {
				t.Errorf("override shown = %v, want %v: %q", got, tt.override, now)
			}
			want := "until " + tt.until + " (<!date^" + strconv.FormatInt(tt.untilUnix.Unix(), 10) + "^{date_short_pretty} {time}|" + tt.until + ">)"
			if !strings.Contains(now, want) {
				t.Errorf("now line = %q, want it to contain %q", now, want)
			}
			if !strings.Contains(next, "*Next:* *"+tt.next) || !strings.Contains(next, "from "+tt.until) {
				t.Errorf("next line = %q, want %s from %s", next, tt.next, tt.until)
			}
		})
	}
}

func TestOncallBeforeRotationStarts(t *testing.T) {
	h := newTestHandler(t, Options{Now: func() time.Time { return time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC) }})
	r := h.Answer(context.Background(), Command{Text: "oncall sre"})
	text := r.Blocks[1].Text.Text
	if !strings.Contains(text, "nobody yet") || !strings.Contains(text, "*Next:* *Ana Ferreira*") || !strings.Contains(text, "from Mon 5 Jan 10:00 CET") {
		t.Errorf("answer before the start:\n%s", text)
	}
}

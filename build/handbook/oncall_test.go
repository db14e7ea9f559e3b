package handbook

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// utc parses an RFC 3339 instant; test tables state expectations in UTC so
// that a wrong offset cannot hide behind a matching wall clock.
func utc(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatalf("bad instant %q: %v", s, err)
	}
	return t
}

func berlinWeekly() *Rotation {
	return &Rotation{
		Members:  []string{"ana", "ben", "cho"},
		Start:    "2026-03-02", // a Monday
		Handoff:  Handoff{Day: "monday", Time: "10:00"},
		TimeZone: "Europe/Berlin",
	}
}

func TestOnCall(t *testing.T) {
	berlin := berlinWeekly()
	berlinLateStart := berlinWeekly()
	berlinLateStart.Start = "2026-03-04" // a Wednesday: first handoff Monday 9th
	nyDaily := &Rotation{
		Members:  []string{"dee", "eli"},
		Start:    "2026-03-06",
		Handoff:  Handoff{Time: "09:00"},
		TimeZone: "America/New_York",
		Length:   "daily",
	}
	kolkata := &Rotation{
		Members:  []string{"fay", "gus"},
		Start:    "2026-01-01", // a Thursday: first handoff Wednesday 7th
		Handoff:  Handoff{Day: "Wed", Time: "09:30"},
		TimeZone: "Asia/Kolkata",
	}
	sydney := &Rotation{
		Members:  []string{"hal", "ivy"},
		Start:    "2026-03-29",
		Handoff:  Handoff{Day: "sunday", Time: "02:30"}, // inside both of 2026's DST changes
		TimeZone: "Australia/Sydney",
	}
	withOverrides := berlinWeekly()
	withOverrides.Overrides = []Override{
		{From: "2026-03-11", To: "2026-03-12", Person: "zed"}, // inside ben's shift
		{From: "2026-03-20", To: "2026-03-24", Person: "yan"}, // across a handoff
		{From: "2026-03-22", To: "2026-03-22", Person: "xi"},  // inside yan's, listed later: wins
	}
	oneMember := berlinWeekly()
	oneMember.Members = []string{"solo"}

	tests := []struct {
		name       string
		rot        *Rotation
		at         string
		person     string
		start, end string
		override   bool
		err        error
	}{
		{name: "first shift", rot: berlin, at: "2026-03-04T12:00:00Z",
			person: "ana", start: "2026-03-02T09:00:00Z", end: "2026-03-09T09:00:00Z"},
		{name: "instant of handoff belongs to the new shift", rot: berlin, at: "2026-03-09T09:00:00Z",
			person: "ben", start: "2026-03-09T09:00:00Z", end: "2026-03-16T09:00:00Z"},
		{name: "last instant before handoff", rot: berlin, at: "2026-03-09T08:59:59.999Z",
			person: "ana", start: "2026-03-02T09:00:00Z", end: "2026-03-09T09:00:00Z"},
		{name: "same local day before handoff", rot: berlin, at: "2026-03-16T08:00:00Z",
			person: "ben", start: "2026-03-09T09:00:00Z", end: "2026-03-16T09:00:00Z"},
		{name: "wrap around to the first member", rot: berlin, at: "2026-03-25T00:00:00Z",
			person: "ana", start: "2026-03-23T09:00:00Z", end: "2026-03-30T08:00:00Z"},
		{name: "after spring DST handoff stays 10:00 local", rot: berlin, at: "2026-03-30T08:00:00Z",
			person: "ben", start: "2026-03-30T08:00:00Z", end: "2026-04-06T08:00:00Z"},
		{name: "spring DST: 09:30 local is still the old shift", rot: berlin, at: "2026-03-30T07:30:00Z",
			person: "ana", start: "2026-03-23T09:00:00Z", end: "2026-03-30T08:00:00Z"},
		{name: "autumn DST shift is 169 hours", rot: berlin, at: "2026-10-25T12:00:00Z",
			person: "ana", start: "2026-10-19T08:00:00Z", end: "2026-10-26T09:00:00Z"},
		{name: "a year later the order still holds", rot: berlin, at: "2027-03-01T09:00:00Z",
			person: "ben", start: "2027-03-01T09:00:00Z", end: "2027-03-08T09:00:00Z"},
		{name: "before the first handoff", rot: berlin, at: "2026-03-02T08:59:59Z", err: ErrNotStarted},
		{name: "start midweek waits for the handoff day", rot: berlinLateStart, at: "2026-03-05T12:00:00Z", err: ErrNotStarted},
		{name: "start midweek first shift", rot: berlinLateStart, at: "2026-03-09T09:00:00Z",
			person: "ana", start: "2026-03-09T09:00:00Z", end: "2026-03-16T09:00:00Z"},
		{name: "daily New York before spring DST", rot: nyDaily, at: "2026-03-07T15:00:00Z",
			person: "eli", start: "2026-03-07T14:00:00Z", end: "2026-03-08T13:00:00Z"},
		{name: "daily New York DST day is 23 hours", rot: nyDaily, at: "2026-03-08T12:59:00Z",
			person: "eli", start: "2026-03-07T14:00:00Z", end: "2026-03-08T13:00:00Z"},
		{name: "daily New York after spring DST", rot: nyDaily, at: "2026-03-08T13:00:00Z",
			person: "dee", start: "2026-03-08T13:00:00Z", end: "2026-03-09T13:00:00Z"},
		{name: "daily New York November change is 25 hours", rot: nyDaily, at: "2026-11-01T05:00:00Z",
			// 2026-03-06 → 2026-10-31 is 239 days: odd → eli.
			person: "eli", start: "2026-10-31T13:00:00Z", end: "2026-11-01T14:00:00Z"},
		{name: "Kolkata half-hour offset", rot: kolkata, at: "2026-01-14T04:00:00Z",
			person: "gus", start: "2026-01-14T04:00:00Z", end: "2026-01-21T04:00:00Z"},
		{name: "Kolkata before handoff", rot: kolkata, at: "2026-01-14T03:59:00Z",
			person: "fay", start: "2026-01-07T04:00:00Z", end: "2026-01-14T04:00:00Z"},
		{name: "Sydney ambiguous 02:30 means the first one", rot: sydney, at: "2026-04-04T16:00:00Z",
			person: "ivy", start: "2026-04-04T15:30:00Z", end: "2026-04-11T16:30:00Z"},
		{name: "Sydney skipped 02:30 reads as 03:30 daylight time", rot: sydney, at: "2026-10-03T16:29:00Z",
			// 27 weeks after 2026-03-29: hal, ivy, … week 26 is hal.
			person: "hal", start: "2026-09-26T16:30:00Z", end: "2026-10-03T16:30:00Z"},
		{name: "Sydney after skipped handoff", rot: sydney, at: "2026-10-03T16:30:00Z",
			person: "ivy", start: "2026-10-03T16:30:00Z", end: "2026-10-10T15:30:00Z"},
		{name: "override inside a shift", rot: withOverrides, at: "2026-03-12T12:00:00Z",
			person: "zed", start: "2026-03-11T09:00:00Z", end: "2026-03-13T09:00:00Z", override: true},
		{name: "regular shift resumes after override", rot: withOverrides, at: "2026-03-13T09:00:00Z",
			person: "ben", start: "2026-03-13T09:00:00Z", end: "2026-03-16T09:00:00Z"},
		{name: "regular shift cut short by override", rot: withOverrides, at: "2026-03-10T09:00:00Z",
			person: "ben", start: "2026-03-09T09:00:00Z", end: "2026-03-11T09:00:00Z"},
		{name: "override across a handoff", rot: withOverrides, at: "2026-03-23T12:00:00Z",
			person: "yan", start: "2026-03-23T09:00:00Z", end: "2026-03-25T09:00:00Z", override: true},
		{name: "override before the inner one", rot: withOverrides, at: "2026-03-21T00:00:00Z",
			person: "yan", start: "2026-03-20T09:00:00Z", end: "2026-03-22T09:00:00Z", override: true},
		{name: "later override wins", rot: withOverrides, at: "2026-03-22T10:00:00Z",
			person: "xi", start: "2026-03-22T09:00:00Z", end: "2026-03-23T09:00:00Z", override: true},
		{name: "regular shift after override across handoff", rot: withOverrides, at: "2026-03-25T09:00:00Z",
			person: "ana", start: "2026-03-25T09:00:00Z", end: "2026-03-30T08:00:00Z"},
		{name: "one member", rot: oneMember, at: "2026-05-01T00:00:00Z",
			person: "solo", start: "2026-04-27T08:00:00Z", end: "2026-05-04T08:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.rot.OnCall(utc(t, tt.at))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("OnCall(%s) = %+v, %v; want error %v", tt.at, got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("OnCall(%s): %v", tt.at, err)
			}
			want := Shift{Person: tt.person, Start: utc(t, tt.start), End: utc(t, tt.end), Override: tt.override}
			if got.Person != want.Person || !got.Start.Equal(want.Start) || !got.End.Equal(want.End) || got.Override != want.Override {
				t.Errorf("OnCall(%s)\n got %s %s–%s override=%v\nwant %s %s–%s override=%v", tt.at,
					got.Person, got.Start.UTC().Format(time.RFC3339), got.End.UTC().Format(time.RFC3339), got.Override,
					want.Person, want.Start.Format(time.RFC3339), want.End.Format(time.RFC3339), want.Override)
			}
			if got.Start.Location().String() != tt.rot.TimeZone {
				t.Errorf("shift is in %s, want the rotation's zone %s", got.Start.Location(), tt.rot.TimeZone)
			}
		})
	}
}

func TestNextAndShifts(t *testing.T) {
	r := berlinWeekly()
	r.Overrides = []Override{{From: "2026-02-20", To: "2026-02-21", Person: "early"}}

	tests := []struct {
		name string
		at   string
		want []string // person@start (UTC) for Shifts(at, len(want)); want[1] is Next(at)
	}{
		{name: "mid shift", at: "2026-03-10T00:00:00Z",
			want: []string{"ben@2026-03-09T09:00:00Z", "cho@2026-03-16T09:00:00Z", "ana@2026-03-23T09:00:00Z", "ben@2026-03-30T08:00:00Z"}},
		{name: "before start", at: "2026-02-01T00:00:00Z",
			want: []string{"early@2026-02-20T09:00:00Z", "ana@2026-03-02T09:00:00Z", "ben@2026-03-09T09:00:00Z"}},
		{name: "in an override before start", at: "2026-02-21T00:00:00Z",
			want: []string{"early@2026-02-20T09:00:00Z", "ana@2026-03-02T09:00:00Z"}},
		{name: "gap between override and start", at: "2026-02-25T00:00:00Z",
			want: []string{"ana@2026-03-02T09:00:00Z", "ben@2026-03-09T09:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := utc(t, tt.at)
			shifts, err := r.Shifts(at, len(tt.want))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range shifts {
				got = append(got, s.Person+"@"+s.Start.UTC().Format(time.RFC3339))
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("Shifts:\n got %v\nwant %v", got, tt.want)
			}
			for i := 1; i < len(shifts); i++ {
				if !shifts[i].Start.Equal(shifts[i-1].End) && tt.name != "before start" && tt.name != "in an override before start" {
					t.Errorf("shift %d starts %v, previous ends %v", i, shifts[i].Start, shifts[i-1].End)
				}
			}
			next, err := r.Next(at)
			if err != nil {
				t.Fatal(err)
			}
			// Next is the shift after the one covering at; before start it is
			// the first shift to begin.
			wantNext := shifts[1]
			if _, err := r.OnCall(at); errors.Is(err, ErrNotStarted) {
				wantNext = shifts[0]
			}
			if next.Person != wantNext.Person || !next.Start.Equal(wantNext.Start) || !next.End.Equal(wantNext.End) {
				t.Errorf("Next = %+v, want %+v", next, wantNext)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Rotation)
		want []string // substrings of the error; nil means valid
	}{
		{name: "valid", edit: func(*Rotation) {}},
		{name: "daily needs no day", edit: func(r *Rotation) { r.Length = "daily"; r.Handoff.Day = "" }},
		{name: "abbreviated capitalised day", edit: func(r *Rotation) { r.Handoff.Day = "Mon" }},
		{name: "single-digit hour", edit: func(r *Rotation) { r.Handoff.Time = "9:05" }},
		{name: "unknown zone", edit: func(r *Rotation) { r.TimeZone = "Europe/Atlantis" },
			want: []string{`timezone "Europe/Atlantis" is not a known IANA zone`}},
		{name: "missing zone", edit: func(r *Rotation) { r.TimeZone = "" }, want: []string{"timezone is missing"}},
		{name: "Local zone", edit: func(r *Rotation) { r.TimeZone = "Local" }, want: []string{`"Local" depends on the machine`}},
		{name: "bad day", edit: func(r *Rotation) { r.Handoff.Day = "funday" }, want: []string{`handoff.day "funday" is not a weekday`}},
		{name: "missing day for weekly", edit: func(r *Rotation) { r.Handoff.Day = "" }, want: []string{"handoff.day is missing"}},
		{name: "bad time", edit: func(r *Rotation) { r.Handoff.Time = "25:00" }, want: []string{`"25:00" is not a 24-hour HH:MM time`}},
		{name: "time with seconds", edit: func(r *Rotation) { r.Handoff.Time = "10:00:00" }, want: []string{"is not a 24-hour HH:MM time"}},
		{name: "missing time", edit: func(r *Rotation) { r.Handoff.Time = "" }, want: []string{"handoff.time is missing"}},
		{name: "bad length", edit: func(r *Rotation) { r.Length = "fortnightly" }, want: []string{`length "fortnightly"`}},
		{name: "bad start", edit: func(r *Rotation) { r.Start = "2026-13-01" }, want: []string{`start: "2026-13-01" is not a YYYY-MM-DD date`}},
		{name: "no members", edit: func(r *Rotation) { r.Members = nil }, want: []string{"members is empty"}},
		{name: "blank member", edit: func(r *Rotation) { r.Members = []string{"ana", " "} }, want: []string{"members[1] is empty"}},
		{name: "override backwards and unnamed", edit: func(r *Rotation) {
			r.Overrides = []Override{{From: "2026-03-10", To: "2026-03-09"}}
		}, want: []string{"overrides[0]: to 2026-03-09 is before from 2026-03-10", "overrides[0].person is empty"}},
		{name: "override bad dates", edit: func(r *Rotation) {
			r.Overrides = []Override{{From: "soon", To: "2026/03/09", Person: "x"}}
		}, want: []string{`overrides[0].from: "soon"`, `overrides[0].to: "2026/03/09"`}},
		{name: "every problem at once", edit: func(r *Rotation) {
			r.TimeZone, r.Handoff.Day, r.Handoff.Time = "Mars/Olympus", "someday", "noon"
		}, want: []string{"Mars/Olympus", "someday", "noon"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := berlinWeekly()
			tt.edit(r)
			err := r.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				if _, err := r.OnCall(utc(t, "2026-06-01T12:00:00Z")); err != nil {
					t.Fatalf("valid rotation: OnCall: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
			if _, err2 := r.OnCall(time.Now()); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("OnCall error %v, want the validation error", err2)
			}
		})
	}
}

// TestOnCallMatchesLinearScan checks OnCall against an independent, slow
// model: walk the handoffs one by one with time.Date, which agrees with the
// package's wall-clock rule whenever the handoff time exists exactly once.
func TestOnCallMatchesLinearScan(t *testing.T) {
	zones := []string{"Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC"}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, zone := range zones {
		for _, length := range []string{"weekly", "daily"} {
			r := &Rotation{
				Members:  []string{"a", "b", "c", "d", "e"},
				Start:    "2025-12-30",
				Handoff:  Handoff{Day: "thursday", Time: "10:15"},
				TimeZone: zone,
				Length:   length,
			}
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Fatal(err)
			}
			first := time.Date(2026, 1, 1, 10, 15, 0, 0, loc) // the first Thursday on or after Start
			step := 7
			if length == "daily" {
				first = time.Date(2025, 12, 30, 10, 15, 0, 0, loc)
				step = 1
			}
			for i := 0; i < 300; i++ {
				at := first.Add(time.Duration(rng.Int64N(int64(2 * 365 * 24 * time.Hour))))
				var k int
				for time.Date(first.Year(), first.Month(), first.Day()+(k+1)*step, 10, 15, 0, 0, loc).Compare(at) <= 0 {
					k++
				}
				wantStart := time.Date(first.Year(), first.Month(), first.Day()+k*step, 10, 15, 0, 0, loc)
				wantEnd := time.Date(first.Year(), first.Month(), first.Day()+(k+1)*step, 10, 15, 0, 0, loc)
				got, err := r.OnCall(at)
				if err != nil {
					t.Fatalf("%s %s OnCall(%v): %v", zone, length, at, err)
				}
				if got.Person != r.Members[k%5] || !got.Start.Equal(wantStart) || !got.End.Equal(wantEnd) {
					t.Fatalf("%s %s OnCall(%v) = %s %v–%v, want %s %v–%v", zone, length, at,
						got.Person, got.Start, got.End, r.Members[k%5], wantStart, wantEnd)
				}
				if local := got.Start.Format("15:04"); local != "10:15" {
					t.Fatalf("%s handoff at local %s, want 10:15", zone, local)
				}
			}
		}
	}
}

func BenchmarkOnCall(b *testing.B) {
	r := berlinWeekly()
	r.Overrides = []Override{{From: "2026-03-11", To: "2026-03-12", Person: "zed"}}
	at := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
	for b.Loop() {
		if _, err := r.OnCall(at); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTeamPerson(t *testing.T) {
	tm := &Team{ID: "sre", People: []Person{{ID: "ana", Name: "Ana", Slack: "U01"}, {ID: "ben", Name: "Ben"}}}
	tests := []struct {
		name, id, want string
	}{
		{name: "first", id: "ana", want: "Ana"},
		{name: "second", id: "ben", want: "Ben"},
		{name: "missing", id: "zed", want: ""},
		{name: "case matters", id: "Ana", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			p, ok := tm.Person(tt.id)
			if ok {
				got = p.Name
			}
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("Person(%q) = %q, %v; want %q", tt.id, got, ok, tt.want)
			}
		})
	}
}

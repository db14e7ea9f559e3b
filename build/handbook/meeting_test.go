package handbook

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSeriesBetween(t *testing.T) {
	from, to := utc(t, "2026-03-23T00:00:00Z"), utc(t, "2026-04-11T00:00:00Z") // three weeks around Berlin's DST change (29 March)
	tests := []struct {
		name string
		c    Cadence
		want []string
	}{
		{"weekly keeps local time across DST", Cadence{Every: "weekly", Days: []string{"monday"}, Time: "09:00", TimeZone: "Europe/Berlin"},
			[]string{"2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"}},
		{"daily defaults to weekdays", Cadence{Every: "daily", Time: "09:30", TimeZone: "UTC"}, nil}, // checked by count below
		{"biweekly takes the week of start", Cadence{Every: "biweekly", Days: []string{"friday"}, Time: "09:00", TimeZone: "UTC", Start: "2026-01-16"},
			[]string{"2026-03-27T09:00:00Z", "2026-04-10T09:00:00Z"}},
		{"biweekly other week", Cadence{Every: "biweekly", Days: []string{"friday"}, Time: "09:00", TimeZone: "UTC", Start: "2026-01-09"},
			[]string{"2026-04-03T09:00:00Z"}},
		{"monthly nth weekday from start", Cadence{Every: "monthly", Days: []string{"thursday"}, Time: "16:00", TimeZone: "America/New_York", Start: "2026-01-01"},
			[]string{"2026-04-02T20:00:00Z"}},
		{"monthly last weekday", Cadence{Every: "monthly", Time: "10:00", TimeZone: "UTC", Start: "2026-01-30"}, // fifth Friday: the last
			[]string{"2026-03-27T10:00:00Z"}},
		{"nothing before start", Cadence{Every: "weekly", Days: []string{"monday"}, Time: "09:00", Start: "2026-04-01"},
			[]string{"2026-04-06T09:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.c.Series()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range s.Between(from, to) {
				got = append(got, x.UTC().Format(time.RFC3339))
			}
			if tt.want == nil {
				if len(got) != 15 {
					t.Errorf("got %d meetings in three weeks, want 15", len(got))
				}
				return
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestSeriesErrors(t *testing.T) {
	_, err := Cadence{Every: "biweekly", Days: []string{"monday"}, Time: "09:00"}.Series()
	if !errors.Is(err, ErrNoStart) {
		t.Errorf("biweekly without start: %v, want ErrNoStart", err)
	}
	_, err = Cadence{Every: "weekly", Days: []string{"someday"}, Time: "25:00", TimeZone: "Mars/Base"}.Series()
	for _, want := range []string{"someday", "25:00", "Mars/Base"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
}

func TestSeriesNext(t *testing.T) {
	s, err := Cadence{Every: "monthly", Days: []string{"monday"}, Time: "09:00", TimeZone: "UTC", Start: "2026-01-05"}.Series()
	if err != nil {
		t.Fatal(err)
	}
	got, ok := s.Next(utc(t, "2026-02-03T00:00:00Z"))
	if !ok || !got.Equal(utc(t, "2026-03-02T09:00:00Z")) {
		t.Errorf("next = %v %v, want the first Monday of March", got, ok)
	}
}

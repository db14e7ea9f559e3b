package views

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/build/ical"
)

// AllFeedURL is the calendar of every meeting.
const AllFeedURL = "/calendar/meetings.ics"

// MeetingFeedURL is the calendar of one meeting, beside its page.
func MeetingFeedURL(pageURL string) string { return pageURL + "calendar.ics" }

// TeamFeedURL is the calendar of the meetings a team owns or attends.
func TeamFeedURL(team string) string { return "/calendar/" + team + ".ics" }

// File is a generated file that is not a page: a calendar, a feed.
type File struct {
	Title string
	Kind  string // "calendar" or "feed"
	Data  []byte
}

// Feeds returns the iCalendar files of the meetings, by site URL: one per
// meeting, one per team with meetings, one for all. abs makes a site URL
// absolute (or base-path prefixed) for the events' links.
func Feeds(m *handbook.Map, abs func(string) string, now time.Time) map[string]File {
	ms, _ := placeable(m.Meetings)
	if len(ms) == 0 {
		return nil
	}
	out := map[string]File{}
	cal := func(c ical.Calendar) File {
		return File{Title: "Calendar: " + c.Name, Kind: "calendar", Data: c.Bytes()}
	}
	all := ical.Calendar{Name: "Meetings of " + m.Title, Stamp: now}
	perTeam := map[string][]ical.Event{}
	for _, mt := range ms {
		e := event(mt, abs)
		out[MeetingFeedURL(mt.URL)] = cal(ical.Calendar{Name: mt.Title, Stamp: now, Events: []ical.Event{e}})
		all.Events = append(all.Events, e)
		for _, t := range m.Teams {
			if mt.Owner == t.ID || slices.Contains(mt.Attendees, t.ID) {
				perTeam[t.ID] = append(perTeam[t.ID], e)
			}
		}
	}
	out[AllFeedURL] = cal(all)
	for _, t := range m.Teams {
		if evs := perTeam[t.ID]; len(evs) > 0 {
			out[TeamFeedURL(t.ID)] = cal(ical.Calendar{Name: "Meetings of " + t.Name, Stamp: now, Events: evs})
		}
	}
	return out
}

func event(mt meetingSeries, abs func(string) string) ical.Event {
	var desc strings.Builder
	for i, a := range mt.Agenda {
		if i == 0 {
			desc.WriteString("Agenda:\n")
		}
		desc.WriteString(strconv.Itoa(i+1) + ". " + a + "\n")
	}
	if desc.Len() > 0 {
		desc.WriteString("\n")
	}
	desc.WriteString(abs(mt.URL))
	host := "compass"
	if u := abs("/"); strings.Contains(u, "://") {
		host = strings.Trim(strings.SplitN(strings.SplitN(u, "://", 2)[1], "/", 2)[0], "/")
	}
	return ical.Event{
		UID:         "meeting" + strings.ReplaceAll(strings.TrimSuffix(mt.URL, "/"), "/", "-") + "@" + host,
		Summary:     mt.Title,
		Description: desc.String(),
		URL:         abs(mt.URL),
		Series:      mt.series,
		Length:      mt.length,
	}
}

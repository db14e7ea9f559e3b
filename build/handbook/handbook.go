// Package handbook holds the types of compass.json, the handbook map that the
// site build writes and the bot, the slash commands and other tools read; the
// Source that loads it (with the search index beside it) and follows its
// deploys; and the on-call arithmetic over its rotations.
//
// Apart from the standard library it imports only build/search, which
// imports nothing else, so the bot can read the map and the index without
// pulling in the renderer.
package handbook

// Version is the compass.json schema version this package reads and writes.
const Version = 1

// Map is the whole handbook map, written to public/compass.json.
type Map struct {
	Version  int              `json:"version"`
	BaseURL  string           `json:"base_url"` // site base URL, "" when the site uses relative URLs
	Title    string           `json:"title"`    // site title
	Pages    []Page           `json:"pages"`    // every rendered page, sorted by URL
	Teams    []Team           `json:"teams"`    // one per charter page, sorted by ID
	Runbooks []Runbook        `json:"runbooks"` // one per runbook page, sorted by URL
	Meetings []Meeting        `json:"meetings"` // one per meeting page, sorted by URL
	Reviews  []IncidentReview `json:"reviews"`  // one per incident review page, newest first
	People   []Member         `json:"people"`   // everyone on any team, sorted by ID
	Views    []View           `json:"views"`    // the generated organisation pages, sorted by URL
}

// View is a page the build generates from the handbook's data: /people/ and
// a page per person, the meeting week, on call now, what changed, review
// due, incident reviews; and the files beside them (calendar feeds, the changes feed).
type View struct {
	URL   string `json:"url"`
	Title string `json:"title"`
	Kind  string `json:"kind"` // people, person, week, oncall, changes, review, reviews, calendar, feed
}

// Member is one person across every team they are on, and the hats they
// wear on each.
type Member struct {
	ID    string       `json:"id"`
	Name  string       `json:"name"`
	Slack string       `json:"slack,omitempty"`
	URL   string       `json:"url"` // the person's page, "/people/ana/"
	Teams []Membership `json:"teams"`
}

// Membership is a person's place on one team.
type Membership struct {
	Team  string   `json:"team"`            // team id
	Roles []string `json:"roles,omitempty"` // hats worn on that team
}

// Page is one rendered page of the handbook.
type Page struct {
	URL         string    `json:"url"`  // site-relative URL, "/policies/oncall/"
	Path        string    `json:"path"` // source file, relative to content/: "policies/oncall.md"
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Kind        string    `json:"kind,omitempty"` // policy, charter, meeting, runbook, guide, review; "" for plain pages
	Owner       string    `json:"owner,omitempty"`
	Tags        []string  `json:"tags,omitempty"`
	ReviewBy    string    `json:"review_by,omitempty"` // YYYY-MM-DD
	Sections    []Section `json:"sections"`            // every heading in document order
}

// Section is one heading inside a page and the text under it.
type Section struct {
	Heading string `json:"heading"`
	Level   int    `json:"level"`  // 1 to 6
	Anchor  string `json:"anchor"` // heading id, without "#"
	URL     string `json:"url"`    // page URL + "#" + anchor
}

// Team is a team defined by a charter page.
type Team struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	URL     string `json:"url"` // the charter page
	Channel string `json:"channel,omitempty"`
	// SlackGroup is the team's Slack user group, a handle ("sre-oncall")
	// or an ID ("S0123ABCD"): its members may silence the team's alerts.
	SlackGroup string    `json:"slack_group,omitempty"`
	Mission    string    `json:"mission,omitempty"`
	Goals      []string  `json:"goals,omitempty"`
	Roles      []Role    `json:"roles,omitempty"`
	Systems    []string  `json:"systems,omitempty"`
	People     []Person  `json:"people,omitempty"`
	Oncall     *Rotation `json:"oncall,omitempty"`
	Services   []string  `json:"services,omitempty"` // services named by the team's runbooks
}

// Role is a hat someone on a team can wear.
type Role struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Person is a member of a team and the hats they wear.
type Person struct {
	ID     string         `json:"id"` // stable handle, used by rotations ("ana")
	Name   string         `json:"name"`
	Slack  string         `json:"slack,omitempty"` // Slack user ID or handle
	Roles  []string       `json:"roles,omitempty"`
	Skills map[string]int `json:"skills,omitempty"` // skill → level 1..5
}

// Rotation is a team's on-call rotation: members take turns, one shift each,
// handing off on a weekday at a local time.
type Rotation struct {
	Members   []string   `json:"members"`          // person IDs in rotation order
	Start     string     `json:"start"`            // YYYY-MM-DD: the first shift begins at the first handoff on or after this date, with Members[0]
	Handoff   Handoff    `json:"handoff"`          // when shifts change
	TimeZone  string     `json:"timezone"`         // IANA zone, "Europe/Berlin"
	Length    string     `json:"length,omitempty"` // "weekly" (default) or "daily"
	Overrides []Override `json:"overrides,omitempty"`
}

// Handoff is the weekday and local time at which a shift changes.
type Handoff struct {
	Day  string `json:"day"`  // "monday"
	Time string `json:"time"` // "09:00", 24-hour, in the rotation's time zone
}

// Override puts someone else on call for a date range (inclusive, local dates).
type Override struct {
	From   string `json:"from"` // YYYY-MM-DD
	To     string `json:"to"`   // YYYY-MM-DD
	Person string `json:"person"`
}

// Runbook is a page that tells a responder what to do about some alerts.
type Runbook struct {
	URL      string   `json:"url"`
	Title    string   `json:"title"`
	Owner    string   `json:"owner,omitempty"`
	Alerts   []string `json:"alerts"` // alert names or glob patterns ("KubeCPUOvercommit", "Disk*")
	Services []string `json:"services,omitempty"`
	Severity string   `json:"severity,omitempty"`
}

// Meeting is a recurring meeting from a meeting page.
type Meeting struct {
	URL       string   `json:"url"`
	Title     string   `json:"title"`
	Owner     string   `json:"owner,omitempty"`
	Cadence   Cadence  `json:"cadence"`
	Duration  string   `json:"duration,omitempty"` // Go duration: "30m", "1h"
	Attendees []string `json:"attendees,omitempty"`
	Agenda    []string `json:"agenda,omitempty"`
	Next      string   `json:"next,omitempty"` // RFC 3339 start of the next occurrence after the build, "" when it cannot be placed
}

// Cadence says when a meeting recurs.
type Cadence struct {
	Every    string   `json:"every"`              // "weekly", "daily", "biweekly", "monthly"
	Days     []string `json:"days,omitempty"`     // weekdays it falls on
	Time     string   `json:"time,omitempty"`     // "15:00"
	TimeZone string   `json:"timezone,omitempty"` // IANA zone
	Note     string   `json:"note,omitempty"`     // "only in the middle week of an iteration"
	// Start is the first date the meeting can fall on (YYYY-MM-DD). It fixes
	// which week a biweekly meeting falls in (the week of Start is one of
	// its weeks) and which weekday of the month a monthly one takes (a start
	// on the first Monday means every first Monday).
	Start string `json:"start,omitempty"`
}

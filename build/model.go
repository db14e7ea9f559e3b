package build

import (
	"slices"

	"github.com/compasshq/compass/build/handbook"
)

// Kinds of page, from the content model. A page without a kind is a plain
// page (rendered like a guide, listed nowhere special).
const (
	KindPolicy  = "policy"
	KindCharter = "charter"
	KindMeeting = "meeting"
	KindRunbook = "runbook"
	KindGuide   = "guide"
	KindReview  = "review"
)

// Meta is a page's validated front matter. Kind-specific fields live in the
// pointer for that kind, which is nil for other kinds, so templates can ask
// {{with .Page.Meta.Charter}}.
type Meta struct {
	Title       string
	Description string
	Kind        string
	Owner       string
	Tags        []string
	ReviewBy    string // YYYY-MM-DD, "" when not set
	Aliases     []string
	Weight      int
	Draft       bool

	Charter *Charter
	Meeting *Meeting
	Runbook *Runbook
	Policy  *Policy
	Review  *Review

	// pos holds where each top-level key's value is, for checks that can
	// only run once the whole site is loaded (owner names a team, alias
	// clashes with a page).
	pos map[string]Position
}

// Charter is the front matter of a team charter.
type Charter struct {
	Team    string
	Mission string
	Goals   []string
	Roles   []handbook.Role
	Systems []string
	Channel string
	// SlackGroup is the team's Slack user group (handle or ID): its members
	// may silence the team's alerts from Slack.
	SlackGroup string
	People     []handbook.Person
	Oncall     *handbook.Rotation
}

// Skills reports whether anyone on the team has skills listed, so the theme
// draws the skills chart only when there is something to chart.
func (c *Charter) Skills() []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range c.People {
		for s := range p.Skills {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Person returns the team member with the given id, or nil.
func (c *Charter) Person(id string) *handbook.Person {
	for i := range c.People {
		if c.People[i].ID == id {
			return &c.People[i]
		}
	}
	return nil
}

// Meeting is the front matter of a recurring meeting.
type Meeting struct {
	Cadence   handbook.Cadence
	Duration  string // Go duration, "30m"
	Attendees []string
	Agenda    []string
}

// Runbook is the front matter of a runbook.
type Runbook struct {
	Alerts   []string // names or path.Match glob patterns
	Services []string
	Severity string // critical, warning, info
}

// Policy is the front matter of a policy.
type Policy struct {
	Effective string // YYYY-MM-DD
	AppliesTo []string
}

// Review is the front matter of an incident review: which incident, from
// which alert sources, when it was started, acknowledged and resolved, and
// which runbooks it used. The owning team is the page's owner.
type Review struct {
	Incident     string   // the bot's incident key, "alertmanager/…", "pagerduty/…"
	Sources      []string // alert sources: alertmanager, grafana, pagerduty, opsgenie
	Severity     string   // critical, warning, info
	Started      string   // RFC 3339 times, "" when not set
	Acknowledged string
	Resolved     string
	Duration     string   // Go duration, resolved − started: "1h25m"
	Runbooks     []string // related runbooks, as links to their pages ("/runbooks/disk/", "../runbooks/disk.md")

	runbookPos []Position // where each of Runbooks is written
}

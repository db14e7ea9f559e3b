package handbook

import (
	"strconv"
	"strings"
)

// IncidentReview is an incident review page (kind: review) as compass.json
// lists it, and the front matter the bot writes when it drafts one: the
// site and the bot share this type so a draft always has the keys
// `compass check` reads.
type IncidentReview struct {
	URL          string   `json:"url"` // the review page; "" in a draft not yet on the site
	Title        string   `json:"title"`
	Description  string   `json:"description,omitempty"`
	Incident     string   `json:"incident"`          // the bot's incident key, "alertmanager/…", "pagerduty/…"
	Sources      []string `json:"sources,omitempty"` // alertmanager, grafana, pagerduty, opsgenie
	Severity     string   `json:"severity,omitempty"`
	Started      string   `json:"started"`                // RFC 3339
	Acknowledged string   `json:"acknowledged,omitempty"` // RFC 3339, "" when nobody acknowledged
	Resolved     string   `json:"resolved,omitempty"`     // RFC 3339
	Duration     string   `json:"duration,omitempty"`     // Go duration, resolved − started: "1h25m"
	Owner        string   `json:"owner,omitempty"`        // the owning team's id
	Runbooks     []string `json:"runbooks,omitempty"`     // the runbooks' page URLs, "/runbooks/disk-filling-up/"
}

// ReviewHeadings are the sections of an incident review left for people to
// fill, in order, under the timeline; `compass new review` and the bot's
// draft both write them.
var ReviewHeadings = []string{"Impact", "Cause", "What went well", "What to change"}

// FrontMatter writes r as a review page's front matter, between its "---"
// lines, in the order people read it. Strings are YAML double-quoted (Go
// quoting is a subset), so alert text cannot break the YAML.
func (r IncidentReview) FrontMatter() string {
	var b strings.Builder
	b.WriteString("---\n")
	str := func(key, v string) {
		if v != "" {
			b.WriteString(key + ": " + strconv.Quote(v) + "\n")
		}
	}
	list := func(key string, vs []string) {
		if len(vs) == 0 {
			return
		}
		b.WriteString(key + ":\n")
		for _, v := range vs {
			b.WriteString("  - " + strconv.Quote(v) + "\n")
		}
	}
	str("title", r.Title)
	str("description", r.Description)
	b.WriteString("kind: review\n")
	str("owner", r.Owner)
	str("incident", r.Incident)
	list("sources", r.Sources)
	str("severity", r.Severity)
	// Times and durations are plain: they only hold digits, letters and ":".
	for _, kv := range [][2]string{{"started", r.Started}, {"acknowledged", r.Acknowledged}, {"resolved", r.Resolved}, {"duration", r.Duration}} {
		if kv[1] != "" {
			b.WriteString(kv[0] + ": " + kv[1] + "\n")
		}
	}
	list("runbooks", r.Runbooks)
	b.WriteString("---\n")
	return b.String()
}

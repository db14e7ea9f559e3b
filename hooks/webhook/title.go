package webhook

import "regexp"

// statusPrefix is the "[FIRING:3] " or "[RESOLVED] " that Alertmanager's
// default templates put before the subject of what it sends to PagerDuty,
// Opsgenie and others.
var statusPrefix = regexp.MustCompile(`^\s*\[(?i:firing|resolved)(?::\d+)?\]\s*`)

// TrimStatusPrefix drops Alertmanager's status prefix from a page's title:
// the bot shows the incident's status itself, and a title that carries the
// status of the moment it was sent ("[FIRING:3]") goes stale at once.
func TrimStatusPrefix(title string) string {
	if loc := statusPrefix.FindStringIndex(title); loc != nil && loc[1] < len(title) {
		return title[loc[1]:]
	}
	return title
}

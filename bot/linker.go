package bot

// Linker finds handbook sections for an incident and the channel of the team
// that owns it. bot declares what it consumes; cmd/compass adapts the
// concrete bot/linker to it, so the bot does not depend on how links are
// ranked.
type Linker interface {
	// Links returns the handbook links for q, best first.
	Links(q LinkQuery) []Link
	// TeamChannel returns the Slack channel of the team owning the alerts,
	// or "" when no team or no channel is known.
	TeamChannel(labels map[string]string, alertNames []string) string
}

// LinkQuery describes an incident to the linker.
type LinkQuery struct {
	AlertNames  []string
	Labels      map[string]string
	Severity    string
	RunbookURLs []string // runbook_url annotations
	Title       string
}

// Link is one handbook link in a message.
type Link struct {
	Title string
	URL   string
	Why   string // "runbook for KubeCPUOvercommit", "owning team", …
}

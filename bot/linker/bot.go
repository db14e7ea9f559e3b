package linker

import "github.com/compasshq/compass/bot"

// ForBot returns l as the bot's Linker, which takes the bot's own query and
// link types and gives each link's reason in words.
func (l *Linker) ForBot() bot.Linker { return botLinker{l} }

// botLinker adapts a Linker to the small interface the bot declares.
type botLinker struct{ l *Linker }

var _ bot.Linker = botLinker{}

// whyText turns the reason codes into words for messages.
var whyText = map[string]string{
	WhyRunbook: "runbook", WhyTeam: "owning team", WhyPolicy: "on-call policy",
	WhyRunbookURL: "alert's runbook_url", WhySearch: "search hit",
}

func (a botLinker) Links(q bot.LinkQuery) []bot.Link {
	ls := a.l.Links(Query{AlertNames: q.AlertNames, Labels: q.Labels, Severity: q.Severity, RunbookURLs: q.RunbookURLs, Title: q.Title})
	out := make([]bot.Link, len(ls))
	for i, l := range ls {
		why := whyText[l.Why]
		if why == "" {
			why = l.Why
		}
		out[i] = bot.Link{Title: l.Title, URL: l.URL, Why: why}
	}
	return out
}

func (a botLinker) TeamChannel(labels map[string]string, alertNames []string) string {
	if tm, ok := a.l.TeamFor(labels, alertNames); ok && tm != nil {
		return tm.Channel
	}
	return ""
}

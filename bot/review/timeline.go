package review

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/compasshq/compass/bot"
)

// entry is one line of the timeline.
type entry struct {
	at   time.Time
	what string // Markdown, escaped
}

// timeline lists the incident's opening, every change and every note by
// time, a Markdown list item each: the date on the first line and when it
// changes, else the time of day.
func timeline(in Input) []string {
	inc := in.Incident
	es := []entry{{inc.OpenedAt, who(inc.Source) + ": opened: " + escape(inc.DisplayTitle(), 200)}}
	for _, m := range inc.Members[min(1, len(inc.Members)):] {
		// A page (or group) that joined the incident after it opened.
		es = append(es, entry{m.OpenedAt, who(m.Source) + " joined: " + escape(cmp.Or(m.Title, m.Key), 200)})
	}
	for _, c := range in.Changes {
		if c.Kind != bot.ChangeOpened {
			es = append(es, entry{c.At, changeText(inc, c)})
		}
	}
	for _, n := range in.Notes {
		es = append(es, entry{n.At, who(n.Who) + " wrote: " + escape(n.Text, 500)})
	}
	slices.SortStableFunc(es, func(a, b entry) int { return cmp.Compare(a.at.UnixNano(), b.at.UnixNano()) })
	out := make([]string, 0, len(es)+1)
	day := ""
	for _, e := range es {
		t := e.at.UTC()
		stamp := t.Format("15:04")
		if d := t.Format(time.DateOnly); d != day {
			day, stamp = d, d+" "+stamp
		}
		out = append(out, "- **"+stamp+"** "+e.what)
	}
	if in.Dropped > 0 {
		out = append(out, "- …and "+strconv.Itoa(in.Dropped)+" more changes the bot merged away while Slack was slow; see the thread")
	}
	return out
}

// changeText says what a change did and who did it; changes without an
// actor are the source's.
func changeText(inc *bot.Incident, c bot.Change) string {
	actor := who(cmp.Or(c.Actor, inc.Source))
	note := escape(c.Note, 200)
	switch c.Kind {
	case bot.ChangeAlertsFiring:
		return actor + ": started firing: " + alertList(c.Alerts)
	case bot.ChangeAlertsResolved:
		return actor + ": stopped firing: " + alertList(c.Alerts)
	case bot.ChangeAcknowledged:
		return actor + " acknowledged"
	case bot.ChangeUnacknowledged:
		return actor + " unacknowledged; nobody owned it"
	case bot.ChangeEscalated:
		return actor + " escalated to " + note
	case bot.ChangeReassigned:
		return actor + " reassigned it to " + note
	case bot.ChangeNote:
		return actor + " noted: " + escape(c.Note, 500)
	case bot.ChangePriority:
		return actor + " set the priority to " + note
	case bot.ChangeSeverity:
		return actor + ": severity is now " + note
	case bot.ChangeResolved:
		return actor + " resolved it"
	case bot.ChangeReopened:
		return actor + " reopened it"
	}
	return actor + ": " + escape(string(c.Kind), 40)
}

// alertList names up to ten alerts; the thread has them all.
func alertList(alerts []string) string {
	var parts []string
	for i, a := range alerts {
		if i == 10 {
			parts = append(parts, "and "+strconv.Itoa(len(alerts)-10)+" more")
			break
		}
		parts = append(parts, escape(a, 120))
	}
	return strings.Join(parts, ", ")
}

// who names a person or a source in the timeline.
func who(name string) string {
	if name == "" {
		return "Someone"
	}
	return escape(name, 80)
}

// escape makes text from alerts, sources and people one line of Markdown
// text: nothing in it becomes a link, HTML, an entity, emphasis or code;
// at most n bytes (cut on a rune boundary, with an ellipsis). Block syntax
// needs no escape: every line starts with the bot's own "- **time**".
func escape(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf && strings.ContainsRune("\\`*_[]<>!&|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

package bot

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Escape makes s safe to put in Slack mrkdwn: &, < and > become entities so
// that text cannot form <!channel>, <@U123> or <http://x|links>, and the bare
// words @channel, @here and @everyone get a word joiner so that Slack does
// not expand them either.
func Escape(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = mrkdwnEscaper.Replace(s)
	return mentionRE.ReplaceAllString(s, "@\u2060$1")
}

var (
	mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	mentionRE     = regexp.MustCompile(`(?i)@(channel|here|everyone)`)
)

// truncate cuts s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// esc escapes and truncates alert text for mrkdwn.
func esc(s string, n int) string { return Escape(truncate(strings.TrimSpace(s), n)) }

// link renders a mrkdwn link if u is an absolute http(s) URL, else just the
// escaped text.
func link(u, text string) string {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || pu.User != nil {
		return esc(text, 200)
	}
	// "|" would end the URL early; "@" is encoded so that no part of a URL
	// reads as @channel.
	safe := strings.NewReplacer("|", "%7C", " ", "%20", "@", "%40").Replace(mrkdwnEscaper.Replace(pu.String()))
	return "<" + safe + "|" + strings.ReplaceAll(esc(text, 200), "|", "¦") + ">"
}

// Colours of the attachment bar.
const (
	colorCritical = "#d92d20"
	colorWarning  = "#f79009"
	colorInfo     = "#2e90fa"
	colorAcked    = "#7a5af8"
	colorResolved = "#12b76a"
)

func statusWord(inc *Incident) (emoji, word, color string) {
	switch inc.Status {
	case StatusResolved:
		return ":large_green_circle:", "RESOLVED", colorResolved
	case StatusAcknowledged:
		return ":large_purple_circle:", "ACKNOWLEDGED", colorAcked
	}
	switch inc.Severity {
	case SeverityCritical:
		return ":red_circle:", "FIRING", colorCritical
	case SeverityWarning:
		return ":large_orange_circle:", "FIRING", colorWarning
	}
	return ":large_blue_circle:", "FIRING", colorInfo
}

// HumanDuration is a short "2h 5m" for how long something has been open;
// the slash commands show ages the same way.
func HumanDuration(d time.Duration) string {
	if d < time.Minute {
		return "under a minute"
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, strconv.Itoa(days)+"d")
	}
	if hours > 0 {
		parts = append(parts, strconv.Itoa(hours)+"h")
	}
	if mins > 0 && days == 0 {
		parts = append(parts, strconv.Itoa(mins)+"m")
	}
	return strings.Join(parts, " ")
}

func title(inc *Incident) string {
	if inc.Title != "" {
		return inc.Title
	}
	if names := inc.AlertNames(); len(names) > 0 {
		return strings.Join(names, ", ")
	}
	return inc.Key
}

// shownLabels are the labels worth showing on a parent, in this order.
var shownLabels = []string{"cluster", "namespace", "service", "team", "node", "instance", "job"}

// RenderParent renders an incident's parent message as of now: status,
// severity colour, title, alerts firing, how long open, owner, key labels,
// handbook links and the firing alerts.
func RenderParent(inc *Incident, links []Link, now time.Time) Message {
	emoji, word, color := statusWord(inc)
	t := esc(title(inc), 150)
	head := fmt.Sprintf("%s *%s*", emoji, word)
	if inc.Severity != "" {
		head += " · " + esc(string(inc.Severity), 20)
	}
	head += " · *" + t + "*"

	var fields []Text
	if total := len(inc.Alerts); total > 0 {
		fields = append(fields, mrkdwn(fmt.Sprintf("*Alerts firing*\n%d of %d", inc.Firing(), total)))
	}
	if inc.Status == StatusResolved && !inc.ResolvedAt.IsZero() {
		fields = append(fields, mrkdwn("*Resolved after*\n"+HumanDuration(inc.ResolvedAt.Sub(inc.OpenedAt))))
	} else {
		fields = append(fields, mrkdwn("*Open for*\n"+HumanDuration(now.Sub(inc.OpenedAt))))
	}
	owner := "_nobody yet_"
	if inc.Owner != "" {
		owner = esc(inc.Owner, 80)
	}
	fields = append(fields, mrkdwn("*Owner*\n"+owner))
	if inc.Assignee != "" && inc.Assignee != inc.Owner {
		fields = append(fields, mrkdwn("*Assigned to*\n"+esc(inc.Assignee, 80)))
	}
	if inc.Priority != "" {
		fields = append(fields, mrkdwn("*Priority*\n"+esc(inc.Priority, 40)))
	}
	src := esc(inc.Source, 40)
	if inc.URL != "" {
		src = link(inc.URL, inc.Source)
	}
	fields = append(fields, mrkdwn("*Source*\n"+src))

	details := []Block{{Type: "section", Fields: fields}}
	labels := routeLabels(inc)
	var lparts []string
	for _, k := range shownLabels {
		if v := labels[k]; v != "" {
			lparts = append(lparts, esc(k, 40)+": `"+strings.ReplaceAll(esc(v, 80), "`", "'")+"`")
		}
	}
	if len(lparts) > 0 {
		details = append(details, Block{Type: "context", Elements: []Text{mrkdwn(strings.Join(lparts, " · "))}})
	}
	if inc.Status != StatusResolved {
		if s := alertList(inc, StatusFiring, 10); s != "" {
			details = append(details, Block{Type: "section", Text: ptr(mrkdwn("*Firing*\n" + s))})
		}
	}
	if s := linkList(links, 5); s != "" {
		details = append(details, Block{Type: "section", Text: ptr(mrkdwn("*Handbook*\n" + s))})
	}
	if acts := incidentButtons(inc); len(acts) > 0 {
		details = append(details, Block{Type: "actions", Buttons: acts})
	}
	details = append(details, Block{Type: "context", Elements: []Text{mrkdwn("compass · " + esc(inc.Key, 200) + genSuffix(inc))}})

	fallback := fmt.Sprintf("[%s] %s", word, t)
	if inc.Severity != "" {
		fallback = fmt.Sprintf("[%s] %s: %s", word, esc(string(inc.Severity), 20), t)
	}
	if n := inc.Firing(); n > 0 && inc.Status != StatusResolved && !strings.Contains(t, "firing)") {
		fallback += fmt.Sprintf(" (%d firing)", n)
	}
	return Message{
		Text:       fallback,
		Blocks:     []Block{{Type: "section", Text: ptr(mrkdwn(head))}},
		Attachment: &Attachment{Color: color, Blocks: details},
		Marker:     Marker{Type: MarkerParent, ID: inc.Key + "#" + strconv.Itoa(inc.Generation)},
	}
}

// Action IDs of the parent's buttons, answered by bot/slash.
const (
	ActionAcknowledge = "compass_ack"
	ActionResolve     = "compass_resolve"
)

// incidentButtons are Acknowledge (while nobody has) and Resolve (until
// resolved), each carrying the incident key; Slack caps a value at 2000
// characters, so a longer key gets no buttons.
func incidentButtons(inc *Incident) []Button {
	if inc.Status == StatusResolved || len(inc.Key) > 2000 {
		return nil
	}
	var bs []Button
	if inc.Status != StatusAcknowledged {
		bs = append(bs, Button{Text: "Acknowledge", ActionID: ActionAcknowledge, Value: inc.Key, Style: "primary"})
	}
	return append(bs, Button{Text: "Resolve", ActionID: ActionResolve, Value: inc.Key, Style: "danger"})
}

func genSuffix(inc *Incident) string {
	if inc.Generation > 1 {
		return fmt.Sprintf(" · recurrence %d", inc.Generation)
	}
	return ""
}

func mrkdwn(s string) Text { return Text{Type: "mrkdwn", Text: s} }

func ptr[T any](v T) *T { return &v }

// alertList lists up to n alerts in status, with summaries.
func alertList(inc *Incident, status Status, n int) string {
	var lines []string
	more := 0
	for _, a := range inc.Alerts {
		if a.Status != status {
			continue
		}
		if len(lines) == n {
			more++
			continue
		}
		line := "• " + esc(alertLabel(a), 120)
		if a.Summary != "" {
			line += " — " + esc(a.Summary, 200)
		}
		lines = append(lines, line)
	}
	if more > 0 {
		lines = append(lines, fmt.Sprintf("…and %d more", more))
	}
	return strings.Join(lines, "\n")
}

func linkList(links []Link, n int) string {
	var lines []string
	for i, l := range links {
		if i == n {
			break
		}
		line := "• " + link(l.URL, l.Title)
		if l.Why != "" {
			line += " — " + esc(l.Why, 100)
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// RenderReply renders a threaded reply reporting the changes in p, merged
// into at most a screenful: consecutive alert changes of one kind become one
// line with a count.
func RenderReply(inc *Incident, p ReplyPayload, links []Link, now time.Time) Message {
	type line struct {
		kind   ChangeKind
		alerts []string
		text   string
	}
	var lines []line
	withLinks := false
	for _, c := range p.Changes {
		switch c.Kind {
		case ChangeAlertsFiring, ChangeAlertsResolved:
			if n := len(lines); n > 0 && lines[n-1].kind == c.Kind {
				lines[n-1].alerts = append(lines[n-1].alerts, c.Alerts...)
				continue
			}
			lines = append(lines, line{kind: c.Kind, alerts: append([]string(nil), c.Alerts...)})
			withLinks = withLinks || c.Kind == ChangeAlertsFiring
		default:
			lines = append(lines, line{kind: c.Kind, text: changeText(c)})
			withLinks = withLinks || c.Kind == ChangeReopened || c.Kind == ChangeEscalated
		}
	}
	const maxLines = 15
	var out []string
	for i, l := range lines {
		if i == maxLines {
			out = append(out, fmt.Sprintf("…and %d more changes", len(lines)-maxLines))
			break
		}
		switch l.kind {
		case ChangeAlertsFiring:
			out = append(out, ":fire: *Started firing* ("+strconv.Itoa(len(l.alerts))+"): "+nameList(l.alerts, 8))
		case ChangeAlertsResolved:
			out = append(out, ":white_check_mark: *Stopped firing* ("+strconv.Itoa(len(l.alerts))+"): "+nameList(l.alerts, 8))
		default:
			out = append(out, l.text)
		}
	}
	if p.Dropped > 0 {
		out = append(out, fmt.Sprintf("…and %d more changes while Slack was catching up", p.Dropped))
	}
	if len(out) == 0 {
		out = append(out, "Updated.")
	}
	body := strings.Join(out, "\n")
	status := fmt.Sprintf("Now *%s*", strings.ToLower(string(inc.Status)))
	if inc.Status != StatusResolved {
		status += fmt.Sprintf(" · %d of %d alerts firing", inc.Firing(), len(inc.Alerts))
	}
	blocks := []Block{
		{Type: "section", Text: ptr(mrkdwn(body))},
		{Type: "context", Elements: []Text{mrkdwn(status)}},
	}
	if withLinks {
		if s := linkList(links, 3); s != "" {
			blocks = append(blocks, Block{Type: "section", Text: ptr(mrkdwn("*Handbook*\n" + s))})
		}
	}
	fallback := out[0]
	if len(out) > 1 {
		fallback += fmt.Sprintf(" (+%d more)", len(out)-1)
	}
	return Message{Text: fallback, Blocks: blocks, Broadcast: p.Broadcast}
}

func nameList(names []string, n int) string {
	// Show each distinct name once, in first-seen order.
	seen := map[string]bool{}
	var uniq []string
	for _, s := range names {
		if !seen[s] {
			seen[s] = true
			uniq = append(uniq, s)
		}
	}
	var parts []string
	for i, s := range uniq {
		if i == n {
			parts = append(parts, fmt.Sprintf("…and %d more", len(uniq)-n))
			break
		}
		parts = append(parts, esc(s, 120))
	}
	return strings.Join(parts, ", ")
}

func changeText(c Change) string {
	by := ""
	if c.Actor != "" {
		by = " by *" + esc(c.Actor, 80) + "*"
	}
	switch c.Kind {
	case ChangeAcknowledged:
		return ":eyes: *Acknowledged*" + by
	case ChangeUnacknowledged:
		return ":arrows_counterclockwise: *Unacknowledged*" + by + ": nobody owns it now"
	case ChangeEscalated:
		return ":arrow_double_up: *Escalated*" + to(c.Note) + by
	case ChangeReassigned:
		return ":bust_in_silhouette: *Reassigned*" + to(c.Note) + by
	case ChangeNote:
		return ":memo: *Note*" + by + ": " + esc(c.Note, 500)
	case ChangePriority:
		return ":triangular_flag_on_post: *Priority*" + to(c.Note) + by
	case ChangeSeverity:
		return ":warning: *Severity*" + to(c.Note)
	case ChangeResolved:
		return ":large_green_circle: *Resolved*" + by
	case ChangeReopened:
		return ":repeat: *Reopened*" + by
	case ChangeOpened:
		return ":rotating_light: *Opened*"
	}
	return esc(string(c.Kind), 40)
}

func to(s string) string {
	if s == "" {
		return ""
	}
	return " to *" + esc(s, 120) + "*"
}

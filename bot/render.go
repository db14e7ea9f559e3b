package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/compasshq/compass/bot/slacktext"
)

// Colours of the attachment bar.
const (
	colorCritical = "#d92d20"
	colorWarning  = "#f79009"
	colorInfo     = "#2e90fa"
	colorAcked    = "#7a5af8"
	colorResolved = "#12b76a"
)

// statusWord is the parent's state word and attachment colour.
func statusWord(inc *Incident) (word, color string) {
	switch inc.Status {
	case StatusResolved:
		return "RESOLVED", colorResolved
	case StatusAcknowledged:
		return "ACKNOWLEDGED", colorAcked
	}
	switch inc.Severity {
	case SeverityCritical:
		return "FIRING", colorCritical
	case SeverityWarning:
		return "FIRING", colorWarning
	}
	return "FIRING", colorInfo
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

// shownLabels are the labels worth showing on a parent, in this order.
var shownLabels = []string{"cluster", "namespace", "service", "team", "node", "instance", "job"}

// RenderParent renders an incident's parent message as of now: status,
// severity colour, title, alerts firing, how long open, owner, key labels,
// handbook links and the firing alerts.
func RenderParent(inc *Incident, links []Link, now time.Time) Message {
	word, color := statusWord(inc)
	t := slacktext.Esc(inc.DisplayTitle(), 150)
	head := fmt.Sprintf("%s *%s*", inc.StatusEmoji(), word)
	if inc.Severity != "" {
		head += " · " + slacktext.Esc(string(inc.Severity), 20)
	}
	head += " · *" + t + "*"

	var fields []string
	if total := len(inc.Alerts); total > 0 {
		fields = append(fields, (fmt.Sprintf("*Alerts firing*\n%d of %d", inc.Firing(), total)))
	}
	if inc.Status == StatusResolved && !inc.ResolvedAt.IsZero() {
		fields = append(fields, ("*Resolved after*\n" + HumanDuration(inc.ResolvedAt.Sub(inc.OpenedAt))))
	} else {
		fields = append(fields, ("*Open for*\n" + HumanDuration(now.Sub(inc.OpenedAt))))
	}
	owner := "_nobody yet_"
	if inc.Owner != "" {
		owner = slacktext.Esc(inc.Owner, 80)
	}
	fields = append(fields, ("*Owner*\n" + owner))
	if inc.Assignee != "" && inc.Assignee != inc.Owner {
		fields = append(fields, ("*Assigned to*\n" + slacktext.Esc(inc.Assignee, 80)))
	}
	if inc.Priority != "" {
		fields = append(fields, ("*Priority*\n" + slacktext.Esc(inc.Priority, 40)))
	}
	fields = append(fields, sourcesField(inc))

	details := []slacktext.Block{slacktext.Fields(fields...)}
	labels := routeLabels(inc)
	var lparts []string
	for _, k := range shownLabels {
		if v := labels[k]; v != "" {
			lparts = append(lparts, slacktext.Esc(k, 40)+": `"+slacktext.Code(v, 80)+"`")
		}
	}
	if len(lparts) > 0 {
		details = append(details, slacktext.Context(strings.Join(lparts, " · ")))
	}
	if line := silenceLine(inc, now); line != "" {
		details = append(details, slacktext.Context(line))
	}
	if inc.Status != StatusResolved {
		firing := func(limit int) string { return alertList(inc, StatusFiring, 10, limit) }
		if b, ok := listSection("Firing", firing); ok {
			details = append(details, b)
		}
	}
	handbook := func(limit int) string { return linkList(links, 5, limit) }
	if b, ok := listSection("Handbook", handbook); ok {
		details = append(details, b)
	}
	if acts := append(incidentButtons(inc), silenceButtons(inc, now)...); len(acts) > 0 {
		details = append(details, slacktext.Actions("compass_incident", acts...))
	}
	details = append(details, slacktext.Context("compass · "+slacktext.Esc(inc.Key, 200)+genSuffix(inc)))

	fallback := fmt.Sprintf("[%s] %s", word, t)
	if inc.Severity != "" {
		fallback = fmt.Sprintf("[%s] %s: %s", word, slacktext.Esc(string(inc.Severity), 20), t)
	}
	if n := inc.Firing(); n > 0 && inc.Status != StatusResolved && !strings.Contains(t, "firing)") {
		fallback += fmt.Sprintf(" (%d firing)", n)
	}
	return Message{
		Text:       fallback,
		Blocks:     []slacktext.Block{slacktext.Section(head)},
		Attachment: &Attachment{Color: color, Blocks: details},
		Marker:     Marker{Type: MarkerParent, ID: inc.Key + "#" + strconv.Itoa(inc.Generation)},
	}
}

// maxMembersShown bounds the sources a parent lists; the thread has them all.
const maxMembersShown = 5

// sourcesField names where the incident comes from, linked: one source, or
// for a correlated incident each source with its own state ("PagerDuty
// acknowledged by Ana"), so that the parent shows the alert group's state
// and the page's side by side.
func sourcesField(inc *Incident) string {
	if !inc.Correlated() {
		src := slacktext.Esc(inc.Source, 40)
		if inc.URL != "" {
			src = slacktext.Link(inc.URL, inc.Source)
		}
		return "*Source*\n" + src
	}
	lines := make([]string, 0, len(inc.Members))
	for i, m := range inc.Members {
		lines = append(lines, memberState(inc, i, m))
	}
	list := slacktext.List(lines[:min(len(lines), maxMembersShown)], len(lines), slacktext.MaxFieldText-len("*Sources*\n"), func(k int) string {
		return fmt.Sprintf("…and %d more", k)
	})
	return "*Sources*\n" + list
}

// memberState is one source of a correlated incident and its state: an
// alert group's firing count, a page's triggered, acknowledged (by whom)
// or resolved.
func memberState(inc *Incident, i int, m Member) string {
	name := slacktext.Esc(SourceName(m.Source), 40)
	if m.URL != "" {
		name = slacktext.Link(m.URL, SourceName(m.Source))
	}
	switch {
	case m.Status == StatusResolved:
		return name + " resolved"
	case m.Status == StatusAcknowledged && m.Owner != "":
		return name + " acknowledged by " + slacktext.Esc(m.Owner, 80)
	case m.Status == StatusAcknowledged:
		return name + " acknowledged"
	case m.Group:
		firing, total := 0, 0
		for _, a := range inc.Alerts {
			if inc.memberOf(a) == i {
				total++
				if a.Status == StatusFiring {
					firing++
				}
			}
		}
		return fmt.Sprintf("%s firing (%d of %d alerts)", name, firing, total)
	}
	return name + " triggered"
}

// RenderMinimalParent is the parent the outbox falls back to when Slack
// refuses the full one's content (invalid_blocks, msg_too_long): the
// incident's state, title and a link to it in its source, each bounded and
// nothing that grows with the alerts, so that an incident is never
// invisible and its replies have a thread. It carries the parent's marker,
// so that a later update of the full parent replaces it.
func RenderMinimalParent(inc *Incident) Message {
	word, _ := statusWord(inc)
	t := slacktext.Esc(inc.DisplayTitle(), 150)
	text := fmt.Sprintf("%s *%s* · *%s*", inc.StatusEmoji(), word, t)
	if inc.URL != "" {
		text += " · " + slacktext.Link(inc.URL, "open in "+inc.Source)
	}
	return Message{
		Text:   fmt.Sprintf("[%s] %s", word, t),
		Blocks: []slacktext.Block{slacktext.Section(text)},
		Marker: Marker{Type: MarkerParent, ID: inc.Key + "#" + strconv.Itoa(inc.Generation)},
	}
}

// Action IDs of the parent's buttons, answered by bot/slash.
const (
	ActionAcknowledge = "compass_ack"
	ActionResolve     = "compass_resolve"
	ActionDraftReview = "compass_review"
)

// incidentButtons are Acknowledge (while nobody has) and Resolve (until
// resolved), each carrying the incident key, then Draft review, carrying
// the generation too (ReviewValue); Slack caps a value at 2000
// characters, so a longer key gets no buttons.
func incidentButtons(inc *Incident) []slacktext.Button {
	if len(ReviewValue(inc)) > slacktext.MaxButtonValue {
		return nil
	}
	if inc.Status == StatusResolved {
		return []slacktext.Button{slacktext.NewButton("Draft review", ActionDraftReview, ReviewValue(inc), "")}
	}
	var bs []slacktext.Button
	if inc.Status != StatusAcknowledged {
		bs = append(bs, slacktext.NewButton("Acknowledge", ActionAcknowledge, inc.Key, "primary"))
	}
	return append(bs, slacktext.NewButton("Resolve", ActionResolve, inc.Key, "danger"))
}

// ReviewValue is the Draft review button's value, "generation key": an
// older thread's button drafts that generation, not the latest.
func ReviewValue(inc *Incident) string { return strconv.Itoa(inc.Generation) + " " + inc.Key }

func genSuffix(inc *Incident) string {
	if inc.Generation > 1 {
		return fmt.Sprintf(" · recurrence %d", inc.Generation)
	}
	return ""
}

// alertList lists the alerts in status, with summaries: up to n of them,
// within limit bytes; the thread has them all.
func alertList(inc *Incident, status Status, n, limit int) string {
	var lines []string
	total := 0
	for _, a := range inc.Alerts {
		if a.Status != status {
			continue
		}
		if total++; len(lines) == n {
			continue
		}
		line := "• " + slacktext.Esc(alertLabel(a), 120)
		if a.Summary != "" {
			line += " — " + slacktext.Esc(a.Summary, 200)
		}
		lines = append(lines, line)
	}
	return slacktext.List(lines, total, limit, func(k int) string {
		return fmt.Sprintf("…and %d more alerts, see the thread", k)
	})
}

// linkList lists up to n handbook links within limit bytes.
func linkList(links []Link, n, limit int) string {
	var lines []string
	for i, l := range links {
		if i == n {
			break
		}
		line := "• " + slacktext.Link(l.URL, l.Title)
		if l.Why != "" {
			line += " — " + slacktext.Esc(l.Why, 100)
		}
		lines = append(lines, line)
	}
	return slacktext.List(lines, len(lines), limit, nil)
}

// listSection is a section block of a bold heading over a list rendered within
// what the heading leaves of Slack's limit.
func listSection(heading string, list func(limit int) string) (slacktext.Block, bool) {
	head := "*" + heading + "*\n"
	s := list(slacktext.MaxSectionText - len(head))
	return slacktext.Section(head + s), s != ""
}

// RenderReply renders a threaded reply reporting the changes in p, merged
// into at most a screenful: consecutive alert changes of one kind become one
// line with a count, and the lines that do not fit Slack's limit are
// counted instead.
func RenderReply(inc *Incident, p ReplyPayload, links []Link, now time.Time) Message {
	const maxLines = 15
	lines, withLinks := changeLines(p.Changes)
	var tail string
	if p.Dropped > 0 {
		tail = fmt.Sprintf("…and %d more changes while Slack was catching up", p.Dropped)
	}
	body := slacktext.List(lines[:min(len(lines), maxLines)], len(lines), slacktext.MaxSectionText-len(tail)-1, func(k int) string {
		return fmt.Sprintf("…and %d more changes", k)
	})
	switch {
	case body != "" && tail != "":
		body += "\n" + tail
	case tail != "":
		body = tail
	case body == "":
		body = "Updated."
	}
	status := fmt.Sprintf("Now *%s*", strings.ToLower(string(inc.Status)))
	if inc.Correlated() && p.Source != "" {
		// Which source this reply reports, and what the split action on it
		// would move out.
		status = "From *" + slacktext.Esc(SourceName(p.Source), 40) + "* · " + status
	}
	if inc.Status != StatusResolved {
		status += fmt.Sprintf(" · %d of %d alerts firing", inc.Firing(), len(inc.Alerts))
	}
	blocks := []slacktext.Block{slacktext.Section(body), slacktext.Context(status)}
	if withLinks {
		handbook := func(limit int) string { return linkList(links, 3, limit) }
		if b, ok := listSection("Handbook", handbook); ok {
			blocks = append(blocks, b)
		}
	}
	fallback, rest, _ := strings.Cut(body, "\n")
	if n := strings.Count(rest, "\n"); rest != "" {
		fallback += fmt.Sprintf(" (+%d more)", n+1)
	}
	return Message{Text: fallback, Blocks: blocks, Broadcast: p.Broadcast}
}

// changeLines renders changes a line each, consecutive alert changes of
// one kind merged into one line; withLinks says whether the reply should
// point at the handbook (alerts started, reopened or escalated).
func changeLines(changes []Change) (lines []string, withLinks bool) {
	type line struct {
		kind   ChangeKind
		alerts []string
		text   string
	}
	var merged []line
	for _, c := range changes {
		switch c.Kind {
		case ChangeAlertsFiring, ChangeAlertsResolved:
			if n := len(merged); n > 0 && merged[n-1].kind == c.Kind {
				merged[n-1].alerts = append(merged[n-1].alerts, c.Alerts...)
				continue
			}
			merged = append(merged, line{kind: c.Kind, alerts: append([]string(nil), c.Alerts...)})
			withLinks = withLinks || c.Kind == ChangeAlertsFiring
		default:
			merged = append(merged, line{kind: c.Kind, text: changeText(c)})
			withLinks = withLinks || c.Kind == ChangeReopened || c.Kind == ChangeEscalated
		}
	}
	for _, l := range merged {
		switch l.kind {
		case ChangeAlertsFiring:
			lines = append(lines, ":fire: *Started firing* ("+strconv.Itoa(len(l.alerts))+"): "+nameList(l.alerts, 8))
		case ChangeAlertsResolved:
			lines = append(lines, ":white_check_mark: *Stopped firing* ("+strconv.Itoa(len(l.alerts))+"): "+nameList(l.alerts, 8))
		default:
			lines = append(lines, l.text)
		}
	}
	return lines, withLinks
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
		parts = append(parts, slacktext.Esc(s, 120))
	}
	return strings.Join(parts, ", ")
}

func changeText(c Change) string {
	by := ""
	if c.Actor != "" {
		by = " by *" + slacktext.Esc(c.Actor, 80) + "*"
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
		return ":memo: *Note*" + by + ": " + slacktext.Esc(c.Note, 500)
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
	case ChangeJoined:
		return ":link: *" + slacktext.Esc(SourceName(c.Source), 40) + " joined this incident*" + paren(c.Note)
	case ChangeSplit:
		return ":scissors: *" + slacktext.Esc(SourceName(c.Source), 40) + " split off into its own thread*" + by + paren(c.Note)
	case ChangeSilenced:
		return ":mute: *Silenced*" + by + note(c.Note)
	case ChangeUnsilenced:
		return ":loud_sound: *Silence expired*" + by + note(c.Note)
	}
	return slacktext.Esc(string(c.Kind), 40)
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + slacktext.Esc(s, 150) + ")"
}

func to(s string) string {
	if s == "" {
		return ""
	}
	return " to *" + slacktext.Esc(s, 120) + "*"
}

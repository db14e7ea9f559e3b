// Package review drafts an incident review page, in the handbook's format
// (kind: review), from a resolved incident and what its thread recorded.
package review

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/build/handbook"
)

// Input is what the bot knows about an incident once it is resolved.
type Input struct {
	Incident *bot.Incident
	// Changes are every change the thread reported, oldest first: the
	// outbox's replies (Changes of each ReplyPayload), Dropped counting
	// those the outbox merged away.
	Changes []bot.Change
	Dropped int
	// Notes are what people wrote in the thread, oldest first.
	Notes []Note
	// Runbooks are the site URLs of the runbooks that answer the
	// incident's alerts ("/runbooks/disk/"); Owner the owning team's id.
	Runbooks []string
	Owner    string
	// Thread links to the incident's Slack thread, "" when unknown.
	Thread string
}

// Note is one message a person wrote in the incident's thread.
type Note struct {
	At   time.Time
	Who  string // the person's name, as the handbook knows them, else their Slack handle
	Text string // plain text, as Slack gave it
}

// Draft is a drafted review page.
type Draft struct {
	Path     string // in the handbook repository: "content/reviews/2026-10-14-disk-full.md"
	Branch   string // the pull request branch, the same for every draft of one incident generation
	Title    string
	Review   handbook.IncidentReview
	Markdown []byte
}

// ErrNotResolved is returned for an incident that is still open: its
// review would have no end.
var ErrNotResolved = errors.New("review: the incident is not resolved yet")

// Write drafts the review of a resolved incident.
func Write(in Input) (*Draft, error) {
	inc := in.Incident
	if inc == nil || inc.Status != bot.StatusResolved || inc.ResolvedAt.IsZero() {
		return nil, ErrNotResolved
	}
	started, resolved := inc.OpenedAt.UTC().Truncate(time.Second), inc.ResolvedAt.UTC().Truncate(time.Second)
	r := handbook.IncidentReview{
		Title:    statusPrefix.ReplaceAllString(inc.DisplayTitle(), ""),
		Owner:    in.Owner,
		Incident: inc.Key,
		Sources:  sources(inc),
		Started:  started.Format(time.RFC3339),
		Resolved: resolved.Format(time.RFC3339),
		Duration: shortDuration(resolved.Sub(started).Round(time.Minute)),
		Runbooks: in.Runbooks,
	}
	if inc.Severity.Rank() > 0 {
		r.Severity = string(inc.Severity)
	}
	for _, c := range in.Changes {
		if c.Kind == bot.ChangeAcknowledged && !c.At.Before(inc.OpenedAt) {
			r.Acknowledged = c.At.UTC().Truncate(time.Second).Format(time.RFC3339)
			break
		}
	}
	r.Description = describe(inc, r.Duration)
	date := started.Format(time.DateOnly)
	d := &Draft{
		Path:   "content/reviews/" + date + "-" + slug(r.Title) + ".md",
		Branch: "compass/review-" + date + "-" + incidentID(inc),
		Title:  r.Title,
		Review: r,
	}
	var b strings.Builder
	b.WriteString(r.FrontMatter())
	b.WriteString("\nDrafted by the Compass bot from the incident's Slack thread")
	if in.Thread != "" {
		b.WriteString(" (<" + in.Thread + ">)")
	}
	b.WriteString(". The timeline is what the thread recorded; fill in the sections under it, and correct what the bot could not know.\n")
	b.WriteString("\n## Timeline\n\nTimes are UTC.\n\n")
	for _, line := range timeline(in) {
		b.WriteString(line + "\n")
	}
	for _, h := range handbook.ReviewHeadings {
		b.WriteString("\n## " + h + "\n\nTODO: " + prompts[h] + "\n")
	}
	d.Markdown = []byte(b.String())
	return d, nil
}

// statusPrefix is the state an alert title starts with ("[FIRING:3] "),
// which was true of one notification, not of the incident.
var statusPrefix = regexp.MustCompile(`^(\s*\[(?i:firing|resolved)(:\d+)?\])+\s*`)

// sources are the incident's alert sources, the one that opened it first:
// a correlated alert group and page are one incident with two.
func sources(inc *bot.Incident) []string {
	out := []string{inc.Source}
	for _, m := range inc.Members {
		if !slices.Contains(out, m.Source) {
			out = append(out, m.Source)
		}
	}
	return out
}

// prompts say what goes under each heading people fill in.
var prompts = map[string]string{
	"Impact":         "who or what was affected, how badly and for how long.",
	"Cause":          "why it happened; the conditions that allowed it, not who slipped.",
	"What went well": "what helped: alerts, runbooks, tools, people.",
	"What to change": "each change with an owner and an issue link.",
}

// describe is the review's one-sentence description.
func describe(inc *bot.Incident, dur string) string {
	what := "Incident"
	if inc.Severity.Rank() > 0 {
		what = strings.ToUpper(string(inc.Severity[:1])) + string(inc.Severity[1:]) + " incident"
	}
	return fmt.Sprintf("%s from %s, resolved after %s.", what, inc.Source, dur)
}

// incidentID names one generation of an incident in a branch: short, and
// the same on every click and every replica.
func incidentID(inc *bot.Incident) string {
	sum := sha256.Sum256([]byte(inc.Key + "#" + strconv.Itoa(inc.Generation)))
	return hex.EncodeToString(sum[:5])
}

// shortDuration writes a whole number of minutes as the front matter's Go
// duration: "1h25m", "45m", "2h", "0m".
func shortDuration(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return strconv.Itoa(m) + "m"
	case m == 0:
		return strconv.Itoa(h) + "h"
	}
	return strconv.Itoa(h) + "h" + strconv.Itoa(m) + "m"
}

// slug makes a title a file name: lowercase letters and digits, runs of
// anything else one hyphen, at most 60 bytes cut at a hyphen.
func slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	s := b.String()
	if len(s) > 60 {
		s = s[:60]
		if i := strings.LastIndexByte(s, '-'); i > 20 {
			s = s[:i]
		}
	}
	if s == "" {
		return "incident"
	}
	return s
}

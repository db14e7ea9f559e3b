package check

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/compasshq/compass/build"
	"github.com/compasshq/compass/build/handbook"
)

// Rule describes one kind of finding: its id (used in output, compass.yaml
// and compass-ignore comments), its severity unless configured, and what it
// finds.
type Rule struct {
	ID          string
	Default     Severity // Off for rules whose severity comes from the build
	Description string
}

// Rules lists every rule, in the order of the README's table.
var Rules = []Rule{
	{"frontmatter", Off, "front matter the build rejects (error) or questions (warning): wrong types, missing title, unknown keys"},
	{"content", Off, "other problems the build finds in a page body, such as escaped raw HTML (as the build reports them)"},
	{"broken-link", Error, "a link or image to a page or file that does not exist"},
	{"broken-anchor", Error, "a link to #anchor that matches no heading of the target page"},
	{"draft-link", Error, "a link to a draft page, which is not published"},
	{"duplicate-alias", Error, "an alias that is another page's URL or another page's alias"},
	{"duplicate-title", Warning, "two pages with the same title"},
	{"orphan-page", Warning, "a page no other page links to (sections list their pages, but readers find pages through links and search)"},
	{"charter-incomplete", Warning, "a charter without goals, roles, systems or people"},
	{"unknown-owner", Warning, "an owner that is not the team of any charter"},
	{"person-without-team", Warning, "a meeting attendee or policy audience that looks like an id but is no team and no person of any charter"},
	{"meeting-incomplete", Warning, "a meeting without an agenda or a time box (duration)"},
	{"runbook-no-alerts", Warning, "a runbook that answers no alert"},
	{"review-overdue", Warning, "a review_by date that has passed"},
	{"review-due-soon", Warning, "a review_by date within --warn-days"},
	{"malformed-external-link", Error, "an http(s) link that is not a valid URL (missing host, spaces, misspelt scheme)"},
	{"external-link-broken", Warning, "an http(s) link that fails or answers 4xx/5xx (only with --external)"},
	{"todo", Warning, "a TODO marker left in a page, such as those of the starter pages compass init writes"},
	{"invalid-ignore", Error, "a compass-ignore comment without a reason or naming no rule"},
}

var ruleByID = func() map[string]Rule {
	m := map[string]Rule{}
	for _, r := range Rules {
		m[r.ID] = r
	}
	return m
}()

// rules runs the hygiene rules over a loaded site.
type rules struct {
	site     *build.Site
	srcs     *sources
	now      time.Time
	warnDays int
	scope    *scope
	out      []Finding
}

func (r *rules) all() []Finding {
	teams := map[string]bool{}
	people := map[string]bool{}
	for _, p := range r.site.Pages {
		if c := p.Meta.Charter; c != nil {
			if c.Team != "" {
				teams[c.Team] = true
			}
			for _, pe := range c.People {
				people[pe.ID] = true
			}
		}
	}
	linked := map[*build.Page]bool{}
	for _, p := range r.site.Pages {
		for _, t := range p.LinksTo {
			linked[t] = true
		}
	}
	titles := map[string][]*build.Page{}
	for _, p := range r.site.Pages {
		k := strings.ToLower(strings.TrimSpace(p.Title))
		titles[k] = append(titles[k], p)
	}
	for _, p := range r.site.Pages {
		if r.scope != nil && !r.scope.report[p.File] {
			continue
		}
		// Orphans: only rendered pages know their links, so with a scope
		// only pages whose possible referrers were all rendered are judged.
		if !p.IsSection() && p.URL != "/" && !linked[p] && (r.scope == nil || r.scope.changed[p.File]) {
			r.add(p, "title", "orphan-page", "no other page links to this page; link it from a related page or its section's page")
		}
		if same := titles[strings.ToLower(strings.TrimSpace(p.Title))]; len(same) > 1 {
			var others []string
			for _, o := range same {
				if o != p {
					others = append(others, o.File)
				}
			}
			r.add(p, "title", "duplicate-title", fmt.Sprintf("title %q is also the title of %s", p.Title, strings.Join(others, ", ")))
		}
		if o := p.Meta.Owner; o != "" && !teams[o] {
			r.add(p, "owner", "unknown-owner", fmt.Sprintf("owner %q is not the team of any charter%s", o, known("teams", teams)))
		}
		if rb := p.Meta.ReviewBy; rb != "" {
			switch status, days, _ := handbook.Review(rb, r.now, r.warnDays); status {
			case handbook.ReviewOverdue:
				r.add(p, "review_by", "review-overdue", fmt.Sprintf("review was due on %s (%s ago); review the page and move review_by forward", rb, plural(days, "day")))
			case handbook.ReviewDueSoon:
				r.add(p, "review_by", "review-due-soon", fmt.Sprintf("review is due on %s, in %s", rb, plural(days, "day")))
			}
		}
		r.kindRules(p, teams, people)
	}
	return r.out
}

// kindRules are the rules of one kind of page: a charter or meeting
// missing what makes it useful, a runbook answering no alert, attendees
// and applies_to naming unknown teams or people.
func (r *rules) kindRules(p *build.Page, teams, people map[string]bool) {
	if c := p.Meta.Charter; c != nil {
		var missing []string
		for _, m := range []struct {
			key   string
			empty bool
		}{{"goals", len(c.Goals) == 0}, {"roles", len(c.Roles) == 0}, {"systems", len(c.Systems) == 0}, {"people", len(c.People) == 0}} {
			if m.empty {
				missing = append(missing, m.key)
			}
		}
		if len(missing) > 0 {
			r.add(p, "kind", "charter-incomplete", "charter has no "+joinAnd(missing))
		}
	}
	if m := p.Meta.Meeting; m != nil {
		var missing []string
		if len(m.Agenda) == 0 {
			missing = append(missing, "agenda")
		}
		if m.Duration == "" {
			missing = append(missing, "time box (duration)")
		}
		if len(missing) > 0 {
			r.add(p, "kind", "meeting-incomplete", "meeting has no "+joinAnd(missing))
		}
		r.people(p, "attendees", m.Attendees, teams, people)
	}
	if rb := p.Meta.Runbook; rb != nil && len(rb.Alerts) == 0 {
		r.add(p, "kind", "runbook-no-alerts", "runbook answers no alert: list the alert names or patterns it handles in alerts")
	}
	if pol := p.Meta.Policy; pol != nil {
		r.people(p, "applies_to", pol.AppliesTo, teams, people)
	}
}

// people reports entries of a list of teams and people that look like ids
// but name neither a team nor anyone in a charter. Free text ("anyone
// interested") and "everyone" are fine.
func (r *rules) people(p *build.Page, key string, names []string, teams, people map[string]bool) {
	for _, n := range names {
		if !looksLikeID(n) || teams[n] || people[n] {
			continue
		}
		switch n {
		case "everyone", "all", "anyone", "everybody":
			continue
		}
		r.add(p, key, "person-without-team", fmt.Sprintf("%s: %q is not a team and not a person in any charter's people", key, n))
	}
}

func looksLikeID(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// add records a finding at the value of front matter key, else the page's
// first line.
func (r *rules) add(p *build.Page, key, rule, msg string) {
	pos, ok := p.KeyPos(key)
	if !ok {
		pos = build.Position{File: p.File, Line: 1, Col: 1}
	}
	r.out = append(r.out, Finding{File: p.File, Line: pos.Line, Col: pos.Col, Severity: ruleByID[rule].Default, Rule: rule, Message: msg})
}

func known(what string, set map[string]bool) string {
	if len(set) == 0 {
		return " (the site has no charters)"
	}
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if len(ids) > 8 {
		return ""
	}
	return "; " + what + ": " + strings.Join(ids, ", ")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

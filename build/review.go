package build

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/compasshq/compass/build/handbook"
)

// reviewKeys decode the keys of an incident review's front matter; the
// owning team is the common owner key. handbook.IncidentReview.FrontMatter
// writes the same keys for the bot's drafts.
var reviewKeys = map[string]keyDecoder{
	"incident": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Review.Incident, _ = d.str(key, v) },
	"sources":  func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Review.Sources = d.strList(key, v) },
	"severity": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) {
		m.Review.Severity = d.oneOf(key, v, "critical", "warning", "info")
	},
	"started":      func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Review.Started = d.timestamp(key, v) },
	"acknowledged": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Review.Acknowledged = d.timestamp(key, v) },
	"resolved":     func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Review.Resolved = d.timestamp(key, v) },
	"duration": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) {
		if s, ok := d.str(key, v); ok {
			if dur, err := time.ParseDuration(s); err != nil || dur < 0 {
				d.p.errorf(d.pos(v), "duration: %q is not a duration like 45m or 1h30m", s)
			} else {
				m.Review.Duration = s
			}
		}
	},
	"runbooks": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) {
		d.list(key, v, func(item string, n *yaml.Node) {
			if s, ok := d.str(item, n); ok {
				m.Review.Runbooks = append(m.Review.Runbooks, s)
				m.Review.runbookPos = append(m.Review.runbookPos, d.pos(n))
			}
		})
	},
}

// checkReview reports a review without its incident or start, times out
// of order (an incident is acknowledged and resolved after it started),
// and a duration that is not the time from start to resolution.
func (d *fmDecoder) checkReview(r *Review, root *yaml.Node) {
	for _, req := range []struct{ key, val string }{{"incident", r.Incident}, {"started", r.Started}} {
		if req.val == "" && valueOf(root, req.key).Kind == 0 {
			d.p.errorf(d.pos(root), "review has no %s (required)", req.key)
		}
	}
	if r.Started == "" {
		return
	}
	start, _ := time.Parse(time.RFC3339, r.Started)
	for _, later := range []struct{ key, val string }{{"acknowledged", r.Acknowledged}, {"resolved", r.Resolved}} {
		if t, err := time.Parse(time.RFC3339, later.val); err == nil && t.Before(start) {
			d.p.errorf(d.pos(valueOf(root, later.key)), "%s: %s is before started (%s)", later.key, later.val, r.Started)
		}
	}
	end, err := time.Parse(time.RFC3339, r.Resolved)
	dur, derr := time.ParseDuration(r.Duration)
	if err != nil || derr != nil || end.Before(start) {
		return
	}
	// The bot rounds to the minute, and people write "1h25m" for 1h25m40s.
	if diff := dur - end.Sub(start); diff >= time.Minute || diff <= -time.Minute {
		d.p.errorf(d.pos(valueOf(root, "duration")), "duration: %s is not the time from started to resolved (%s)", r.Duration, end.Sub(start))
	}
}

// timestamp accepts an RFC 3339 time with its offset, 2025-01-31T14:05:00Z,
// so a review's times mean the same instant for every reader.
func (d *fmDecoder) timestamp(name string, v *yaml.Node) string {
	if v.Kind == yaml.ScalarNode {
		if _, err := time.Parse(time.RFC3339, v.Value); err == nil {
			return v.Value
		}
	}
	d.p.errorf(d.pos(v), "%s: want a time with its offset like 2025-01-31T14:05:00Z, got %s", name, describe(v))
	return ""
}

// reviewLinks are the runbooks each incident review used and, the other
// way, the reviews that used each runbook (the runbook page lists them).
type reviewLinks struct {
	runbooks map[*Page][]*Page // review page → runbook pages
	usedBy   map[*Page][]*Page // runbook page → review pages, newest first
}

// linkReviews resolves every review's runbooks like links written on the
// review page (a URL, "/runbooks/disk/", or a path, "../runbooks/disk.md"),
// reporting those that name no runbook.
func (s *Site) linkReviews(pr *problems) {
	s.reviews = reviewLinks{runbooks: map[*Page][]*Page{}, usedBy: map[*Page][]*Page{}}
	for _, p := range s.Pages {
		r := p.Meta.Review
		if r == nil {
			continue
		}
		for i, dest := range r.Runbooks {
			t, _, ok := s.resolve(p, dest, s.drafts)
			switch {
			case !ok || t.page == nil:
				pr.errorf(r.runbookPos[i], "runbooks: %q matches no page", dest)
			case t.page.Meta.Runbook == nil:
				pr.errorf(r.runbookPos[i], "runbooks: %q is %s, not a runbook", dest, t.page.File)
			case !slices.Contains(s.reviews.runbooks[p], t.page):
				s.reviews.runbooks[p] = append(s.reviews.runbooks[p], t.page)
				s.reviews.usedBy[t.page] = append(s.reviews.usedBy[t.page], p)
				// The runbook page links back ("Incidents that used this
				// runbook"), so the review is no orphan.
				t.page.LinksTo = append(t.page.LinksTo, p)
			}
		}
	}
	for _, ps := range s.reviews.usedBy {
		slices.SortFunc(ps, newestReview)
	}
}

// newestReview orders review pages by start, newest first, then by URL.
func newestReview(a, b *Page) int {
	ta, _ := time.Parse(time.RFC3339, a.Meta.Review.Started)
	tb, _ := time.Parse(time.RFC3339, b.Meta.Review.Started)
	return cmp.Or(tb.Compare(ta), strings.Compare(a.URL, b.URL))
}

// reviewList is the incident reviews for compass.json, newest first.
func (s *Site) reviewList() []handbook.IncidentReview {
	var pages []*Page
	for _, p := range s.Pages {
		if p.Meta.Review != nil {
			pages = append(pages, p)
		}
	}
	slices.SortFunc(pages, newestReview)
	out := make([]handbook.IncidentReview, 0, len(pages))
	for _, p := range pages {
		r := p.Meta.Review
		ir := handbook.IncidentReview{
			URL: p.URL, Title: p.Title, Description: p.Meta.Description, Owner: p.Meta.Owner,
			Incident: r.Incident, Sources: r.Sources, Severity: r.Severity,
			Started: r.Started, Acknowledged: r.Acknowledged, Resolved: r.Resolved, Duration: r.Duration,
		}
		for _, rb := range s.reviews.runbooks[p] {
			ir.Runbooks = append(ir.Runbooks, rb.URL)
		}
		out = append(out, ir)
	}
	return out
}

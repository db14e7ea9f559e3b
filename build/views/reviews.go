package views

import (
	"time"

	"github.com/compasshq/compass/build/handbook"
)

// Reviews is /reviews/: every incident review, newest first, with what a
// reader scans for (how bad, how long, whose).
type Reviews struct {
	Items []ReviewItem
}

// ReviewItem is one incident review in the list.
type ReviewItem struct {
	Ref
	Started  string // RFC 3339, for <time datetime>
	Date     string // YYYY-MM-DD of Started
	Severity string
	Duration string // Go duration, "" when the review has none
	Owner    Ref    // the owning team's charter; URL "" when the id names no charter
}

// Kind names the view for the theme.
func (*Reviews) Kind() string { return "reviews" }

// NewReviews lists m's incident reviews in the order compass.json has them
// (newest first).
func NewReviews(m *handbook.Map) *Reviews {
	teams := map[string]Ref{}
	for _, t := range m.Teams {
		teams[t.ID] = Ref{Title: t.Name, URL: t.URL}
	}
	v := &Reviews{}
	for _, r := range m.Reviews {
		it := ReviewItem{Ref: Ref{Title: r.Title, URL: r.URL}, Started: r.Started, Severity: r.Severity, Duration: r.Duration}
		if t, err := time.Parse(time.RFC3339, r.Started); err == nil {
			it.Date = t.Format(time.DateOnly)
		}
		if r.Owner != "" {
			it.Owner = teams[r.Owner]
			if it.Owner.Title == "" {
				it.Owner.Title = r.Owner
			}
		}
		v.Items = append(v.Items, it)
	}
	return v
}

package views

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/compasshq/compass/build/handbook"
)

// Review is /review/: the pages whose review_by has passed or falls within
// handbook.ReviewWindow days, by owning team, by the rule `compass check`
// uses (handbook.Review).
type Review struct {
	Window int
	Teams  []ReviewTeam
}

// ReviewTeam is one owner's pages to review.
type ReviewTeam struct {
	Ref            // the team's charter; Title "No owner" for unowned pages
	ID      string // team id, "" for unowned pages
	Channel string // where to nudge the owner
	Pages   []ReviewPage
}

// ReviewPage is one page to review.
type ReviewPage struct {
	Ref
	Due     string // YYYY-MM-DD
	Days    int    // days overdue, or until due
	Overdue bool
}

// Kind names the view for the theme.
func (*Review) Kind() string { return "review" }

// NewReview builds the review list as of now.
func NewReview(m *handbook.Map, now time.Time) *Review {
	v := &Review{Window: handbook.ReviewWindow}
	byOwner := map[string][]ReviewPage{}
	for _, p := range m.Pages {
		if p.ReviewBy == "" {
			continue
		}
		status, days, err := handbook.Review(p.ReviewBy, now, handbook.ReviewWindow)
		if err != nil || status == handbook.ReviewNotDue {
			continue
		}
		byOwner[p.Owner] = append(byOwner[p.Owner], ReviewPage{Ref: Ref{Title: p.Title, URL: p.URL}, Due: p.ReviewBy, Days: days, Overdue: status == handbook.ReviewOverdue})
	}
	add := func(rt ReviewTeam, pages []ReviewPage) {
		if len(pages) == 0 {
			return
		}
		slices.SortFunc(pages, func(a, b ReviewPage) int { return cmp.Or(strings.Compare(a.Due, b.Due), strings.Compare(a.URL, b.URL)) })
		rt.Pages = pages
		v.Teams = append(v.Teams, rt)
	}
	known := map[string]bool{}
	for _, t := range m.Teams {
		known[t.ID] = true
		add(ReviewTeam{Ref: Ref{Title: t.Name, URL: t.URL}, ID: t.ID, Channel: t.Channel}, byOwner[t.ID])
	}
	var orphans []ReviewPage
	for owner, pages := range byOwner {
		if !known[owner] {
			orphans = append(orphans, pages...)
		}
	}
	add(ReviewTeam{Ref: Ref{Title: "No owner"}}, orphans)
	return v
}

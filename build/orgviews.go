package build

import (
	"maps"
	"slices"
	"strings"

	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/build/views"
)

// View is the data of a generated organisation page (build/views); the
// theme's partials/view.html picks a template by its Kind.
type View interface{ Kind() string }

// addViews adds the organisation's generated pages, all computed from the
// handbook map so that the site and compass.json agree.
func (s *Site) addViews() {
	m := s.handbookMap(false)
	if len(m.People) > 0 {
		s.addView("/people/", "People and hats", views.NewPeople(m))
		for _, mem := range m.People {
			s.addView(mem.URL, mem.Name, views.NewPerson(m, mem, s.opts.SlackWorkspace))
		}
	}
	if oc := views.NewOncall(m, s.now()); len(oc.Rotations) > 0 {
		s.addView("/oncall/", "On call now", oc)
	}
	if slices.ContainsFunc(m.Pages, func(p handbook.Page) bool { return p.ReviewBy != "" }) {
		s.addView("/review/", "Due for review", views.NewReview(m, s.now()))
	}
	if len(m.Reviews) > 0 {
		if p := s.addView("/reviews/", "Incident reviews", views.NewReviews(m)); p != nil {
			p.List = nil // the view lists the folder's reviews, with more to say about each
		}
	}
	s.viewFiles = map[string]views.File{}
	if len(m.Meetings) > 0 {
		s.addView("/meetings/week/", "The meeting week", views.NewWeek(m, s.now()))
		maps.Copy(s.viewFiles, views.Feeds(m, s.absURL, s.now()))
	}
	changes := views.NewChanges(m, s.opts.History)
	if s.addView("/changes/", "What changed", changes) != nil {
		s.viewFiles[views.ChangesFeedURL] = views.File{Title: "What changed (Atom)", Kind: "feed", Data: changes.Atom(s.Title, s.absURL, s.now())}
	}
	var links []views.Ref
	for _, u := range views.URLs {
		if p := s.byURL[u]; p != nil && p.View != nil {
			links = append(links, views.Ref{Title: p.Title, URL: u})
		}
	}
	s.addView("/", s.Title, views.NewHome(m, s.opts.History, s.now(), links))
}

// addView puts view v on the page at URL u: a generated page, or the
// content page already there, which keeps its text above the view. A
// content alias at u wins: its redirect was asked for by name.
func (s *Site) addView(u, title string, v View) *Page {
	if a := s.aliases[u]; a != nil {
		s.opts.Logger.Info("generated view left out: an alias has its URL", "url", u, "alias_of", a.File)
		return nil
	}
	p := s.byURL[u]
	if p == nil {
		p = &Page{URL: u, Title: title}
		s.addGenerated(p)
	}
	p.View = v
	return p
}

// viewList lists the generated views for compass.json: pages by URL, then
// the calendar and Atom files.
func (s *Site) viewList() []handbook.View {
	out := []handbook.View{}
	for _, p := range slices.Concat(s.Pages, s.extra) {
		if p.View != nil && p.View.Kind() != "home" {
			out = append(out, handbook.View{URL: p.URL, Title: p.Title, Kind: p.View.Kind()})
		}
	}
	for _, u := range slices.Sorted(maps.Keys(s.viewFiles)) {
		f := s.viewFiles[u]
		out = append(out, handbook.View{URL: u, Title: f.Title, Kind: f.Kind})
	}
	slices.SortStableFunc(out, func(a, b handbook.View) int { return strings.Compare(a.URL, b.URL) })
	return out
}

// absURL is site URL u as a link from outside the site (a calendar, a
// feed): absolute when base_url has a host, else base-path prefixed.
func (s *Site) absURL(u string) string {
	if c := s.canonical(u); c != "" {
		return c
	}
	return s.basePath + u
}

// CalendarLinks are a meeting page's calendar feeds.
type CalendarLinks struct{ Meeting, Team string }

func (s *Site) calendarLinks(p *Page) *CalendarLinks {
	feed := views.MeetingFeedURL(p.URL)
	if _, ok := s.viewFiles[feed]; !ok {
		return nil
	}
	c := &CalendarLinks{Meeting: feed}
	if t := views.TeamFeedURL(p.Meta.Owner); p.Meta.Owner != "" {
		if _, ok := s.viewFiles[t]; ok {
			c.Team = t
		}
	}
	return c
}

// charterTeam is a charter page as the map's team, for the views that draw
// on a charter (the skills chart).
func charterTeam(p *Page) handbook.Team {
	c := p.Meta.Charter
	if c == nil {
		return handbook.Team{}
	}
	return handbook.Team{ID: c.Team, Name: p.Title, URL: p.URL, People: c.People, Roles: c.Roles, Oncall: c.Oncall}
}

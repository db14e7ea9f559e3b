package views

import (
	"encoding/xml"
	"strings"
	"time"

	"github.com/compasshq/compass/build/gitinfo"
	"github.com/compasshq/compass/build/handbook"
)

// Limits of /changes/: how far back the page reads git history (the
// newest commits; one git log pass), how many weeks it shows, and how
// many commits its Atom feed carries.
const (
	ChangesCommits = 1000
	ChangesWeeks   = 8
	FeedEntries    = 50
	ChangesFeedURL = "/changes/atom.xml"
)

// Changes is /changes/: what changed in the handbook, week by week.
type Changes struct {
	NoHistory bool // the site is not in git (or git is missing): nothing to show
	Weeks     []ChangeWeek
	Feed      string
}

// ChangeWeek is the commits of one week (Monday to Sunday, UTC).
type ChangeWeek struct {
	Label   string // "Week of 30 November 2026"
	Commits []ChangeCommit
}

// ChangeCommit is one commit and the pages it touched.
type ChangeCommit struct {
	ID      string // short hash, the anchor of the commit on the page
	Author  string
	Date    string // YYYY-MM-DD
	Time    string // RFC 3339
	Subject string
	Files   []ChangeFile
}

// ChangeFile is one page (or other content file) a commit touched.
type ChangeFile struct {
	Ref      // the page now; URL "" when it no longer exists
	Kind     string
	OldTitle string // before a rename: the old path
}

// Kind names the view for the theme.
func (*Changes) Kind() string { return "changes" }

// NewChanges groups the newest commits by week; hist nil means no history.
func NewChanges(m *handbook.Map, hist *gitinfo.History) *Changes {
	v := &Changes{Feed: ChangesFeedURL}
	if hist == nil {
		v.NoHistory = true
		return v
	}
	byPath := map[string]handbook.Page{}
	for _, p := range m.Pages {
		byPath["content/"+p.Path] = p
	}
	var cutoff time.Time
	for _, c := range hist.Commits {
		week := handbook.WeekOf(c.Time, time.UTC)
		if cutoff.IsZero() {
			cutoff = week.AddDate(0, 0, -7*(ChangesWeeks-1))
		}
		if week.Before(cutoff) {
			break
		}
		label := "Week of " + week.Format("2 January 2006")
		if n := len(v.Weeks); n == 0 || v.Weeks[n-1].Label != label {
			v.Weeks = append(v.Weeks, ChangeWeek{Label: label})
		}
		w := &v.Weeks[len(v.Weeks)-1]
		w.Commits = append(w.Commits, changeCommit(c, byPath))
	}
	return v
}

func changeCommit(c gitinfo.Commit, byPath map[string]handbook.Page) ChangeCommit {
	cc := ChangeCommit{ID: c.Hash[:min(len(c.Hash), 12)], Author: c.Author, Date: c.Time.Format(time.DateOnly), Time: c.Time.Format(time.RFC3339), Subject: c.Subject}
	for _, f := range c.Files {
		cf := ChangeFile{Kind: f.Kind, Ref: Ref{Title: strings.TrimPrefix(f.Path, "content/")}}
		if p, ok := byPath[f.Path]; ok && f.Kind != gitinfo.KindRemoved {
			cf.Ref = Ref{Title: p.Title, URL: p.URL}
		}
		if f.OldPath != "" {
			cf.OldTitle = strings.TrimPrefix(f.OldPath, "content/")
		}
		cc.Files = append(cc.Files, cf)
	}
	return cc
}

// atomFeed and friends are RFC 4287's elements, as encoding/xml writes them.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID      string     `xml:"id"`
	Title   string     `xml:"title"`
	Updated string     `xml:"updated"`
	Author  atomPerson `xml:"author"`
	Link    atomLink   `xml:"link"`
	Summary string     `xml:"summary"`
}

// Atom writes the newest commits as an Atom feed. abs makes site URLs
// absolute where the site has a base URL with a host; ids are then the
// commit's place on /changes/, else URNs of the commit hash.
func (v *Changes) Atom(title string, abs func(string) string, now time.Time) []byte {
	page := abs("/changes/")
	f := atomFeed{
		ID: idFor(page, "urn:compass:changes"), Title: "What changed in " + title,
		Updated: now.UTC().Format(time.RFC3339),
		Links:   []atomLink{{Rel: "self", Href: abs(ChangesFeedURL)}, {Rel: "alternate", Href: page}},
		Author:  atomPerson{Name: title},
	}
	for _, w := range v.Weeks {
		for _, c := range w.Commits {
			if len(f.Entries) == FeedEntries {
				break
			}
			if len(f.Entries) == 0 {
				f.Updated = c.Time
			}
			var sum []string
			for _, file := range c.Files {
				s := file.Kind + " " + file.Title
				if file.OldTitle != "" {
					s += " (was " + file.OldTitle + ")"
				}
				sum = append(sum, s)
			}
			f.Entries = append(f.Entries, atomEntry{
				ID: idFor(page+"#c-"+c.ID, "urn:compass:commit:"+c.ID), Title: c.Subject, Updated: c.Time,
				Author: atomPerson{Name: c.Author}, Link: atomLink{Rel: "alternate", Href: page + "#c-" + c.ID},
				Summary: strings.Join(sum, "; "),
			})
		}
	}
	b, _ := xml.MarshalIndent(f, "", "  ") // plain strings and structs: cannot fail
	return append([]byte(xml.Header), append(b, '\n')...)
}

// idFor is u when it is an absolute URL, else the fallback URN.
func idFor(u, urn string) string {
	if strings.Contains(u, "://") {
		return u
	}
	return urn
}

package views

import (
	"strings"
)

// The views' search text: what a reader would type to find the page, as
// sentences, so snippets read well. A view without SearchText is not
// indexed on its own: the home overview repeats other pages, and commit
// subjects on /changes/ would make every commit reorder search results.

// SearchText lists everyone and their hats per team.
func (v *People) SearchText() string {
	var b strings.Builder
	for _, r := range v.Rows {
		b.WriteString(r.Name)
		for i, c := range r.Cells {
			if c.On {
				b.WriteString(", " + v.Teams[i].Title)
				if len(c.Roles) > 0 {
					b.WriteString(" (" + strings.Join(c.Roles, ", ") + ")")
				}
			}
		}
		b.WriteString(". ")
	}
	for _, t := range v.Teams {
		if len(t.Unfilled) > 0 {
			b.WriteString("Unfilled on " + t.Title + ": " + strings.Join(t.Unfilled, ", ") + ". ")
		}
	}
	return strings.TrimSpace(b.String())
}

// SearchText names the person's teams, hats, rotations and meetings.
func (v *Person) SearchText() string {
	var parts []string
	if v.Slack.Label != "" {
		parts = append(parts, "Slack "+v.Slack.Label+".")
	}
	for _, h := range v.Hats {
		parts = append(parts, h.Role+" on "+h.Team.Title+".")
	}
	for _, t := range v.Teams {
		parts = append(parts, "Member of "+t.Title+".")
	}
	for _, r := range v.Rotations {
		parts = append(parts, "On call for "+r.Title+".")
	}
	for _, m := range v.Meetings {
		parts = append(parts, "Attends "+m.Title+".")
	}
	return strings.Join(parts, " ")
}

// SearchText lists the week's meetings with their times.
func (v *Week) SearchText() string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, w := range v.Weeks {
		for _, d := range w.Days {
			for _, bl := range d.Blocks {
				if key := bl.Title + d.Name; !seen[key] {
					seen[key] = true
					b.WriteString(bl.Title + " on " + d.Name + " at " + bl.Clock + ". ")
				}
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// SearchText names who is on call for each team.
func (v *Oncall) SearchText() string {
	var b strings.Builder
	for _, r := range v.Rotations {
		b.WriteString(r.Team.Title + " on call rotation")
		if r.Now != nil {
			b.WriteString(": " + r.Now.Person.Title + " is on call")
		}
		b.WriteString(". ")
	}
	return strings.TrimSpace(b.String())
}

// SearchText lists the pages due for review.
func (v *Review) SearchText() string {
	var b strings.Builder
	for _, t := range v.Teams {
		for _, p := range t.Pages {
			b.WriteString(p.Title + " (" + t.Title + ") review due " + p.Due + ". ")
		}
	}
	return strings.TrimSpace(b.String())
}

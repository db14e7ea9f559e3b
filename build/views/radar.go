package views

import (
	"fmt"
	"html/template"
	"math"
	"slices"
	"strings"

	"github.com/compasshq/compass/build/handbook"
)

// Radar is a skills spider chart: one axis per skill (levels 0 to 5), one
// polygon per series. The team's coverage (the best level per skill) is a
// filled series of its own, so gaps show as dents.
type Radar struct {
	Title  string // "Skills of Site reliability engineering"
	Axes   []string
	Series []Series
}

// Series is one polygon of a radar: a person, or a team's coverage.
type Series struct {
	Name     string
	Values   []int // per axis, 0 when the skill is not listed
	Coverage bool
}

// MaxLevel is the outer ring of a radar: skill levels run 1 to 5.
const MaxLevel = 5

// TeamRadar draws a team's people and its coverage; nil when nobody on the
// team lists a skill.
func TeamRadar(t handbook.Team) *Radar {
	axes := skillsOf([]handbook.Team{t})
	if len(axes) == 0 {
		return nil
	}
	r := &Radar{Title: "Skills of " + t.Name, Axes: axes}
	for _, p := range t.People {
		if len(p.Skills) == 0 {
			continue
		}
		s := Series{Name: p.Name, Values: make([]int, len(axes))}
		for i, a := range axes {
			s.Values[i] = p.Skills[a]
		}
		r.Series = append(r.Series, s)
	}
	r.Series = append(r.Series, Series{Name: "Team coverage", Values: coverage(r.Series, len(axes)), Coverage: true})
	return r
}

// TeamsRadar draws each team's coverage on one chart, for /people/; nil
// when no team lists skills.
func TeamsRadar(teams []handbook.Team) *Radar {
	axes := skillsOf(teams)
	if len(axes) == 0 {
		return nil
	}
	r := &Radar{Title: "Skills coverage by team", Axes: axes}
	for _, t := range teams {
		tr := TeamRadar(t)
		if tr == nil {
			continue
		}
		cov := tr.Series[len(tr.Series)-1].Values
		s := Series{Name: t.Name, Values: make([]int, len(axes))}
		for i, a := range tr.Axes {
			s.Values[slices.Index(axes, a)] = cov[i]
		}
		r.Series = append(r.Series, s)
	}
	return r
}

func skillsOf(teams []handbook.Team) []string {
	var out []string
	for _, t := range teams {
		for _, p := range t.People {
			for s := range p.Skills {
				if !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// coverage is the best level per axis across the series.
func coverage(series []Series, n int) []int {
	out := make([]int, n)
	for _, s := range series {
		for i, v := range s.Values {
			out[i] = max(out[i], v)
		}
	}
	return out
}

// Chart geometry, in SVG user units. The viewBox leaves room for labels on
// every side; the SVG scales to its container's width, so a phone shrinks
// it instead of clipping it.
const (
	cx, cy = 220.0, 170.0
	radius = 120.0
)

// point returns where level v on axis i of n lies.
func point(i, n int, v float64) (x, y float64) {
	a := -math.Pi/2 + 2*math.Pi*float64(i)/float64(n)
	r := radius * v / MaxLevel
	return cx + r*math.Cos(a), cy + r*math.Sin(a)
}

// polygon writes the points attribute for values (or a ring of level v).
func polygon(n int, level func(i int) float64) string {
	var b strings.Builder
	for i := range n {
		x, y := point(i, n, level(i))
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.1f,%.1f", x, y)
	}
	return b.String()
}

// SVG draws the chart as inline SVG. Colours come from the theme's CSS
// classes (radar-s0 …), so dark mode and print restyle it; the theme puts
// the same numbers in a table beside it for screen readers, so the drawing
// itself is one labelled image.
func (r *Radar) SVG() template.HTML {
	n := len(r.Axes)
	var b strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&b, `<svg class="radar" viewBox="0 0 440 340" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, esc(r.Title))
	b.WriteString(`<g class="radar-grid">`)
	for lvl := 1; lvl <= MaxLevel; lvl++ {
		fmt.Fprintf(&b, `<polygon points="%s"/>`, polygon(n, func(int) float64 { return float64(lvl) }))
	}
	for i := range n {
		x, y := point(i, n, MaxLevel)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, cx, cy, x, y)
	}
	b.WriteString(`</g><g class="radar-labels">`)
	for i, a := range r.Axes {
		x, y := point(i, n, MaxLevel+0.9)
		anchor := "middle"
		switch {
		case x < cx-10:
			anchor = "end"
		case x > cx+10:
			anchor = "start"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="%s" dominant-baseline="middle">%s</text>`, x, y, anchor, esc(a))
	}
	b.WriteString(`</g>`)
	for k, s := range r.Series {
		class := fmt.Sprintf("radar-series radar-s%d", k%8)
		if s.Coverage {
			class = "radar-series radar-coverage"
		}
		fmt.Fprintf(&b, `<polygon class="%s" points="%s"><title>%s</title></polygon>`, class,
			polygon(n, func(i int) float64 { return float64(s.Values[i]) }), esc(s.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Class is the CSS class of series k, for the legend's swatches.
func (r *Radar) Class(k int) string {
	if r.Series[k].Coverage {
		return "radar-coverage"
	}
	return fmt.Sprintf("radar-s%d", k%8)
}

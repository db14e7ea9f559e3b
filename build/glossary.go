package build

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/compasshq/compass/build/markdown"
	"github.com/compasshq/compass/build/search"
)

// termPrefix starts the label a {glossary} gives each of its terms, and so
// the destination of a {term} role: {term}`Hub` links to "#term-Hub".
const termPrefix = "#term-"

// termProblem is the message for a link to a glossary term that no
// {glossary} on the site defines: it names the term, and the nearest term
// one does define, so a typo or a plural is fixed at a glance.
func (s *Site) termProblem(dest string) string {
	term := strings.TrimPrefix(dest, termPrefix)
	msg := fmt.Sprintf("{term} %q is not defined in any {glossary}", term)
	switch near := s.nearestTerms(term); len(near) {
	case 0:
		if len(s.glossaryTerms()) == 0 {
			msg += "; the site has no glossary"
		}
	case 1:
		msg += fmt.Sprintf("; the nearest glossary term is %q", near[0])
	default:
		msg += fmt.Sprintf("; the nearest glossary terms are %q", near)
	}
	return msg
}

// glossaryTerms returns every term the site's glossaries define, as
// written there, by label key.
func (s *Site) glossaryTerms() map[string]string {
	out := map[string]string{}
	for key, l := range s.labels {
		if t, ok := strings.CutPrefix(key, strings.TrimPrefix(termPrefix, "#")); ok {
			out[t] = cmp.Or(l.title, t)
		}
	}
	return out
}

// nearestTerms returns the glossary terms one typo away from term (the
// search engine's rule, case ignored), else those that contain it or that
// it contains ("hubs" and "hub"), sorted; at most three.
func (s *Site) nearestTerms(term string) []string {
	want := markdown.LabelKey(term)
	terms := s.glossaryTerms()
	var typo, part []string
	for key, written := range terms {
		switch {
		case search.WithinOneEdit([]rune(want), []rune(key)):
			typo = append(typo, written)
		case len(want) >= 3 && len(key) >= 3 && (strings.Contains(key, want) || strings.Contains(want, key)):
			part = append(part, written)
		}
	}
	near := typo
	if len(near) == 0 {
		near = part
	}
	slices.Sort(near)
	return near[:min(len(near), 3)]
}

package markdown

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Heading id rules. Handbooks moved from other tools link to headings by
// the ids those tools made, so a site can choose their rule: its existing
// "#anchors" keep working.
const (
	IDsCompass = "compass" // the default: letters and digits of any script, words joined by "-"
	IDsGitHub  = "github"  // github-slugger, used by GitHub, Docusaurus and many handbooks
	IDsMkDocs  = "mkdocs"  // Python-Markdown's toc extension, MkDocs' default
)

// idRule makes a heading's id from its text, and the separator of the
// suffix that makes a repeated id unique ("-1" or, in MkDocs, "_1").
type idRule struct {
	slug func(string) string
	sep  string
}

// headingIDRule returns the rule named by name ("" is Compass's).
func headingIDRule(name string) (idRule, error) {
	switch name {
	case "", IDsCompass:
		return idRule{slug: slug, sep: "-"}, nil
	case IDsGitHub:
		return idRule{slug: githubSlug, sep: "-"}, nil
	case IDsMkDocs:
		return idRule{slug: mkdocsSlug, sep: "_"}, nil
	}
	return idRule{}, fmt.Errorf("heading_ids: %q is not one of compass, github, mkdocs", name)
}

// CheckHeadingIDs reports an error naming the choices when name is not a
// heading id rule.
func CheckHeadingIDs(name string) error {
	_, err := headingIDRule(name)
	return err
}

// slug turns heading text into an anchor id: lower case letters and digits
// (any script, so "Übersicht" stays readable), words joined by '-'.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		case r == '_' || r == '-' || unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r):
			dash = true
		}
	}
	if b.Len() == 0 {
		return "section"
	}
	return b.String()
}

// githubSlug is github-slugger's rule: lower case, punctuation and symbols
// removed (but "-" and "_" kept), each space a "-" (so "a - b" is "a---b").
func githubSlug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_':
			b.WriteRune(r)
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mkdocsSlug is Python-Markdown's slugify: accents folded to ASCII and
// other non-ASCII dropped, then anything but word characters, spaces and
// "-" removed, lower case, runs of spaces and "-" as one "-".
func mkdocsSlug(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		if r < 128 && (r == '_' || r == '-' || r == ' ' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r)) {
			b.WriteRune(r)
		}
	}
	fields := strings.FieldsFunc(strings.ToLower(strings.TrimSpace(b.String())), func(r rune) bool {
		return r == '-' || unicode.IsSpace(r)
	})
	return strings.Join(fields, "-")
}

// idSet hands out ids unique within one page.
type idSet struct {
	sep  string
	used map[string]bool
	next map[string]int
}

func newIDSet(sep string) *idSet {
	return &idSet{sep: sep, used: map[string]bool{}, next: map[string]int{}}
}

// claim returns id, or id with the lowest free suffix ("-1") when id is taken.
func (s *idSet) claim(id string) string {
	if !s.used[id] {
		s.used[id] = true
		return id
	}
	for i := s.next[id] + 1; ; i++ {
		c := id + s.sep + strconv.Itoa(i)
		if !s.used[c] {
			s.used[c] = true
			s.next[id] = i
			return c
		}
	}
}

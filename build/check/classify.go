package check

import (
	"errors"
	"regexp"

	"github.com/compasshq/compass/build"
)

// buildRules sorts the build's own problems into rules by their message.
// The build reports plain positioned messages; the patterns are pinned by
// this package's tests against the real build, so a reworded message fails
// a test instead of silently changing rule ids.
var buildRules = []struct {
	re   *regexp.Regexp
	rule string
}{
	{regexp.MustCompile(`points at a draft page`), "draft-link"},
	{regexp.MustCompile(`has no heading with id`), "broken-anchor"},
	{regexp.MustCompile(`^(link to .* matches no page|image .* matches no file)$`), "broken-link"},
	{regexp.MustCompile(`^alias .* is (also an alias of|the URL of) `), "duplicate-alias"},
	// check's own unknown-owner rule says the same with the known teams.
	{regexp.MustCompile(`^owner .* is not the team of any charter$`), ""},
}

// fromBuild turns build.Load's errors and warnings into findings.
func fromBuild(err error, warnings []build.Warning, srcs *sources) []Finding {
	var out []Finding
	add := func(pos build.Position, sev Severity, msg string) {
		rule := ""
		matched := false
		for _, br := range buildRules {
			if br.re.MatchString(msg) {
				rule, matched = br.rule, true
				break
			}
		}
		if matched && rule == "" {
			return
		}
		if !matched {
			rule = "content"
			if src := srcs.byFile[pos.File]; src == nil || pos.Line <= src.fmEnd {
				rule = "frontmatter"
			}
		}
		out = append(out, Finding{File: pos.File, Line: pos.Line, Col: pos.Col, Severity: sev, Rule: rule, Message: msg})
	}
	var ces build.ContentErrors
	if errors.As(err, &ces) {
		for _, e := range ces {
			add(e.Pos, Error, e.Err.Error())
		}
	}
	for _, w := range warnings {
		add(w.Pos, Warning, w.Message)
	}
	return out
}

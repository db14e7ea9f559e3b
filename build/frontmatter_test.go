package build

import (
	"strings"
	"testing"
)

func TestFrontMatterProblems(t *testing.T) {
	tests := []struct {
		name string
		fm   string // YAML between the --- lines; file line = YAML line + 1
		want string // problems, one per line
	}{
		{"valid guide", "title: A\nkind: guide\ntags: [x]\nweight: 3\ndraft: false\n", ""},
		{"missing title (taken from the first heading)", "kind: guide\n", ""},
		{"empty title", "title: \"\"\n", "f.md:2:8: title must not be empty"},
		{"unknown kind", "title: A\nkind: memo\n", `f.md:3:7: kind: "memo" is not one of policy, charter, meeting, runbook, guide, review`},
		{"unknown key", "title: A\nauthor: me\n", `f.md:3:1: warning: unknown key "author"`},
		{"key of another kind", "title: A\nkind: policy\nseverity: info\n", `f.md:4:1: warning: key "severity" is only used by kind runbook pages, not policy`},
		{"duplicate key", "title: A\ntitle: B\n", `f.md:3:1: key "title" is set twice`},
		{"tags not a list", "title: A\ntags: oncall\n", `f.md:3:7: tags: want a list, got "oncall"`},
		{"tag in capitals", "title: A\ntags: [On Call]\n", `f.md:3:8: warning: tags: "On Call" should be lowercase words joined by hyphens, it is used as "on-call"`},
		{"bad date", "title: A\nreview_by: 2025-13-01\n", `f.md:3:12: review_by: want a date like 2025-01-31, got "2025-13-01"`},
		{"bad alias", "title: A\naliases: [old/path]\n", `f.md:3:11: aliases: "old/path" must be a site path starting with / (like /old/path/)`},
		{"syntax error", "title: A\n  bad: : x\n", "f.md:3:1: front matter: mapping values are not allowed in this context"},
		// Issue #12: yaml.v3 reports an open quote where the text ends.
		{"unclosed double quote", "title: \"Broken\nkind: guide\ntags: [a]\n", `f.md:2:8: front matter: this quoted value is never closed (missing ")`},
		{"unclosed single quote in a list", "title: A\ntags:\n  - 'it''s\n  - b\n", `f.md:4:5: front matter: this quoted value is never closed (missing ')`},
		{"not a mapping", "- a\n- b\n", "f.md:2:1: front matter must be a mapping of keys to values, got a list"},
		{"charter without team", "title: T\nkind: charter\n", "f.md:2:1: charter has no team (required): the team id, like team: sre"},
		{"rotation member unknown", "title: T\nkind: charter\nteam: sre\npeople: [{id: ana, name: Ana}]\noncall:\n  members: [ana, bob]\n  start: 2026-01-05\n  handoff: {day: monday, time: \"10:00\"}\n  timezone: Europe/Berlin\n",
			`f.md:7:18: oncall.members: "bob" is not the id of anyone in people`},
		{"rotation details", "title: T\nkind: charter\nteam: sre\npeople: [{id: ana, name: Ana}]\noncall:\n  members: [ana]\n  start: 2026-01-05\n  handoff: {day: funday, time: \"25:00\"}\n  timezone: Mars/Olympus\n",
			"f.md:9:18: oncall.handoff.day: \"funday\" is not a day of the week\nf.md:9:32: oncall.handoff.time: \"25:00\" is not a 24-hour time like 09:30 (quote it in YAML)\nf.md:10:13: oncall.timezone: \"Mars/Olympus\" is not an IANA time zone like Europe/Berlin or UTC"},
		{"skill out of range", "title: T\nkind: charter\nteam: sre\npeople:\n  - id: ana\n    name: Ana\n    skills: {go: 9}\n", "f.md:8:18: people[0].skills.go: skill level 9 is not between 1 and 5"},
		{"person missing name", "title: T\nkind: charter\nteam: sre\npeople:\n  - id: ana\n", "f.md:6:5: people[0]: missing name (required)"},
		{"runbook severity and glob", "title: R\nkind: runbook\nseverity: high\nalerts: [\"Disk[\"]\n",
			"f.md:4:11: severity: \"high\" is not one of critical, warning, info\nf.md:5:10: alerts: \"Disk[\" is not a valid glob pattern"},
		{"meeting agenda not list", "title: M\nkind: meeting\nagenda: talk\n", `f.md:4:9: agenda: want a list, got "talk"`},
		{"valid review", "title: R\nkind: review\nincident: pagerduty/P1\nsources: [pagerduty]\nseverity: critical\nstarted: 2026-03-01T10:00:00Z\nacknowledged: 2026-03-01T11:04:00+01:00\nresolved: 2026-03-01T11:00:00Z\nrunbooks: [../runbooks/disk.md]\n", ""},
		{"review without incident or start", "title: R\nkind: review\nseverity: high\n",
			"f.md:2:1: review has no incident (required)\nf.md:2:1: review has no started (required)\nf.md:4:11: severity: \"high\" is not one of critical, warning, info"},
		{"review times", "title: R\nkind: review\nincident: x\nstarted: 2026-03-01T10:00:00Z\nacknowledged: 2026-03-01 10:04\nresolved: 2026-03-01T09:00:00Z\n",
			"f.md:6:15: acknowledged: want a time with its offset like 2025-01-31T14:05:00Z, got \"2026-03-01 10:04\"\nf.md:7:11: resolved: 2026-03-01T09:00:00Z is before started (2026-03-01T10:00:00Z)"},
		{"review duration", "title: R\nkind: review\nincident: x\nstarted: 2026-03-01T10:00:00Z\nresolved: 2026-03-01T11:25:40Z\nduration: 1h25m\n", ""},
		{"review duration wrong", "title: R\nkind: review\nincident: x\nstarted: 2026-03-01T10:00:00Z\nresolved: 2026-03-01T11:00:00Z\nduration: 2h\n",
			"f.md:7:11: duration: 2h is not the time from started to resolved (1h0m0s)"},
		{"review duration malformed", "title: R\nkind: review\nincident: x\nstarted: 2026-03-01T10:00:00Z\nduration: an hour\nrunbooks: [3, [x]]\n",
			"f.md:6:11: duration: \"an hour\" is not a duration like 45m or 1h30m\nf.md:7:15: runbooks[1]: want a string, got a list"},
		{"null optional is fine", "title: A\ndescription:\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p problems
			decodeFrontMatter("f.md", []byte(tt.fm), &p)
			p.sort()
			var lines []string
			for _, w := range p.warnings {
				lines = append(lines, w.String())
			}
			for _, e := range p.errs {
				lines = append(lines, e.Error())
			}
			if got := strings.Join(lines, "\n"); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestSplitFrontMatter(t *testing.T) {
	tests := []struct {
		name, src   string
		fm, body    string
		line        int
		has, failed bool
	}{
		{"none", "# Hi\n", "", "# Hi\n", 1, false, false},
		{"yaml", "---\ntitle: A\n---\nBody\n", "title: A\n", "Body\n", 4, true, false},
		{"crlf and bom", "\ufeff---\r\ntitle: A\r\n---\r\nBody", "title: A\r\n", "Body", 4, true, false},
		{"dots close", "---\ntitle: A\n...\n", "title: A\n", "", 4, true, false},
		{"no body", "---\ntitle: A\n---", "title: A\n", "", 4, true, false},
		{"unclosed", "---\ntitle: A\n", "", "", 1, false, true},
		{"toml", "+++\ntitle = 'A'\n+++\n", "", "", 1, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fm, body, line, has, err := splitFrontMatter([]byte(tt.src))
			if (err != nil) != tt.failed {
				t.Fatalf("err = %v, want failure %v", err, tt.failed)
			}
			if tt.failed {
				return
			}
			if string(fm) != tt.fm || string(body) != tt.body || line != tt.line || has != tt.has {
				t.Errorf("got fm %q body %q line %d has %v; want %q %q %d %v", fm, body, line, has, tt.fm, tt.body, tt.line, tt.has)
			}
		})
	}
}

// FuzzFrontMatter checks that any file splits and decodes without panic,
// that the body is a suffix of the input (nothing invented), and that every
// problem has a position inside the front matter.
func FuzzFrontMatter(f *testing.F) {
	f.Add([]byte("---\ntitle: A\nkind: charter\nteam: sre\n---\nbody"))
	f.Add([]byte("---\ntitle: [a\n---\n"))
	f.Add([]byte("---\n&a x: *a\n---\n"))
	f.Add([]byte("---\noncall: {members: [a], overrides: [{person: b}]}\nkind: charter\n---\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		fm, body, line, has, err := splitFrontMatter(src)
		if err != nil || !has {
			return
		}
		if !strings.HasSuffix(string(src), string(body)) {
			t.Fatalf("body %q is not a suffix of the input", body)
		}
		var p problems
		decodeFrontMatter("f.md", fm, &p)
		for _, e := range p.errs {
			if e.Pos.Line < 1 || e.Pos.Line >= line {
				t.Errorf("error outside the front matter (lines 1..%d): %v", line-1, e)
			}
		}
	})
}

package check

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestScanFile(t *testing.T) {
	src := scanFile("content/a.md", []byte("---\ntitle: A # compass-ignore frontmatter: trailing\n# compass-ignore unknown-owner: alone\n\nowner: x\n---\n"+
		"[a](b.md) <https://x.example/> and https://y.example/z).\n"+
		"```\n[not](a-link.md)\n```\n"+
		"`[code](span.md)` [ref]: https://not-a-def.example\n"+
		"[def]: https://def.example/\n"+
		"<!-- compass-ignore broken-link: reason -->\n\n[gone](gone.md)\n"))
	if src.fmEnd != 6 {
		t.Errorf("front matter ends on line %d, want 6", src.fmEnd)
	}
	var links []string
	for _, l := range src.links {
		links = append(links, l.dest)
	}
	want := "b.md https://x.example/ https://y.example/z https://not-a-def.example https://def.example/ gone.md"
	if got := strings.Join(links, " "); got != want {
		t.Errorf("links %q\nwant  %q", got, want)
	}
	type dir struct {
		rule   string
		target int
	}
	var dirs []dir
	for _, d := range src.directives {
		dirs = append(dirs, dir{d.rule, d.target})
	}
	wantDirs := []dir{{"frontmatter", 2}, {"unknown-owner", 5}, {"broken-link", 15}}
	if len(dirs) != len(wantDirs) {
		t.Fatalf("directives %v, want %v", dirs, wantDirs)
	}
	for i := range dirs {
		if dirs[i] != wantDirs[i] {
			t.Errorf("directive %d: %v, want %v", i, dirs[i], wantDirs[i])
		}
	}
}

// FuzzScanFile checks that every link found is written where it is
// reported: its destination starts at its line and column (after a "<").
func FuzzScanFile(f *testing.F) {
	for _, s := range []string{
		"[a](b.md) https://x.example/y",
		"---\ntitle: x\n---\n<https://a.example> [r]: /x\n",
		"```\n[x](y)\n```\n`[a](b)` [c](<d e>)",
		"ü [ä](ö.md) https://é.example/ü",
		"<!-- compass-ignore x: y -->\n[a](",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		src := scanFile("content/f.md", []byte(s))
		lines := strings.Split(strings.TrimPrefix(s, "\xef\xbb\xbf"), "\n")
		for _, l := range src.links {
			if l.line < 1 || l.line > len(lines) {
				t.Fatalf("link %q on line %d of %d", l.dest, l.line, len(lines))
			}
			// Columns count characters; an invalid byte counts as one.
			rest := strings.TrimRight(lines[l.line-1], "\r")
			for c := 1; c < l.col && rest != ""; c++ {
				_, n := utf8.DecodeRuneInString(rest)
				rest = rest[n:]
			}
			if !strings.HasPrefix(rest, l.dest) && !strings.HasPrefix(rest, "<"+l.dest) {
				t.Fatalf("link %q reported at %d:%d, where the line reads %q", l.dest, l.line, l.col, rest)
			}
		}
		for _, d := range src.directives {
			if d.target < d.line && d.target != 0 {
				t.Fatalf("directive on line %d silences earlier line %d", d.line, d.target)
			}
		}
	})
}

package slacktext_test

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/compasshq/compass/bot/slacktext"
)

func TestEscape(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "disk 90% full", "disk 90% full"},
		{"special mention", "<!channel> wake up", "&lt;!channel&gt; wake up"},
		{"user mention", "<@U123>", "&lt;@U123&gt;"},
		{"link injection", "<https://evil.example|click>", "&lt;https://evil.example|click&gt;"},
		{"ampersand first", "&lt;", "&amp;lt;"},
		{"bare at-channel", "ping @channel and @HERE and @everyone", "ping @\u2060channel and @\u2060HERE and @\u2060everyone"},
		{"invalid utf8", "a\xffb", "a\uFFFDb"},
		// Issue #13 item 5: NUL, controls, DEL and U+202E reached Slack.
		{"nul and controls", "a\x00b\x07c\x1bd\re", "abcde"},
		{"tab and newline kept", "a\tb\nc", "a\tb\nc"},
		{"del and c1", "a\x7fb\u0085c\u009fd", "abcd"},
		{"bidi override", "invoice\u202Egpj.exe", "invoicegpj.exe"},
		{"bidi embeddings and isolates", "\u202Aa\u202Bb\u202Cc\u202Dd\u2066e\u2067f\u2068g\u2069", "abcdefg"},
		{"control hides a mention", "<!chan\x00nel>", "&lt;!channel&gt;"},
		{"control splits at-channel", "@chan\u202Enel", "@\u2060channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slacktext.Escape(tt.in); got != tt.want {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestShortenAndClip(t *testing.T) {
	tests := []struct {
		name, in string
		n        int
		shorten  string // Shorten(in, n): n runes
		clip     string // Clip(in, n): n bytes
	}{
		{"fits", "abc", 3, "abc", "abc"},
		{"cut", "abcdef", 4, "abc…", "a…"},
		{"entity not split", "ab&amp;cd", 5, "ab…", "ab…"},
		{"entity kept whole", "ab&amp;cd", 8, "ab&amp;…", "ab…"},
		{"link not split", "x <https://a.example|a> y", 10, "x …", "x …"},
		{"multi-byte", "ééééé", 3, "éé…", "…"},
		{"zero", "abc", 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slacktext.Shorten(tt.in, tt.n); got != tt.shorten {
				t.Errorf("Shorten(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.shorten)
			}
			if got := slacktext.Clip(tt.in, tt.n); got != tt.clip {
				t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.clip)
			}
		})
	}
}

func TestEscBudgetsAfterEscaping(t *testing.T) {
	// 200 runes of "&<>" escape to 1,000; the budget holds afterwards.
	got := slacktext.Esc(strings.Repeat("&<>", 67), 200)
	if n := utf8.RuneCountInString(got); n > 200 {
		t.Fatalf("Esc kept %d runes, want at most 200: %q", n, got)
	}
	if !strings.HasSuffix(got, "&gt;…") {
		t.Errorf("Esc cut inside an entity: %q", got[len(got)-12:])
	}
}

func TestList(t *testing.T) {
	more := func(n int) string { return "…and " + strconv.Itoa(n) + " more" }
	tests := []struct {
		name  string
		lines []string
		total int
		max   int
		want  string
	}{
		{"fits", []string{"aa", "bb"}, 0, 5, "aa\nbb"},
		{"summarised by size", []string{"aaaaaa", "bbbbbb", "cccccc", "dddddd"}, 0, 20, "aaaaaa\n…and 3 more"},
		{"some left out by the caller", []string{"a", "b"}, 3, 100, "a\nb\n…and 1 more"},
		{"left out by the caller and for size", []string{"aaaaaa", "bbbbbb", "c"}, 4, 20, "aaaaaa\n…and 3 more"},
		{"last line fits without summary", []string{"aaaaaa", "bbbbbb"}, 0, 13, "aaaaaa\nbbbbbb"},
		{"first line clipped", []string{strings.Repeat("a", 40), "b"}, 0, 30, "aaaaaaaaaaaaa…\n…and 1 more"},
		{"nil more", []string{"aaaa", "bbbb", "cccc"}, 0, 12, "aaaa\n…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := more
			if tt.name == "nil more" {
				m = nil
			}
			got := slacktext.List(tt.lines, tt.total, tt.max, m)
			if got != tt.want {
				t.Errorf("List = %q, want %q", got, tt.want)
			}
			if len(got) > tt.max {
				t.Errorf("List gave %d bytes, over %d", len(got), tt.max)
			}
		})
	}
}

func TestLink(t *testing.T) {
	tests := []struct{ name, url, text, want string }{
		{"http", "https://h.example/a?b=1&c=2", "A & B", "<https://h.example/a?b=1&amp;c=2|A &amp; B>"},
		{"relative", "/runbooks/x/", "X", "X"},
		{"javascript", "javascript:alert(1)", "X", "X"},
		{"user info", "https://@channel@h.example/", "X", "X"},
		{"pipe and markup in query", "https://h.example/?q=a|b<c>@here", "X|Y", "<https://h.example/?q=a%7Cb%3Cc%3E%40here|X¦Y>"},
		{"bidi in url", "https://h.example/?q=\u202Eexe", "X", "<https://h.example/?q=exe|X>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slacktext.Link(tt.url, tt.text); got != tt.want {
				t.Errorf("Link(%q, %q) = %q, want %q", tt.url, tt.text, got, tt.want)
			}
		})
	}
}

// FuzzEscape: whatever the input, Escape's output is valid UTF-8 with no
// control or bidi character but tab and newline, no '<' or '>' (so no
// <!channel>, <@U…> or link), every '&' starts one of the three entities,
// and no bare @channel, @here or @everyone; Esc keeps its budget.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"<!channel>", "<!here|here>", "@channel", "<@U123>", "&amp;", "a\x00b\u202Ec", "@chan\x7fnel", "\xff<", "é&<>"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		got := slacktext.Escape(s)
		checkEscaped(t, got)
		n = n%300 + 1
		if n < 0 {
			n = -n
		}
		short := slacktext.Esc(s, n)
		checkEscaped(t, short)
		if c := utf8.RuneCountInString(short); c > n {
			t.Fatalf("Esc(%q, %d) has %d runes", s, n, c)
		}
	})
}

func checkEscaped(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("invalid UTF-8: %q", s)
	}
	if strings.ContainsAny(s, "<>") {
		t.Fatalf("unescaped markup: %q", s)
	}
	for i, r := range s {
		if r != '\t' && r != '\n' && (r < 0x20 || r >= 0x7f && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069) {
			t.Fatalf("control or bidi character %U at %d: %q", r, i, s)
		}
		if r == '&' && !strings.HasPrefix(s[i:], "&amp;") && !strings.HasPrefix(s[i:], "&lt;") && !strings.HasPrefix(s[i:], "&gt;") {
			t.Fatalf("bare '&' at %d: %q", i, s)
		}
	}
	lower := strings.ToLower(s)
	for _, bad := range []string{"@channel", "@here", "@everyone"} {
		if strings.Contains(lower, bad) {
			t.Fatalf("bare %s: %q", bad, s)
		}
	}
}

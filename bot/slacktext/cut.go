package slacktext

import (
	"strings"
	"unicode/utf8"
)

// Shorten cuts mrkdwn s to at most n runes, marking the cut with "…". It
// never cuts inside an entity (&amp;) or a <link|markup>, which would show
// as broken text or leave a '<' open.
func Shorten(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i < len(s) && count < n-1 {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	return cutAt(s, i)
}

// Clip cuts mrkdwn s to at most n bytes, marking the cut with "…", without
// cutting inside an entity or a <link|markup>. Slack's limits are
// documented in characters, but Slack has been seen refusing multi-byte
// text under the limit in characters and over it in bytes; bytes are never
// fewer than characters, however Slack counts them, so the bot budgets
// bytes.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < len(ellipsis) {
		return ""
	}
	i := n - len(ellipsis)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return cutAt(s, i)
}

const ellipsis = "…"

// cutAt keeps s[:i] (i on a rune boundary) plus "…", backing out of an
// entity or a link that would be left open.
func cutAt(s string, i int) string {
	kept := s[:i]
	if j := strings.LastIndexByte(kept, '&'); j >= 0 && !strings.Contains(kept[j:], ";") {
		kept = kept[:j]
	}
	if j := strings.LastIndexByte(kept, '<'); j >= 0 && !strings.Contains(kept[j:], ">") {
		kept = kept[:j]
	}
	return kept + ellipsis
}

// JoinLines joins lines with newlines into at most max bytes, keeping the
// leading lines that fit and summarising the rest with more(n), n being
// how many were left out ("…and 14 more alerts, see the thread"). When not
// even the first line fits beside the summary, the first line is clipped.
// A nil more summarises with "…".
func JoinLines(lines []string, max int, more func(n int) string) string {
	total := len(lines) - 1
	for _, l := range lines {
		total += len(l)
	}
	if total <= max || len(lines) == 0 {
		return strings.Join(lines, "\n")
	}
	if more == nil {
		more = func(int) string { return ellipsis }
	}
	// used is the length of lines[:k] joined; find the largest k whose
	// lines fit beside the summary of the rest.
	used, k := 0, 0
	for ; k < len(lines); k++ {
		next := used + len(lines[k])
		if k > 0 {
			next++
		}
		if next+1+len(more(len(lines)-k-1)) > max {
			break
		}
		used = next
	}
	if k > 0 {
		return strings.Join(lines[:k], "\n") + "\n" + more(len(lines)-k)
	}
	if summary := more(len(lines) - 1); max-len(summary)-1 > len(ellipsis) {
		return Clip(lines[0], max-len(summary)-1) + "\n" + summary
	}
	return Clip(more(len(lines)), max)
}

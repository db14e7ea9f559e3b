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

// List joins lines with newlines into at most limit bytes. The lines are the
// first of total items (total < len(lines) counts as len(lines)): as many
// as fit are kept, and when any item is left out, by the caller or for
// size, a last line more(k) says how many ("…and 14 more alerts, see the
// thread"). When not even the first line fits beside that summary, it is
// clipped. A nil more summarises with "…".
func List(lines []string, total, limit int, more func(k int) string) string {
	if more == nil {
		more = func(int) string { return ellipsis }
	}
	total = max(total, len(lines))
	if total == len(lines) {
		size := len(lines) - 1
		for _, l := range lines {
			size += len(l)
		}
		if size <= limit {
			return strings.Join(lines, "\n")
		}
	}
	// Some items are left out: keep the largest k whose lines fit beside
	// the summary of the rest.
	used, k := 0, 0
	for ; k < len(lines); k++ {
		next := used + len(lines[k])
		if k > 0 {
			next++
		}
		if next+1+len(more(total-k-1)) > limit {
			break
		}
		used = next
	}
	if k > 0 {
		return strings.Join(lines[:k], "\n") + "\n" + more(total-k)
	}
	if summary := more(total - 1); len(lines) > 0 && limit-len(summary)-1 > len(ellipsis) {
		return Clip(lines[0], limit-len(summary)-1) + "\n" + summary
	}
	return Clip(more(total), limit)
}

// Package slacktext is the one home of the bot's Slack text rules: escaping
// outside text for mrkdwn, cutting text to a budget without breaking markup,
// links, the Block Kit model both the bot and its slash commands render, and
// Slack's size limits. Every rule that keeps alert text from pinging
// @channel or from making Slack refuse a message lives here, once.
package slacktext

import (
	"regexp"
	"strings"
)

// Escape makes outside text (alert titles, labels, summaries, handbook
// text, command arguments) safe in Slack mrkdwn: invalid UTF-8 becomes
// U+FFFD; C0 and C1 control characters (but tab and newline), DEL and the
// bidi embedding, override and isolate characters are dropped, so text can
// neither hide in nor reorder a message; &, < and > become entities, so
// text cannot form <!channel>, <@U123>, <#C123> or <http://x|links>; and
// the bare words @channel, @here and @everyone get a word joiner, so that
// clients do not expand them either.
func Escape(s string) string {
	s = escaper.Replace(Clean(s))
	if strings.IndexByte(s, '@') < 0 {
		return s // most text; the regexp costs more than the rest together
	}
	return mentionRE.ReplaceAllString(s, "@\u2060$1")
}

var (
	escaper   = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	mentionRE = regexp.MustCompile(`(?i)@(channel|here|everyone)`)
)

// Clean returns s as valid UTF-8 without the characters Escape drops:
// controls other than tab and newline, DEL, and bidi controls. It is for
// text that reaches Slack unescaped (plain_text labels, URLs).
func Clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexFunc(s, dropped) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if dropped(r) {
			return -1
		}
		return r
	}, s)
}

// dropped reports whether Clean drops r: C0 controls but tab and newline,
// DEL, C1 controls, and the bidi embeddings and overrides (U+202A–U+202E)
// and isolates (U+2066–U+2069), which can make text read backwards.
func dropped(r rune) bool {
	switch {
	case r == '\t' || r == '\n':
		return false
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// Esc trims outside text, escapes it and shortens the escaped text to at
// most n runes: the budget holds after escaping, which can make text up to
// five times longer.
func Esc(s string, n int) string { return Shorten(Escape(strings.TrimSpace(Clean(s))), n) }

// Code makes outside text safe inside `inline code` (no backquote can end
// it early), at most n runes.
func Code(s string, n int) string { return strings.ReplaceAll(Esc(s, n), "`", "'") }

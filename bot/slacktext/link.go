package slacktext

import (
	"net/url"
	"strings"
)

// Link renders <url|text> when u is an absolute http(s) URL without user
// info, else the escaped text alone: a link Slack cannot open is worse than
// none, and user info could carry "@channel". The label is at most 200
// runes.
func Link(u, text string) string {
	pu, err := url.Parse(Clean(u))
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || pu.User != nil {
		return Esc(text, 200)
	}
	return "<" + urlEscaper.Replace(pu.String()) + "|" + strings.ReplaceAll(Esc(text, 200), "|", "¦") + ">"
}

// urlEscaper keeps a URL inside <…|…>: "|" and ">" would end it early, "<"
// and "&" would read as markup or an entity, a space would end the URL for
// some clients, and "@" is encoded so that no part of a URL reads as
// @channel.
var urlEscaper = strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C", " ", "%20", "@", "%40")

package slash

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/compasshq/compass/build/search"
)

// Command is one invocation of the slash command, as Slack sends it (form
// fields over HTTP, the same fields as JSON over Socket Mode).
type Command struct {
	Command     string // "/compass"
	Text        string // everything after the command, as Slack escaped it
	UserID      string
	UserName    string
	TeamID      string
	ChannelID   string
	ChannelName string
	ResponseURL string // where follow-ups go for 30 minutes
	TriggerID   string
}

// CommandFromForm reads a Command from Slack's form fields.
func CommandFromForm(f url.Values) (Command, error) {
	c := Command{
		Command: f.Get("command"), Text: f.Get("text"),
		UserID: f.Get("user_id"), UserName: f.Get("user_name"), TeamID: f.Get("team_id"),
		ChannelID: f.Get("channel_id"), ChannelName: f.Get("channel_name"),
		ResponseURL: f.Get("response_url"), TriggerID: f.Get("trigger_id"),
	}
	if c.Command == "" {
		return c, errors.New("slash command: form has no command field")
	}
	return c, nil
}

// Sub names a subcommand.
type Sub string

// Subcommands.
const (
	SubHelp      Sub = "help"
	SubSearch    Sub = "search"
	SubOncall    Sub = "oncall"
	SubIncidents Sub = "incidents"
	SubCapacity  Sub = "capacity"
	SubTeam      Sub = "team"
	SubMeeting   Sub = "meeting"
)

// Request is the parsed text of a command.
type Request struct {
	Sub  Sub
	Args string // the rest of the text, unescaped and with Slack's <…|label> markup reduced to its label
	// Unknown is set when the first word looked like a mistyped subcommand
	// (help is answered, with Suggest as the likely intent), or was
	// something only help can answer.
	Unknown string
	Suggest Sub
}

// aliases maps every accepted first word to its subcommand.
// Plain English words ("who", "open") are deliberately not aliases: they
// start real searches.
var aliases = map[string]Sub{
	"help": SubHelp, "?": SubHelp, "-h": SubHelp, "--help": SubHelp,
	"search": SubSearch,
	"oncall": SubOncall, "on-call": SubOncall, "on_call": SubOncall,
	"incidents": SubIncidents, "incident": SubIncidents,
	"capacity": SubCapacity,
	"team":     SubTeam, "teams": SubTeam,
	"meeting": SubMeeting, "meetings": SubMeeting,
	"review": SubReview,
}

// MaxText bounds the command text we look at; Slack's own limit is lower.
const MaxText = 2000

// Parse reads a command's text. Bare words are a search; an empty text is
// help; a first word one typo away from a subcommand gets help with a
// suggestion rather than a search for the typo.
func Parse(text string) Request {
	text = Unslack(text)
	if len(text) > MaxText {
		text = text[:MaxText]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return Request{Sub: SubHelp}
	}
	first, rest, _ := strings.Cut(text, " ")
	if i := strings.IndexAny(first, "\t\n\r"); i >= 0 {
		first, rest = text[:i], text[i+1:]
	}
	rest = strings.TrimSpace(rest)
	word := strings.ToLower(first)
	if sub, ok := aliases[word]; ok {
		if sub == SubSearch && rest == "" {
			return Request{Sub: SubHelp, Unknown: first, Suggest: SubSearch}
		}
		return Request{Sub: sub, Args: rest}
	}
	// A first word one edit from a subcommand is taken for a typo: "oncal",
	// "meting retro" (the exact names matched the aliases above). A four-letter word counts only alone, so that
	// "team"-like words starting a search stay searches; help is never
	// suggested, since "helm upgrade" is a real search.
	if utf8.RuneCountInString(word) >= 5 || (utf8.RuneCountInString(word) == 4 && rest == "") {
		for _, s := range []Sub{SubOncall, SubIncidents, SubCapacity, SubMeeting, SubSearch, SubTeam, SubReview} {
			if search.WithinOneEdit([]rune(word), []rune(string(s))) {
				return Request{Sub: SubHelp, Unknown: first, Suggest: s}
			}
		}
	}
	return Request{Sub: SubSearch, Args: text}
}

// slackMarkup is Slack's escaped markup in command text: <@U123|name>,
// <#C123|channel>, <!subteam^S123|@team>, <https://x|label>, <mailto:…>.
var slackMarkup = regexp.MustCompile(`<([^<>|]*)(?:\|([^<>]*))?>`)

// Unslack turns Slack's escaped command text back into what the user typed:
// markup becomes its label (or its target when it has none, minus the sigil)
// and &amp; &lt; &gt; become characters again. Output escaping happens when
// an answer is rendered, never here.
func Unslack(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = slackMarkup.ReplaceAllStringFunc(s, func(m string) string {
		sub := slackMarkup.FindStringSubmatch(m)
		target, label := sub[1], sub[2]
		if label != "" {
			return strings.TrimPrefix(label, "@")
		}
		switch {
		case strings.HasPrefix(target, "#"), strings.HasPrefix(target, "@"), strings.HasPrefix(target, "!"):
			return target[1:]
		}
		return target
	})
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

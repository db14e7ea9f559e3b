package slash

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/compasshq/compass/bot"
)

// Response is a slash-command answer in Slack's response format: the JSON
// body of the HTTP answer, of a response_url POST, or of a Socket Mode ack.
type Response struct {
	ResponseType    string  `json:"response_type,omitempty"` // "ephemeral" (default) or "in_channel"
	Text            string  `json:"text"`                    // plain fallback for notifications
	Blocks          []Block `json:"blocks,omitempty"`
	ReplaceOriginal bool    `json:"replace_original,omitempty"`
	DeleteOriginal  bool    `json:"delete_original,omitempty"`
}

// Response types.
const (
	Ephemeral = "ephemeral"
	InChannel = "in_channel"
)

// Block is a Block Kit layout block: section, context, divider, actions,
// header.
type Block struct {
	Type     string    `json:"type"`
	BlockID  string    `json:"block_id,omitempty"`
	Text     *Text     `json:"text,omitempty"`
	Fields   []Text    `json:"fields,omitempty"`
	Elements []Element `json:"elements,omitempty"`
}

// Element is something inside a context or actions block: a Text or a
// Button.
type Element interface{ element() }

// Text is a Block Kit text object.
type Text struct {
	Type string `json:"type"` // "mrkdwn" or "plain_text"
	Text string `json:"text"`
}

func (Text) element() {}

// Button is an interactive button element.
type Button struct {
	Type     string `json:"type"` // always "button"
	Text     Text   `json:"text"` // plain_text
	ActionID string `json:"action_id"`
	Value    string `json:"value,omitempty"`
	Style    string `json:"style,omitempty"` // "primary", "danger" or ""
}

func (Button) element() {}

// Action IDs of the buttons this package answers. The incident buttons
// are rendered by bot on each parent message.
const (
	ActionShare       = "compass_share"
	ActionAcknowledge = bot.ActionAcknowledge
	ActionResolve     = bot.ActionResolve
)

func mrkdwn(s string) Text { return Text{Type: "mrkdwn", Text: s} }
func plain(s string) Text  { return Text{Type: "plain_text", Text: s} }

func section(s string) Block { t := mrkdwn(s); return Block{Type: "section", Text: &t} }
func ctxBlock(parts ...string) Block {
	b := Block{Type: "context"}
	for _, p := range parts {
		b.Elements = append(b.Elements, mrkdwn(p))
	}
	return b
}
func divider() Block { return Block{Type: "divider"} }

func button(text, actionID, value, style string) Button {
	return Button{Type: "button", Text: plain(text), ActionID: actionID, Value: value, Style: style}
}

// Slack limits: a section's text holds 3000 characters, a button value 2000.
const (
	maxSectionText = 3000
	maxButtonValue = 2000
)

var (
	escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	// Bare @channel, @here and @everyone are expanded by some clients even
	// without <!…>; a word joiner after the @ keeps them plain words.
	mentionRE = regexp.MustCompile(`(?i)@(channel|here|everyone)`)
)

// Escape makes user or handbook text safe inside mrkdwn: it cannot form
// <!channel>, <@U…>, <#C…> or <url|links>, nor a bare @channel.
func Escape(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return mentionRE.ReplaceAllString(escaper.Replace(s), "@\u2060$1")
}

// esc trims, truncates to n runes and escapes.
func esc(s string, n int) string { return Escape(truncate(strings.TrimSpace(s), n)) }

// truncate cuts s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// link renders <url|text> when u is an absolute http(s) URL, else the
// escaped text alone: a link Slack cannot open is worse than none.
func link(u, text string) string {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return esc(text, 200)
	}
	safe := strings.NewReplacer("|", "%7C", " ", "%20", "<", "%3C", ">", "%3E").Replace(pu.String())
	safe = strings.ReplaceAll(safe, "&", "&amp;")
	label := strings.ReplaceAll(esc(text, 200), "|", "¦")
	return "<" + safe + "|" + label + ">"
}

// clip keeps a section's text within Slack's limit, cutting at a line.
func clip(s string) string {
	if len(s) <= maxSectionText {
		return s
	}
	cut := s[:maxSectionText-4]
	if i := strings.LastIndexByte(cut, '\n'); i > 0 {
		cut = cut[:i]
	}
	for !utf8.ValidString(cut) {
		cut = cut[:len(cut)-1]
	}
	return cut + "\n…"
}

// UnmarshalJSON decodes a block, turning each element into a Button or a
// Text by its type, so that answers read back (tests, Socket Mode acks)
// round-trip.
func (b *Block) UnmarshalJSON(data []byte) error {
	var raw struct {
		Type     string            `json:"type"`
		BlockID  string            `json:"block_id"`
		Text     *Text             `json:"text"`
		Fields   []Text            `json:"fields"`
		Elements []json.RawMessage `json:"elements"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*b = Block{Type: raw.Type, BlockID: raw.BlockID, Text: raw.Text, Fields: raw.Fields}
	for _, e := range raw.Elements {
		var probe struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(e, &probe); err != nil {
			return err
		}
		if probe.Type == "button" {
			var btn Button
			if err := json.Unmarshal(e, &btn); err != nil {
				return err
			}
			b.Elements = append(b.Elements, btn)
			continue
		}
		var t Text
		if err := json.Unmarshal(e, &t); err != nil {
			return fmt.Errorf("block element of type %q: %w", probe.Type, err)
		}
		b.Elements = append(b.Elements, t)
	}
	return nil
}

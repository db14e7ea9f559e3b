package bot

import "encoding/json"

// Message is a Slack message as the bot renders it: Block Kit blocks with a
// plain-text fallback, and an optional coloured attachment for the severity
// bar. It is independent of slack-go; bot/slack translates it.
type Message struct {
	Text       string      `json:"text"` // fallback for notifications and old clients
	Blocks     []Block     `json:"blocks,omitempty"`
	Attachment *Attachment `json:"attachment,omitempty"`
	ThreadTS   string      `json:"thread_ts,omitempty"`
	Broadcast  bool        `json:"reply_broadcast,omitempty"` // also show a thread reply in the channel
	Marker     Marker      `json:"marker"`                    // message metadata, to find the message again
}

// Attachment is a secondary part of a message with a colour bar.
type Attachment struct {
	Color  string  `json:"color"` // "#d92d20"
	Blocks []Block `json:"blocks"`
}

// Block is a Block Kit layout block (section, context, divider, actions).
type Block struct {
	Type     string `json:"type"`
	Text     *Text  `json:"text,omitempty"`
	Fields   []Text `json:"fields,omitempty"`
	Elements []Text `json:"elements,omitempty"`
	// Buttons are the elements of an "actions" block; they are marshalled
	// as its "elements" (Block Kit button objects).
	Buttons []Button `json:"-"`
}

// Button is a Block Kit button. bot/slash answers the clicks by ActionID;
// Value carries the incident key.
type Button struct {
	Text     string // plain-text label
	ActionID string
	Value    string
	Style    string // "primary", "danger" or ""
}

// MarshalJSON writes Buttons as the block's elements.
func (b Block) MarshalJSON() ([]byte, error) {
	type plain Block // no methods: no recursion
	if len(b.Buttons) == 0 {
		return json.Marshal(plain(b))
	}
	type buttonJSON struct {
		Type     string `json:"type"`
		Text     Text   `json:"text"`
		ActionID string `json:"action_id"`
		Value    string `json:"value,omitempty"`
		Style    string `json:"style,omitempty"`
	}
	els := make([]buttonJSON, len(b.Buttons))
	for i, bt := range b.Buttons {
		els[i] = buttonJSON{Type: "button", Text: Text{Type: "plain_text", Text: bt.Text}, ActionID: bt.ActionID, Value: bt.Value, Style: bt.Style}
	}
	return json.Marshal(struct {
		Type     string       `json:"type"`
		BlockID  string       `json:"block_id,omitempty"`
		Elements []buttonJSON `json:"elements"`
	}{Type: b.Type, BlockID: "compass_incident", Elements: els})
}

// Text is a Block Kit text object; the bot only uses "mrkdwn" and escapes
// every piece of alert text it puts there.
type Text struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

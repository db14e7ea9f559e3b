package bot

import "github.com/compasshq/compass/bot/slacktext"

// Message is a Slack message as the bot renders it: Block Kit blocks with a
// plain-text fallback, and an optional coloured attachment for the severity
// bar. It is independent of slack-go; bot/slack translates it.
type Message struct {
	Text       string            `json:"text"` // fallback for notifications and old clients
	Blocks     []slacktext.Block `json:"blocks,omitempty"`
	Attachment *Attachment       `json:"attachment,omitempty"`
	ThreadTS   string            `json:"thread_ts,omitempty"`
	Broadcast  bool              `json:"reply_broadcast,omitempty"` // also show a thread reply in the channel
	Marker     Marker            `json:"marker"`                    // message metadata, to find the message again
}

// Attachment is a secondary part of a message with a colour bar.
type Attachment struct {
	Color  string            `json:"color"` // "#d92d20"
	Blocks []slacktext.Block `json:"blocks"`
}

package bot

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

// Block is a Block Kit layout block (section, context, divider).
type Block struct {
	Type     string `json:"type"`
	Text     *Text  `json:"text,omitempty"`
	Fields   []Text `json:"fields,omitempty"`
	Elements []Text `json:"elements,omitempty"`
}

// Text is a Block Kit text object; the bot only uses "mrkdwn" and escapes
// every piece of alert text it puts there.
type Text struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

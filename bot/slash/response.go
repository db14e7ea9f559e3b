package slash

import (
	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/slacktext"
)

// Response is a slash-command answer in Slack's response format: the JSON
// body of the HTTP answer, of a response_url POST, or of a Socket Mode ack.
type Response struct {
	ResponseType    string            `json:"response_type,omitempty"` // "ephemeral" (default) or "in_channel"
	Text            string            `json:"text"`                    // plain fallback for notifications
	Blocks          []slacktext.Block `json:"blocks,omitempty"`
	ReplaceOriginal bool              `json:"replace_original,omitempty"`
	DeleteOriginal  bool              `json:"delete_original,omitempty"`
}

// Response types.
const (
	Ephemeral = "ephemeral"
	InChannel = "in_channel"
)

// Action IDs of the buttons this package answers. The incident buttons
// are rendered by bot on each parent message.
const (
	ActionShare       = "compass_share"
	ActionAcknowledge = bot.ActionAcknowledge
	ActionResolve     = bot.ActionResolve
)

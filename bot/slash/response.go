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

// fit keeps an answer within Slack's limits on a whole message, reserving
// room for reserve more blocks (the share button, or "Shared by" on the
// shared copy): the text within MaxMessageText, and the blocks that do
// not fit replaced by a last one saying so. Each block keeps its own limits
// as slacktext builds it.
func (r Response) fit(reserve int) Response {
	r.Text = slacktext.Clip(r.Text, slacktext.MaxMessageText)
	if room := slacktext.MaxBlocks - reserve; len(r.Blocks) > room {
		r.Blocks = append(r.Blocks[:room-1:room-1], slacktext.Context("…the rest does not fit in one Slack message: ask about one team or cluster to see it."))
	}
	return r
}

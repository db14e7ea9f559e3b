package bot

// ThreadMessage is one message of a Slack thread, as read back from Slack
// (conversations.replies): a review draft quotes what people wrote.
type ThreadMessage struct {
	User string // Slack user id of a person; "" for the bot's and other apps' messages
	Text string
	TS   string
}

package slacktext

// Slack's documented limits on a message (chat.postMessage, chat.update, a
// slash command's response), counted by the bot in bytes (see Clip). A
// message over one of them is refused with invalid_blocks or msg_too_long,
// so every renderer budgets for them after escaping.
const (
	MaxMessageText     = 40000 // the top-level text (notification fallback)
	MaxBlocks          = 50    // blocks in a message, and in an attachment
	MaxSectionText     = 3000  // a section's text, and any mrkdwn text object
	MaxFields          = 10    // fields in a section
	MaxFieldText       = 2000  // each field's text
	MaxHeaderText      = 150   // a header block's plain text
	MaxContextElements = 10    // elements in a context block
	MaxButtonText      = 75    // a button's label
	MaxButtonValue     = 2000  // a button's value
	MaxActionElements  = 25    // elements in an actions block
)

package bot

import (
	"fmt"
	"strconv"

	"github.com/compasshq/compass/bot/slacktext"
)

// minimalParent is the parent message the outbox falls back to when Slack
// refuses the full one's content (invalid_blocks, msg_too_long): title,
// state and a link to the source, nothing that can grow, so that an
// incident is never invisible and its later replies have a thread.
func minimalParent(inc *Incident) Message {
	word, _ := statusWord(inc)
	t := slacktext.Esc(inc.DisplayTitle(), 150)
	text := fmt.Sprintf("%s *%s* · *%s*", inc.StatusEmoji(), word, t)
	if inc.URL != "" {
		text += " · " + slacktext.Link(inc.URL, "source")
	}
	return Message{
		Text:   fmt.Sprintf("[%s] %s", word, t),
		Blocks: []slacktext.Block{slacktext.Section(text)},
		Marker: Marker{Type: MarkerParent, ID: inc.Key + "#" + strconv.Itoa(inc.Generation)},
	}
}

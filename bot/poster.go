package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Poster sends messages to Slack. bot/slack implements it with slack-go; the
// bot never sees slack-go's types.
type Poster interface {
	// PostMessage posts msg to channel (a name like "#ops" or an ID; in
	// msg.ThreadTS's thread when set) and returns the channel ID and the new
	// message's ts.
	PostMessage(ctx context.Context, channel string, msg Message) (channelID, ts string, err error)
	// UpdateMessage replaces the message at ts with msg; channel is the ID
	// PostMessage returned.
	UpdateMessage(ctx context.Context, channel, ts string, msg Message) error
	// FindMessage looks for a message this bot posted with marker in its
	// metadata, posted at or after oldest: in threadTS's replies when
	// threadTS != "", else in the channel's history. It returns the channel
	// ID and the message's ts, or ErrNotFound when there is none. The outbox
	// uses it to avoid posting twice after an attempt whose outcome is
	// unknown.
	FindMessage(ctx context.Context, channel, threadTS string, marker Marker, oldest time.Time) (channelID, ts string, err error)
}

// Marker tags a posted message (Slack message metadata) so that it can be
// found again: Type is the metadata event type, ID the op's identity.
type Marker struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// PostError is a failed Slack call, classified for the outbox.
type PostError struct {
	Code       string        // Slack's error code ("channel_not_found", "ratelimited") or HTTP status
	RetryAfter time.Duration // > 0: Slack asked us to wait this long (429)
	Temporary  bool          // worth retrying: 429, 5xx, network errors, timeouts
	Err        error
}

func (e *PostError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("slack %s: %v", e.Code, e.Err)
	}
	return "slack " + e.Code
}

func (e *PostError) Unwrap() error { return e.Err }

// classify turns any error from a Poster into a PostError. Errors a Poster did
// not classify are treated as temporary: a bug in classification should cost
// retries, not lost messages.
func classify(err error) *PostError {
	var pe *PostError
	if errors.As(err, &pe) {
		return pe
	}
	return &PostError{Code: "unknown", Temporary: true, Err: err}
}

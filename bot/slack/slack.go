// Package slack is the bot's Poster on the Slack Web API, through slack-go.
// It is the only package that imports slack-go: it translates bot.Message to
// Block Kit options and slack-go's errors to the outbox's retry classes.
package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/slacktext"
	"github.com/slack-go/slack"
)

// DefaultAPIURL is Slack's Web API base URL.
const DefaultAPIURL = "https://slack.com/api/"

// Options configure a Poster.
type Options struct {
	Token      string       // bot token, xoxb-…
	APIURL     string       // default DefaultAPIURL; tests point it at slacktest
	HTTPClient *http.Client // default: a client with a 30s timeout
}

// Poster posts and updates messages with slack-go.
type Poster struct {
	api *slack.Client

	mu  sync.Mutex
	ids map[string]string // channel name → ID, learned from posts and conversations.list
}

var _ bot.Poster = (*Poster)(nil)

// apiDefaults fills in the Web API base URL (ending in "/") and HTTP client
// when they are unset, for the Poster and Socket Mode alike.
func apiDefaults(apiURL string, c *http.Client) (string, *http.Client) {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/"
	}
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	return apiURL, c
}

// New returns a Poster.
func New(opt Options) *Poster {
	opt.APIURL, opt.HTTPClient = apiDefaults(opt.APIURL, opt.HTTPClient)
	return &Poster{
		api: slack.New(opt.Token, slack.OptionAPIURL(opt.APIURL), slack.OptionHTTPClient(opt.HTTPClient)),
		ids: map[string]string{},
	}
}

// AuthTest checks the token and returns the bot's team and user names.
func (p *Poster) AuthTest(ctx context.Context) (team, user string, err error) {
	r, err := p.api.AuthTestContext(ctx)
	if err != nil {
		return "", "", classify("auth.test", err)
	}
	return r.Team, r.User, nil
}

func blocks(bs []slacktext.Block) (slack.Blocks, error) {
	var out slack.Blocks
	if len(bs) == 0 {
		return out, nil
	}
	data, err := json.Marshal(bs)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return out, fmt.Errorf("convert blocks: %w", err)
	}
	return out, nil
}

func options(msg bot.Message) ([]slack.MsgOption, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false)}
	bs, err := blocks(msg.Blocks)
	if err != nil {
		return nil, err
	}
	if len(bs.BlockSet) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(bs.BlockSet...))
	}
	if msg.Attachment != nil {
		abs, err := blocks(msg.Attachment.Blocks)
		if err != nil {
			return nil, err
		}
		opts = append(opts, slack.MsgOptionAttachments(slack.Attachment{Color: msg.Attachment.Color, Blocks: abs, Fallback: msg.Text}))
	}
	if msg.Marker.Type != "" {
		opts = append(opts, slack.MsgOptionMetadata(slack.SlackMetadata{
			EventType: msg.Marker.Type, EventPayload: map[string]any{"id": msg.Marker.ID},
		}))
	}
	return opts, nil
}

// PostMessage posts msg with chat.postMessage.
func (p *Poster) PostMessage(ctx context.Context, channel string, msg bot.Message) (string, string, error) {
	opts, err := options(msg)
	if err != nil {
		return "", "", &bot.PostError{Code: "bad_message", Err: err}
	}
	if msg.ThreadTS != "" {
		opts = append(opts, slack.MsgOptionTS(msg.ThreadTS))
		if msg.Broadcast {
			opts = append(opts, slack.MsgOptionBroadcast())
		}
	}
	id, ts, err := p.api.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return "", "", classify("chat.postMessage", err)
	}
	if name := strings.TrimPrefix(channel, "#"); name != id {
		p.mu.Lock()
		p.ids[name] = id
		p.mu.Unlock()
	}
	return id, ts, nil
}

// UpdateMessage replaces a message with chat.update.
func (p *Poster) UpdateMessage(ctx context.Context, channel, ts string, msg bot.Message) error {
	opts, err := options(msg)
	if err != nil {
		return &bot.PostError{Code: "bad_message", Err: err}
	}
	if _, _, _, err := p.api.UpdateMessageContext(ctx, channel, ts, opts...); err != nil {
		return classify("chat.update", err)
	}
	return nil
}

// FindMessage looks through recent history (or a thread's replies) for a
// message whose metadata carries marker. It needs the channels:history (or
// groups:history) scope and membership in the channel.
func (p *Poster) FindMessage(ctx context.Context, channel, threadTS string, marker bot.Marker, oldest time.Time) (string, string, error) {
	id, err := p.channelID(ctx, channel)
	if err != nil {
		return "", "", err
	}
	oldestTS := strconv.FormatInt(oldest.Unix(), 10) + ".000000"
	match := func(msgs []slack.Message) string {
		for _, m := range msgs {
			if m.Metadata.EventType == marker.Type && fmt.Sprint(m.Metadata.EventPayload["id"]) == marker.ID {
				return m.Timestamp
			}
		}
		return ""
	}
	cursor := ""
	for range 20 { // at most 20 pages: the message was posted minutes ago
		var msgs []slack.Message
		var next string
		if threadTS != "" {
			ms, _, nc, err := p.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
				ChannelID: id, Timestamp: threadTS, Cursor: cursor, Oldest: oldestTS, Limit: 200, IncludeAllMetadata: true,
			})
			if err != nil {
				return "", "", classify("conversations.replies", err)
			}
			msgs, next = ms, nc
		} else {
			r, err := p.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
				ChannelID: id, Cursor: cursor, Oldest: oldestTS, Limit: 200, IncludeAllMetadata: true,
			})
			if err != nil {
				return "", "", classify("conversations.history", err)
			}
			msgs, next = r.Messages, r.ResponseMetaData.NextCursor
		}
		if ts := match(msgs); ts != "" {
			return id, ts, nil
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return "", "", bot.ErrNotFound
}

// Replies reads a thread's messages, oldest first, at most 1000 (five
// pages): a review draft quotes what people wrote. Messages of bots and
// apps (the bot's own replies) have no User. It needs the history scope
// FindMessage needs.
func (p *Poster) Replies(ctx context.Context, channelID, ts string) ([]bot.ThreadMessage, error) {
	var out []bot.ThreadMessage
	cursor := ""
	for range 5 {
		msgs, _, next, err := p.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: channelID, Timestamp: ts, Cursor: cursor, Limit: 200,
		})
		if err != nil {
			return nil, classify("conversations.replies", err)
		}
		for _, m := range msgs {
			tm := bot.ThreadMessage{Text: m.Text, TS: m.Timestamp}
			if m.BotID == "" && m.SubType == "" {
				tm.User = m.User
			}
			out = append(out, tm)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	// Oldest first, whatever order the pages came in.
	slices.SortStableFunc(out, func(a, b bot.ThreadMessage) int { return compareTS(a.TS, b.TS) })
	return out, nil
}

// compareTS orders Slack timestamps ("1792030327.000100") by time.
func compareTS(a, b string) int {
	as, af, _ := strings.Cut(a, ".")
	bs, bf, _ := strings.Cut(b, ".")
	if len(as) != len(bs) {
		return len(as) - len(bs)
	}
	return strings.Compare(as+"."+af, bs+"."+bf)
}

// channelID resolves "#name" or "name" to an ID through conversations.list
// (scope channels:read), caching the answer; IDs pass through.
func (p *Poster) channelID(ctx context.Context, channel string) (string, error) {
	name := strings.TrimPrefix(channel, "#")
	if looksLikeID(name) && !strings.HasPrefix(channel, "#") {
		return name, nil
	}
	p.mu.Lock()
	id, ok := p.ids[name]
	p.mu.Unlock()
	if ok {
		return id, nil
	}
	cursor := ""
	for {
		chans, next, err := p.api.GetConversationsContext(ctx, &slack.GetConversationsParameters{
			Cursor: cursor, ExcludeArchived: true, Limit: 1000, Types: []string{"public_channel", "private_channel"},
		})
		if err != nil {
			return "", classify("conversations.list", err)
		}
		p.mu.Lock()
		for _, c := range chans {
			p.ids[c.Name] = c.ID
		}
		id, ok = p.ids[name]
		p.mu.Unlock()
		if ok {
			return id, nil
		}
		if next == "" {
			return "", &bot.PostError{Code: "channel_not_found", Err: fmt.Errorf("no channel named %q", name)}
		}
		cursor = next
	}
}

func looksLikeID(s string) bool {
	if len(s) < 9 || (s[0] != 'C' && s[0] != 'G' && s[0] != 'D') {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// temporaryCodes are Slack error codes worth retrying.
var temporaryCodes = map[string]bool{
	"internal_error": true, "fatal_error": true, "service_unavailable": true,
	"request_timeout": true, "ratelimited": true, "team_added_to_org": true,
}

// classify maps slack-go's errors to bot.PostError: 429 carries RetryAfter,
// 5xx, network errors, timeouts and Slack's internal errors are temporary,
// everything else (channel_not_found, invalid_auth, not_in_channel, …) is
// permanent.
func classify(method string, err error) error {
	var rl *slack.RateLimitedError
	var sc slack.StatusCodeError
	var se slack.SlackErrorResponse
	var ne net.Error
	switch {
	case errors.As(err, &rl):
		ra := rl.RetryAfter
		if ra <= 0 {
			ra = time.Second
		}
		return &bot.PostError{Code: "ratelimited", RetryAfter: ra, Temporary: true, Err: fmt.Errorf("%s: %w", method, err)}
	case errors.As(err, &sc):
		temp := sc.Code >= 500 || sc.Code == http.StatusRequestTimeout
		return &bot.PostError{Code: strconv.Itoa(sc.Code), Temporary: temp, Err: fmt.Errorf("%s: %w", method, err)}
	case errors.As(err, &se):
		return &bot.PostError{Code: se.Err, Temporary: temporaryCodes[se.Err], Err: fmt.Errorf("%s: %w", method, err)}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne):
		return &bot.PostError{Code: "network", Temporary: true, Err: fmt.Errorf("%s: %w", method, err)}
	}
	return &bot.PostError{Code: "unknown", Temporary: true, Err: fmt.Errorf("%s: %w", method, err)}
}

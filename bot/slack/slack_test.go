package slack_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/slack"
	"github.com/compasshq/compass/bot/slacktest"
	"github.com/compasshq/compass/bot/slacktext"
)

func msg() bot.Message {
	return bot.Message{
		Text:       "[FIRING] disk",
		Blocks:     []slacktext.Block{slacktext.Section("*FIRING* disk")},
		Attachment: &bot.Attachment{Color: "#d92d20", Blocks: []slacktext.Block{slacktext.Context("cluster: x")}},
		Marker:     bot.Marker{Type: bot.MarkerParent, ID: "k#1"},
	}
}

// TestErrorClasses pins how each failure of the Web API reaches the outbox.
func TestErrorClasses(t *testing.T) {
	tests := []struct {
		name       string
		fail       slacktest.Failure
		code       string
		temporary  bool
		retryAfter time.Duration
	}{
		{"429 with Retry-After", slacktest.Failure{Status: http.StatusTooManyRequests, RetryAfter: 7}, "ratelimited", true, 7 * time.Second},
		{"500", slacktest.ServerError, "500", true, 0},
		{"503", slacktest.Failure{Status: 503}, "503", true, 0},
		{"channel_not_found", slacktest.ChannelNotFound, "channel_not_found", false, 0},
		{"invalid_auth", slacktest.InvalidAuth, "invalid_auth", false, 0},
		{"internal_error", slacktest.Failure{Code: "internal_error"}, "internal_error", true, 0},
		{"hang until the client gives up", slacktest.Hang, "network", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := slacktest.New(t)
			p := slack.New(slack.Options{Token: "xoxb-1", APIURL: fake.URL(), HTTPClient: &http.Client{Timeout: 300 * time.Millisecond}})
			fake.FailNext(1, tt.fail)
			_, _, err := p.PostMessage(context.Background(), "#ops", msg())
			var pe *bot.PostError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want *bot.PostError", err, err)
			}
			if pe.Code != tt.code || pe.Temporary != tt.temporary || pe.RetryAfter != tt.retryAfter {
				t.Errorf("PostError{Code %q, Temporary %v, RetryAfter %v}, want {%q, %v, %v}", pe.Code, pe.Temporary, pe.RetryAfter, tt.code, tt.temporary, tt.retryAfter)
			}
		})
	}
}

func TestPostUpdateFind(t *testing.T) {
	fake := slacktest.New(t)
	p := slack.New(slack.Options{Token: "xoxb-1", APIURL: fake.URL()})
	ctx := context.Background()
	before := time.Now().Add(-time.Minute)
	ch, ts, err := p.PostMessage(ctx, "#ops", msg())
	if err != nil {
		t.Fatal(err)
	}
	if ch != fake.ChannelID("#ops") || ts == "" {
		t.Fatalf("PostMessage = %q, %q", ch, ts)
	}
	reply := bot.Message{Text: "resolved", ThreadTS: ts, Broadcast: true, Marker: bot.Marker{Type: bot.MarkerReply, ID: "k#1#7"}}
	_, rts, err := p.PostMessage(ctx, ch, reply)
	if err != nil {
		t.Fatal(err)
	}
	up := msg()
	up.Text = "[RESOLVED] disk"
	if err := p.UpdateMessage(ctx, ch, ts, up); err != nil {
		t.Fatal(err)
	}
	ms := fake.Messages()
	if len(ms) != 2 || ms[0].Text != "[RESOLVED] disk" || ms[0].Updates != 1 || !ms[1].Broadcast || ms[1].ThreadTS != ts {
		t.Errorf("fake messages = %+v", ms)
	}
	if len(ms[0].Attachments) == 0 || ms[0].Metadata == nil || ms[0].Metadata.EventType != bot.MarkerParent {
		t.Errorf("parent lost its attachment or metadata: %+v", ms[0])
	}

	// FindMessage by channel name (resolved through conversations.list).
	gotCh, got, err := p.FindMessage(ctx, "#ops", "", bot.Marker{Type: bot.MarkerParent, ID: "k#1"}, before)
	if err != nil || got != ts || gotCh != ch {
		t.Errorf("FindMessage(parent) = %q, %q, %v; want %q, %q", gotCh, got, err, ch, ts)
	}
	_, got, err = p.FindMessage(ctx, ch, ts, bot.Marker{Type: bot.MarkerReply, ID: "k#1#7"}, before)
	if err != nil || got != rts {
		t.Errorf("FindMessage(reply) = %q, %v; want %q", got, err, rts)
	}
	if _, _, err := p.FindMessage(ctx, ch, "", bot.Marker{Type: bot.MarkerParent, ID: "other#1"}, before); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("FindMessage(unknown) err = %v, want ErrNotFound", err)
	}
	if _, _, err := p.FindMessage(ctx, ch, "", bot.Marker{Type: bot.MarkerParent, ID: "k#1"}, time.Now().Add(time.Hour)); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("FindMessage before oldest: err = %v, want ErrNotFound", err)
	}
	if _, _, err := p.FindMessage(ctx, "#nope", "", bot.Marker{Type: bot.MarkerParent, ID: "k#1"}, before); err == nil {
		t.Error("FindMessage in an unknown channel succeeded")
	}
	if team, user, err := p.AuthTest(ctx); err != nil || team == "" || user == "" {
		t.Errorf("AuthTest = %q, %q, %v", team, user, err)
	}
}

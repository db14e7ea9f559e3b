package bot_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/internal/testutil"
)

// TestRenderSilenceGolden: a silenced parent says who silenced it and
// until when, and offers "Expire silence" instead of the silence buttons;
// the replies say who set and expired it.
func TestRenderSilenceGolden(t *testing.T) {
	timed := capacityIncident()
	timed.Silence = bot.Silence{ID: "4f1e0c2a", By: "ana", Until: renderNow.Add(55 * time.Minute)}
	untilResolved := capacityIncident()
	untilResolved.Silence = bot.Silence{ID: "4f1e0c2b", By: "ben <@U1>", Until: renderNow.Add(7 * 24 * time.Hour), UntilResolved: true}
	tests := []struct {
		name string
		msg  bot.Message
	}{
		{"parent_silenced", bot.RenderParent(timed, capacityLinks, renderNow)},
		{"parent_silenced_until_resolved", bot.RenderParent(untilResolved, capacityLinks, renderNow)},
		{"reply_silence", bot.RenderReply(timed, bot.ReplyPayload{Changes: []bot.Change{
			{Kind: bot.ChangeSilenced, Actor: "ana", Note: "for 1h, until 12:20 UTC"},
			{Kind: bot.ChangeUnsilenced, Actor: "ben", Note: "by a click in Slack"},
		}}, capacityLinks, renderNow)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.MarshalIndent(tt.msg, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			testutil.Golden(t, filepath.Join("testdata", tt.name+".json"), append(got, '\n'))
		})
	}
}

// TestSilenceButtons: which silence buttons a parent offers, by source,
// state and silence.
func TestSilenceButtons(t *testing.T) {
	silence := bot.Silence{ID: "s1", By: "ana", Until: renderNow.Add(time.Hour)}
	ran := bot.Silence{ID: "s0", By: "ana", Until: renderNow.Add(-time.Minute)}
	offer := []string{bot.ActionSilence1h, bot.ActionSilence4h, bot.ActionSilenceResolved}
	tests := []struct {
		name    string
		change  func(inc *bot.Incident)
		want    []string
		wantOff []string
	}{
		{"firing alert group", func(*bot.Incident) {}, offer, []string{bot.ActionExpireSilence}},
		{"acknowledged alert group", func(inc *bot.Incident) { inc.Status = bot.StatusAcknowledged }, offer, nil},
		{"silenced", func(inc *bot.Incident) { inc.Silence = silence }, []string{bot.ActionExpireSilence}, offer},
		{"silence ran out", func(inc *bot.Incident) { inc.Silence = ran }, offer, []string{bot.ActionExpireSilence}},
		{"resolved", func(inc *bot.Incident) { inc.Status = bot.StatusResolved }, nil, append(offer, bot.ActionExpireSilence)},
		{"a page", func(inc *bot.Incident) { inc.Source, inc.Key = "pagerduty", "pagerduty/P1" }, nil, append(offer, bot.ActionExpireSilence)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := capacityIncident()
			tt.change(inc)
			body, err := json.Marshal(bot.RenderParent(inc, nil, renderNow))
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range tt.want {
				if !strings.Contains(string(body), `"action_id":"`+id+`"`) {
					t.Errorf("no %s button", id)
				}
			}
			for _, id := range tt.wantOff {
				if strings.Contains(string(body), `"action_id":"`+id+`"`) {
					t.Errorf("unexpected %s button", id)
				}
			}
			if line := strings.Contains(string(body), "Silenced by"); line != inc.Silence.Active(renderNow) {
				t.Errorf("silence line shown = %v, want %v", line, !line)
			}
		})
	}
}

func TestClockTime(t *testing.T) {
	now := time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC)
	tests := []struct {
		t    time.Time
		want string
	}{
		{now.Add(time.Hour), "23:00 UTC"},
		{now.Add(4 * time.Hour), "Tue 8 Dec 02:00 UTC"},
		{now.Add(time.Hour).In(time.FixedZone("CET", 3600)), "23:00 UTC"},
	}
	for _, tt := range tests {
		if got := bot.ClockTime(tt.t, now); got != tt.want {
			t.Errorf("ClockTime(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}

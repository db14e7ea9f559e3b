package bot

import (
	"errors"
	"fmt"
	"sort"
	"sync"
)

// problemActions are the Slack refusals no retry can fix, each with what
// the operator has to do. They are logged once, with the action, and
// reported by SlackProblem until a call to the channel (or, for the token,
// any call) succeeds.
var problemActions = map[string]string{
	"channel_not_found": "check the channel name in bot.channel, bot.routes or the team's channel in the handbook",
	"not_in_channel":    "invite the bot to the channel (/invite @the-bot in it)",
	"is_archived":       "unarchive the channel or route incidents elsewhere",
	"invalid_auth":      "check SLACK_BOT_TOKEN: Slack does not accept it",
	"not_authed":        "set SLACK_BOT_TOKEN",
	"token_revoked":     "install the app again and set the new SLACK_BOT_TOKEN",
	"account_inactive":  "install the app again and set the new SLACK_BOT_TOKEN",
	"missing_scope":     "add the scope Slack names to the app and install it again",
}

// tokenCodes are problems of the token, not of one channel.
var tokenCodes = map[string]bool{"invalid_auth": true, "not_authed": true, "token_revoked": true, "account_inactive": true}

// slackHealth is what the bot knows of Slack's answers.
type slackHealth struct {
	mu       sync.Mutex
	problems map[string]problem // by channel (or "" for the token) and code
}

type problem struct {
	channel, code string
}

// refused notes a permanent refusal; the first of a kind is logged at
// error level with the action that fixes it.
func (b *Bot) refused(channel string, pe *PostError) {
	action, ok := problemActions[pe.Code]
	if !ok {
		return
	}
	if tokenCodes[pe.Code] {
		channel = ""
	}
	key := channel + "\x00" + pe.Code
	b.health.mu.Lock()
	_, seen := b.health.problems[key]
	if !seen {
		if b.health.problems == nil {
			b.health.problems = map[string]problem{}
		}
		b.health.problems[key] = problem{channel: channel, code: pe.Code}
	}
	b.health.mu.Unlock()
	if !seen {
		b.outlog.Error("Slack refuses the bot; messages are lost until this is fixed", "slack_error", pe.Code, "channel", channel, "action", action)
	}
}

// slackOK clears the problems a successful call to channels disproves.
func (b *Bot) slackOK(channels ...string) {
	b.health.mu.Lock()
	defer b.health.mu.Unlock()
	for key, p := range b.health.problems {
		if p.channel == "" {
			delete(b.health.problems, key)
			continue
		}
		for _, ch := range channels {
			if ch != "" && p.channel == ch {
				delete(b.health.problems, key)
			}
		}
	}
}

// SlackProblem reports the standing Slack refusals that no retry fixes
// (a bad token, a missing channel, the bot not invited), each with the
// action that fixes it, or nil. A readiness check can fail on it.
func (b *Bot) SlackProblem() error {
	b.health.mu.Lock()
	defer b.health.mu.Unlock()
	var errs []error
	for _, p := range b.health.problems {
		if p.channel == "" {
			errs = append(errs, fmt.Errorf("slack %s: %s", p.code, problemActions[p.code]))
		} else {
			errs = append(errs, fmt.Errorf("slack %s in %s: %s", p.code, p.channel, problemActions[p.code]))
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errors.Join(errs...)
}

package slash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/slacktext"
)

// Interaction is the part of Slack's block_actions payload the buttons need.
// Over HTTP it is the JSON in the "payload" form field; over Socket Mode it
// is the envelope's payload.
type Interaction struct {
	Type string `json:"type"` // "block_actions"
	User struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Name     string `json:"name"`
	} `json:"user"`
	Team struct {
		ID string `json:"id"`
	} `json:"team"`
	Channel struct {
		ID string `json:"id"`
	} `json:"channel"`
	Container struct {
		Type        string `json:"type"`
		MessageTS   string `json:"message_ts"`
		ChannelID   string `json:"channel_id"`
		IsEphemeral bool   `json:"is_ephemeral"`
	} `json:"container"`
	ResponseURL string   `json:"response_url"`
	TriggerID   string   `json:"trigger_id"`
	Actions     []Action `json:"actions"`
	// A message shortcut (type "message_action") names its callback and
	// the message it was used on.
	CallbackID string `json:"callback_id"`
	ActionTS   string `json:"action_ts"`
	Message    struct {
		TS       string `json:"ts"`
		ThreadTS string `json:"thread_ts"`
	} `json:"message"`
}

// Action is one clicked element.
type Action struct {
	ActionID string `json:"action_id"`
	BlockID  string `json:"block_id"`
	Value    string `json:"value"`
	Type     string `json:"type"`
	ActionTS string `json:"action_ts"`
}

// ParseInteraction decodes a block_actions payload.
func ParseInteraction(payload []byte) (Interaction, error) {
	var in Interaction
	if err := json.Unmarshal(payload, &in); err != nil {
		return in, fmt.Errorf("decode interaction payload: %w", err)
	}
	if in.Type == "" {
		return in, errors.New("decode interaction payload: no type")
	}
	return in, nil
}

// ServeInteraction handles a click. Slack wants an answer within 3 seconds
// and shows nothing of it for buttons, so the work (a PagerDuty call, the
// store, a response_url post) runs in the background and ServeInteraction
// returns at once. Payload types other than block_actions, and actions of
// other apps' buttons, are acknowledged and ignored.
func (h *Handler) ServeInteraction(ctx context.Context, in Interaction) {
	if in.Type == "message_action" && in.CallbackID == ShortcutSplit {
		h.serveSplit(ctx, in)
		return
	}
	if in.Type != "block_actions" {
		h.log.Info("interaction type ignored", "type", in.Type)
		return
	}
	for _, a := range in.Actions {
		switch a.ActionID {
		case ActionShare, ActionAcknowledge, ActionResolve, ActionDraftReview:
		case bot.ActionSilence1h, bot.ActionSilence4h, bot.ActionSilenceResolved, bot.ActionExpireSilence:
		default:
			continue
		}
		h.once(ctx, interactionID(in, a), func(wctx context.Context, id string) {
			switch a.ActionID {
			case ActionShare:
				h.share(wctx, in, a)
			case ActionAcknowledge:
				h.setStatus(wctx, in, a, id, bot.StatusAcknowledged)
			case ActionResolve:
				h.setStatus(wctx, in, a, id, bot.StatusResolved)
			case bot.ActionExpireSilence:
				h.expireSilence(wctx, in, a, id)
			case bot.ActionSilence1h, bot.ActionSilence4h, bot.ActionSilenceResolved:
				h.silenceIncident(wctx, in, a, id)
			case ActionDraftReview:
				h.reviewButton(wctx, in, a)
			}
		})
	}
}

// once runs work in the background the first time Slack delivers the
// interaction id (Slack retries a delivery it thinks was lost), bounded by
// WorkTimeout and not by the request, which is answered at once.
func (h *Handler) once(ctx context.Context, id string, work func(ctx context.Context, id string)) {
	if !h.firstTime(id) {
		h.log.Info("repeated interaction ignored", "interaction_id", id)
		return
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.opt.WorkTimeout)
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer cancel()
		work(wctx, id)
	}()
}

// interactionID names a click the same way every time Slack delivers it.
func interactionID(in Interaction, a Action) string {
	ch := in.Container.ChannelID
	if ch == "" {
		ch = in.Channel.ID
	}
	return strings.Join([]string{"slack", in.Team.ID, ch, in.Container.MessageTS, a.ActionID, a.Value, a.ActionTS, in.User.ID}, "|")
}

// seenTTL is how long a click is remembered in memory; the store remembers
// status changes for good.
const seenTTL = 15 * time.Minute

// firstTime records id and reports whether it is new.
func (h *Handler) firstTime(id string) bool {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.seen) > 1000 {
		for k, at := range h.seen {
			if now.Sub(at) > seenTTL {
				delete(h.seen, k)
			}
		}
	}
	if at, ok := h.seen[id]; ok && now.Sub(at) <= seenTTL {
		return false
	}
	h.seen[id] = now
	return true
}

// share answers the request in the button's value again, for everyone.
func (h *Handler) share(ctx context.Context, in Interaction, a Action) {
	req := Parse(a.Value)
	r := h.answer(ctx, req, "")
	// The shared copy has no share button of its own.
	if n := len(r.Blocks); n > 0 && r.Blocks[n-1].BlockID == "compass_share" {
		r.Blocks = r.Blocks[:n-1]
	}
	r.ResponseType = InChannel
	r.Blocks = append(r.Blocks, slacktext.Context("Shared by "+userRef(in)))
	log := h.log.With("slack_user", in.User.ID)
	if err := h.FollowUp(ctx, in.ResponseURL, r); err != nil {
		log.Warn("share in channel failed", "error", err)
		return
	}
	// The ephemeral original has done its job.
	if err := h.FollowUp(ctx, in.ResponseURL, Response{DeleteOriginal: true}); err != nil {
		log.Info("could not delete the ephemeral answer", "error", err)
	}
}

// userRef mentions the user who clicked (an ID-shaped value only), else
// names them.
func userRef(in Interaction) string {
	if slackUserID.MatchString(in.User.ID) {
		return "<@" + in.User.ID + ">"
	}
	name := in.User.Name
	if name == "" {
		name = in.User.Username
	}
	return slacktext.Esc(name, 80)
}

// actorOf is how the incident records who clicked: the Slack username. Not
// a <@U…> mention: the bot escapes every actor (a mention in an actor could
// as well come from a webhook), so a mention would show as literal text.
func actorOf(in Interaction) string {
	switch {
	case in.User.Username != "":
		return in.User.Username
	case in.User.Name != "":
		return in.User.Name
	}
	return in.User.ID
}

// tell answers the clicker privately.
func (h *Handler) tell(ctx context.Context, in Interaction, text string) {
	r := Response{ResponseType: Ephemeral, Text: text, Blocks: []slacktext.Block{slacktext.Section(text)}}.fit(0)
	if err := h.FollowUp(ctx, in.ResponseURL, r); err != nil {
		h.log.Warn("could not tell the clicker", "slack_user", in.User.ID, "text", text, "error", err)
	}
}

// setStatus acknowledges or resolves an incident from its parent's button:
// PagerDuty first for PagerDuty incidents (a refusal stops here and is told
// to the clicker), then the bot's durable path, which updates the thread.
func (h *Handler) setStatus(ctx context.Context, in Interaction, a Action, id string, status bot.Status) {
	key := a.Value
	log := h.log.With("incident_key", key, "slack_user", in.User.ID, "action", a.ActionID)
	verb := "acknowledge"
	if status == bot.StatusResolved {
		verb = "resolve"
	}
	if h.opt.Incidents == nil || h.opt.Sink == nil {
		h.tell(ctx, in, fmt.Sprintf(":warning: Could not %s: this bot has no incident store.", verb))
		return
	}
	if key == "" || len(key) > 1000 {
		h.tell(ctx, in, fmt.Sprintf(":warning: Could not %s: the button names no incident.", verb))
		return
	}
	inc, err := h.opt.Incidents.Find(ctx, key)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		h.tell(ctx, in, fmt.Sprintf(":warning: Could not %s: no incident `%s`.", verb, slacktext.Code(key, 80)))
		return
	case err != nil:
		log.Error("find incident for button", "error", err)
		h.tell(ctx, in, fmt.Sprintf(":warning: Could not %s `%s` right now (the incident store failed). Try again.", verb, slacktext.Code(key, 80)))
		return
	}
	switch {
	case inc.Status == bot.StatusResolved:
		h.tell(ctx, in, fmt.Sprintf("`%s` is already resolved.", slacktext.Code(key, 80)))
		return
	case status == bot.StatusAcknowledged && inc.Status == bot.StatusAcknowledged:
		by := ""
		if inc.Owner != "" {
			by = " by " + actor(inc.Owner)
		}
		h.tell(ctx, in, fmt.Sprintf("`%s` is already acknowledged%s.", slacktext.Code(key, 80), by))
		return
	}
	for _, pdID := range pagerDutyIDs(inc) {
		if h.opt.PagerDuty == nil {
			h.tell(ctx, in, fmt.Sprintf(":warning: Could not %s in PagerDuty: the bot has no PagerDuty API token (pagerduty.token). Nothing was changed; use PagerDuty directly.", verb))
			return
		}
		if err := h.opt.PagerDuty.SetStatus(ctx, pdID, string(status)); err != nil {
			log.Warn("pagerduty refused status change", "error", err)
			h.tell(ctx, in, fmt.Sprintf(":warning: PagerDuty did not %s incident `%s`: %s\nThe thread is unchanged.", verb, slacktext.Code(pdID, 80), slacktext.Esc(err.Error(), 400)))
			return
		}
		log.Info("pagerduty incident status changed", "status", status, "pagerduty_id", pdID)
	}
	kind := bot.KindAcknowledged
	if status == bot.StatusResolved {
		kind = bot.KindResolved
	}
	d := bot.Delivery{Source: "slack", ID: id, Events: []bot.Event{{
		Source: inc.Source, Key: key, Kind: kind, Status: status,
		Actor: actorOf(in), At: h.now(),
	}}}
	if err := h.opt.Sink.Accept(ctx, d); err != nil {
		log.Error("record button click", "error", err)
		msg := fmt.Sprintf(":warning: Could not record that you %sd `%s`: %s. Try again.", verb, slacktext.Code(key, 80), slacktext.Esc(err.Error(), 200))
		if len(pagerDutyIDs(inc)) > 0 {
			msg = fmt.Sprintf(":warning: PagerDuty has it %sd, but the thread could not be updated (%s); it will catch up when PagerDuty's webhook arrives.", verb, slacktext.Esc(err.Error(), 200))
		}
		h.tell(ctx, in, msg)
		return
	}
	log.Info("incident status changed from Slack", "status", status)
}

// pagerDutyIDs are the PagerDuty incidents a click on inc changes: its own
// when it is a PagerDuty incident, and those of the PagerDuty pages
// correlated into it that are still open, so that acknowledging the alert
// group's thread stops the page that Alertmanager sent about it too.
func pagerDutyIDs(inc *bot.Incident) []string {
	if len(inc.Members) == 0 {
		if id, ok := strings.CutPrefix(inc.Key, "pagerduty/"); ok {
			return []string{id}
		}
		return nil
	}
	var ids []string
	for _, m := range inc.Members {
		if id, ok := strings.CutPrefix(m.Key, "pagerduty/"); ok && m.Status != bot.StatusResolved {
			ids = append(ids, id)
		}
	}
	return ids
}

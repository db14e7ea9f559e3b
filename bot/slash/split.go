package slash

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/compasshq/compass/bot"
)

// ShortcutSplit is the callback ID of the "Split into own thread" message
// shortcut: used on a reply from a source that was correlated into an
// incident, it moves that source out into an incident and thread of its own.
const ShortcutSplit = "split_incident"

// serveSplit runs a split shortcut in the background, once per delivery
// of it, as ServeInteraction runs clicks.
func (h *Handler) serveSplit(ctx context.Context, in Interaction) {
	id := strings.Join([]string{"slack", in.Team.ID, in.Channel.ID, in.Message.TS, ShortcutSplit, in.ActionTS, in.User.ID}, "|")
	h.once(ctx, id, func(wctx context.Context, id string) { h.split(wctx, in, id) })
}

// split finds the source a reply reports and asks the bot, through its
// durable path, to move it out of the incident; the thread then says what
// was split off and the source gets a parent of its own. Misuse (a parent,
// a person's message, the incident's own source) is told to the person
// privately and changes nothing.
func (h *Handler) split(ctx context.Context, in Interaction, id string) {
	log := h.log.With("slack_user", in.User.ID, "slack_ts", in.Message.TS)
	if h.opt.Incidents == nil || h.opt.Sink == nil {
		h.tell(ctx, in, ":warning: Could not split: this bot has no incident store.")
		return
	}
	thread := in.Message.ThreadTS
	if thread == "" || thread == in.Message.TS {
		h.tell(ctx, in, "Use *Split into own thread* on a reply in an incident's thread, one that reports the source to move out.")
		return
	}
	inc, member, err := h.opt.Incidents.ReplySource(ctx, in.Channel.ID, thread, in.Message.TS)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		h.tell(ctx, in, "That message is not one of this bot's incident replies; use *Split into own thread* on a reply the bot posted for the source to move out.")
		return
	case err != nil:
		log.Error("find the reply's source", "error", err)
		h.tell(ctx, in, ":warning: Could not split right now (the incident store failed). Try again.")
		return
	}
	i := inc.MemberIndex(member)
	if member == "" {
		h.tell(ctx, in, "That reply names no source (the bot posted it before it kept one per reply); use *Split into own thread* on a later reply from the source to move out.")
		return
	}
	if i < 0 {
		h.tell(ctx, in, "That reply's source is no longer part of this incident: it was split off already.")
		return
	}
	if i == 0 {
		h.tell(ctx, in, fmt.Sprintf("That reply comes from the source this incident started with (%s); nothing joined it from there. Use *Split into own thread* on a reply from the source that joined.", bot.SourceName(inc.Members[0].Source)))
		return
	}
	m := inc.Members[i]
	d := bot.Delivery{Source: "slack", ID: id, Events: []bot.Event{{
		Source: m.Source, Key: m.Key, Kind: bot.KindSplit, Actor: actorOf(in), At: h.now(),
	}}}
	if err := h.opt.Sink.Accept(ctx, d); err != nil {
		log.Error("record split", "incident_key", inc.Key, "member_key", m.Key, "error", err)
		h.tell(ctx, in, ":warning: Could not split it off right now. Try again.")
		return
	}
	log.Info("source split off into its own incident", "incident_key", inc.Key, "member_key", m.Key)
	h.tell(ctx, in, fmt.Sprintf(":scissors: %s moved out of this incident into a thread of its own.", bot.SourceName(m.Source)))
}

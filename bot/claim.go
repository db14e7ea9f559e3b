package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// job is one claimed op with the message rendered for it.
type job struct {
	op       *Op
	msg      Message
	minimal  *Message // for a parent: what to send if Slack refuses msg's content
	channel  string   // where to send: the routed name for a parent post, the thread's channel ID after
	parentTS string   // for replies and updates
	log      *slog.Logger
}

// claimed is what claim made of a batch of ready ops.
type claimed struct {
	jobs    []job
	lost    []*Op // another worker claimed, retried or finished them first
	dropped int   // could not be sent (no incident, parent never posted); marked failed
}

// claim is the claim stage: it marks ops as sending in one transaction,
// each only if it is still as ReadyOps returned it, and renders each
// message from the op as claimed (with changes merged into it since the
// read) and its incident's current state. Ops that moved on are skipped;
// ops that cannot be sent (the parent was never posted) are marked failed.
func (b *Bot) claim(ctx context.Context, ops []*Op) (claimed, error) {
	var c claimed
	var incs []*Incident
	err := b.store.Update(ctx, func(tx Tx) error {
		// The store may run this again (a deadlock between replicas): start
		// from scratch each time.
		c, incs = claimed{}, nil
		var got []*Op
		for _, read := range ops {
			op, inc, err := b.claimOne(ctx, tx, read)
			if errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
				c.lost = append(c.lost, read)
				continue
			}
			if err != nil {
				return err
			}
			got = append(got, op)
			incs = append(incs, inc)
		}
		ops = got
		return nil
	})
	if err != nil {
		return claimed{}, err
	}
	for _, op := range c.lost {
		b.outlog.Debug("op moved on before the claim (another worker or a retry); skipped",
			"incident_key", op.IncidentKey, "generation", op.Generation, "op_id", op.ID, "op", op.Kind)
	}
	for i, op := range ops {
		log := b.outlog.With("incident_key", op.IncidentKey, "generation", op.Generation, "op_id", op.ID, "op", op.Kind, "channel", op.Channel)
		if op.State == OpFailed {
			b.pending.Add(-1)
			log.Error("op dropped", "error", op.LastError)
			c.dropped++
			continue
		}
		c.jobs = append(c.jobs, b.render(op, incs[i], log))
	}
	return c, nil
}

// claimOne claims one op and reads its incident; an op that cannot be sent
// comes back failed (and stored so).
func (b *Bot) claimOne(ctx context.Context, tx Tx, read *Op) (*Op, *Incident, error) {
	op, err := tx.ClaimOp(ctx, read.ID, read.NextAttemptAt)
	if err != nil {
		if errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("claim op %d: %w", read.ID, err)
	}
	inc, err := tx.FindGeneration(ctx, op.IncidentKey, op.Generation)
	switch {
	case errors.Is(err, ErrNotFound):
		op.State, op.LastError = OpFailed, "incident not found"
	case err != nil:
		return nil, nil, fmt.Errorf("op %d: %w", op.ID, err)
	case op.Kind != OpPostParent && inc.Thread.TS == "":
		op.State, op.LastError = OpFailed, "parent message was never posted"
	}
	if op.State == OpFailed {
		if err := tx.UpdateOp(ctx, op); err != nil {
			return nil, nil, err
		}
	}
	return op, inc, nil
}

// claimFailed logs a failed claim and says how soon to look again.
func (b *Bot) claimFailed(ctx context.Context, err error) time.Duration {
	switch {
	case ctx.Err() != nil:
		return idle
	case errors.Is(err, ErrBusy) || errors.Is(err, ErrConflict):
		// Another writer held the rows or locks: routine with several
		// replicas.
		b.outlog.Debug("claim met another writer; rescanning", "error", err)
		return rescanSoon
	default:
		b.outlog.Error("claim ops", "error", err)
		return time.Second
	}
}

// render makes the job for a claimed op: the message as of now, from the
// incident's current state.
func (b *Bot) render(op *Op, inc *Incident, log *slog.Logger) job {
	now := b.now()
	j := job{op: op, channel: inc.Thread.Channel, parentTS: inc.Thread.TS, log: log}
	switch op.Kind {
	case OpPostParent, OpUpdateParent:
		if op.Kind == OpPostParent {
			j.channel = op.Channel
		}
		j.msg = RenderParent(inc, b.links(inc), now)
		minimal := RenderMinimalParent(inc)
		j.minimal = &minimal
	case OpReply:
		var p ReplyPayload
		if err := json.Unmarshal(op.Payload, &p); err != nil {
			log.Error("bad reply payload", "error", err)
		}
		j.msg = RenderReply(inc, p, b.links(inc), now)
		j.msg.ThreadTS = inc.Thread.TS
		j.msg.Marker = Marker{Type: MarkerReply, ID: inc.Key + "#" + strconv.Itoa(inc.Generation) + "#" + strconv.FormatInt(op.ID, 10)}
	}
	return j
}

func (b *Bot) links(inc *Incident) []Link {
	if b.linker == nil {
		return nil
	}
	q := LinkQuery{AlertNames: inc.AlertNames(), Labels: routeLabels(inc), Severity: string(inc.Severity), Title: inc.Title}
	seen := map[string]bool{}
	for _, a := range inc.Alerts {
		if a.RunbookURL != "" && !seen[a.RunbookURL] {
			seen[a.RunbookURL] = true
			q.RunbookURLs = append(q.RunbookURLs, a.RunbookURL)
		}
	}
	return b.linker.Links(q)
}

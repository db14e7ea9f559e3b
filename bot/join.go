package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// target decides which incident ev belongs to, by the rules of
// correlate.go, and stores the links that make the decision stick. It
// returns the incident's key and how ev's source joined it ("" when the
// incident is the source's own). All of it happens in tx: two writers
// deciding for the same keys at once meet on the links (locked in a shared
// store, unique in every store), and the later one decides again on the
// earlier one's links.
func (b *Bot) target(ctx context.Context, tx Tx, stage map[string]*Incident, ev Event, now time.Time) (string, string, error) {
	if inc := b.cachedMember(stage, ev.Key); inc != nil && !(opening(ev) && b.stale(inc, now)) {
		// A source already in an incident stays there: nothing to decide.
		return inc.Key, "", nil
	}
	src := sourceLink(ev.Key)
	corr := correlationKeys(ev, b.opt.CorrelateLabels)
	keys := []string{src}
	for _, c := range corr {
		keys = append(keys, c.key)
	}
	links, err := tx.FindLinks(ctx, keys)
	if err != nil {
		return "", "", fmt.Errorf("find links of %s: %w", ev.Key, err)
	}
	own, prev := ev.Key, ""
	if l, ok := links[src]; ok {
		own, prev = l.Incident, l.Incident
	}
	// The source's incident, unless the event would open a new generation
	// of it: then an open incident it correlates with takes it in (a page
	// that arrived first for this recurrence of an alert group).
	inc, err := b.candidate(ctx, tx, stage, own, ev.Key)
	if err != nil {
		return "", "", err
	}
	if inc != nil && !(opening(ev) && b.stale(inc, now)) {
		if prev == "" {
			// An incident from before links were kept: link it now.
			err = tx.SetLink(ctx, IncidentLink{Key: src, Incident: own, At: now}, "")
		}
		return own, links[src].Via, err
	}
	key, via := ev.Key, ""
	for _, c := range corr {
		l, ok := links[c.key]
		if !ok || l.Incident == ev.Key {
			continue
		}
		inc, err := b.candidate(ctx, tx, stage, l.Incident, ev.Key)
		if err != nil {
			return "", "", err
		}
		if inc != nil && !b.stale(inc, now) && (!c.open || inc.Status != StatusResolved) {
			key, via = l.Incident, c.via
			break
		}
	}
	if prev != key {
		if err := tx.SetLink(ctx, IncidentLink{Key: src, Incident: key, Via: via, At: now}, prev); err != nil {
			return "", "", err
		}
	}
	return key, via, b.claimKeys(ctx, tx, stage, corr, links, key, now)
}

// claimKeys points ev's correlation keys at its incident key where they
// point nowhere yet, or at an incident that is gone or no longer joinable.
func (b *Bot) claimKeys(ctx context.Context, tx Tx, stage map[string]*Incident, corr []corrKey, links map[string]IncidentLink, key string, now time.Time) error {
	for _, c := range corr {
		l, ok := links[c.key]
		if ok {
			if l.Incident == key {
				continue
			}
			inc, err := b.candidate(ctx, tx, stage, l.Incident, "")
			if err != nil {
				return err
			}
			if inc != nil && !b.stale(inc, now) && (!c.open || inc.Status != StatusResolved) {
				continue // another open incident's key: leave it
			}
		}
		if err := tx.SetLink(ctx, IncidentLink{Key: c.key, Incident: key, At: now}, l.Incident); err != nil {
			return err
		}
	}
	return nil
}

// candidate reads incident key for a join decision, nil when there is none.
// Another source's incident is read from the store, not the cache: another
// replica may have resolved or reopened it, and nothing else would catch a
// decision made on a stale copy.
func (b *Bot) candidate(ctx context.Context, tx Tx, stage map[string]*Incident, key, own string) (*Incident, error) {
	var inc *Incident
	var err error
	if key == own {
		inc, err = b.findIncident(ctx, tx, stage, key)
	} else if staged, ok := stage[key]; ok {
		inc = staged
	} else {
		inc, err = tx.FindIncident(ctx, key)
	}
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find incident %s: %w", key, err)
	}
	return inc, nil
}

// stale reports whether inc has been resolved for longer than the reopen
// window: what fires next is a new incident, not this one.
func (b *Bot) stale(inc *Incident, now time.Time) bool {
	return inc.Status == StatusResolved && now.Sub(inc.ResolvedAt) > b.opt.ReopenWindow
}

// opening reports whether ev can start an incident's new generation: a
// firing alert group, a trigger or an explicit reopen.
func opening(ev Event) bool {
	return ev.Kind == KindTriggered || ev.Kind == KindReopened ||
		(ev.Kind == KindAlerts && ev.Status == StatusFiring)
}

// split moves ev's source (ev.Key) out of the incident it was correlated
// into, into an incident and thread of its own: what a person asks for when
// correlation joined the wrong incidents. The source's link then points at
// its own incident, so its later events stay there. It returns the
// incidents to save (the one left, with a reply saying what went, and the
// new one), none when the source is not a joined member of an incident
// (never joined, or split already: a repeated click changes nothing).
func (b *Bot) split(ctx context.Context, tx Tx, stage map[string]*Incident, ev Event, now time.Time) ([]*working, error) {
	src := sourceLink(ev.Key)
	links, err := tx.FindLinks(ctx, []string{src})
	if err != nil {
		return nil, fmt.Errorf("find link of %s: %w", ev.Key, err)
	}
	l, ok := links[src]
	if !ok || l.Incident == ev.Key {
		return nil, nil
	}
	inc, err := b.candidate(ctx, tx, stage, l.Incident, "")
	if err != nil || inc == nil {
		return nil, err
	}
	i := inc.MemberIndex(ev.Key)
	if i <= 0 {
		return nil, nil
	}
	at := ev.At
	if at.IsZero() {
		at = now
	}
	rest, m, alerts := inc.detach(i)
	if at.After(rest.UpdatedAt) {
		rest.UpdatedAt = at
	}
	gen := 1
	if own, err := b.candidate(ctx, tx, stage, ev.Key, ev.Key); err != nil {
		return nil, err
	} else if own != nil {
		gen = own.Generation + 1
	}
	opened := m.OpenedAt
	if opened.IsZero() {
		opened = at
	}
	m.Via = ""
	alone := &Incident{
		Key: ev.Key, Generation: gen, OpenedAt: opened, UpdatedAt: at,
		Alerts: alerts, Members: []Member{m}, Thread: Thread{Channel: inc.Thread.Channel},
	}
	alone.combine()
	if err := tx.SetLink(ctx, IncidentLink{Key: src, Incident: ev.Key, Via: "split", At: now}, l.Incident); err != nil {
		return nil, err
	}
	note := Change{Kind: ChangeSplit, Actor: ev.Actor, Note: m.Title, Member: m.Key, Source: m.Source, At: at}
	return []*working{{inc: rest, changes: []Change{note}}, {inc: alone, fresh: true}}, nil
}

// detach returns a copy of inc without member i (i > 0), that member, and
// the alerts it reported, which leave with it.
func (inc *Incident) detach(i int) (rest *Incident, m Member, alerts []Alert) {
	rest = inc.clone()
	m = rest.Members[i]
	kept := rest.Alerts[:0]
	for _, a := range rest.Alerts {
		if rest.memberOf(a) == i {
			a.Member = ""
			alerts = append(alerts, a)
		} else {
			kept = append(kept, a)
		}
	}
	rest.Alerts = kept
	rest.Members = append(rest.Members[:i], rest.Members[i+1:]...)
	rest.combine()
	return rest, m, alerts
}

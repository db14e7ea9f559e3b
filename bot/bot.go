package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Bot. Zero values take the documented defaults.
type Options struct {
	Store  Store
	Poster Poster
	Linker Linker // nil: no handbook links, no team routing
	Logger *slog.Logger

	Channel      string        // default channel when no route and no team channel matches
	Routes       []Route       // first match wins
	ReopenWindow time.Duration // default 4h
	// CorrelateLabels are label names whose equal values (all of them)
	// join an event to an open incident when no dedup key or
	// compass_incident label does (correlate.go); none by default.
	CorrelateLabels []string

	ChannelRate  float64 // Slack messages per second per channel; default 1
	ChannelBurst int     // default 1
	Senders      int     // concurrent Slack calls; default 4
	// MaxAge is how long an op is retried after 5xx and network errors:
	// until it succeeds, its incident recurs (a newer generation), or it
	// is this old. Default 24h.
	MaxAge      time.Duration
	BackoffBase time.Duration // default 1s, doubled per attempt, with jitter
	BackoffMax  time.Duration // default 5m
	CallTimeout time.Duration // per Slack call; default 15s

	MaxPending    int           // outbox depth (all replicas' pending and sending ops) beyond which Accept reports ErrOverloaded; default 100000
	MaxInFlight   int           // concurrent Accepts; default 64
	AcceptTimeout time.Duration // how long Accept waits for a slot and the store; default 3s
	Retention     time.Duration // how long resolved incidents, deliveries and finished ops are kept; default 30 days

	// RefreshInterval: an open incident's parent is updated (chat.update)
	// at most this often when nothing else changes it, so its "Open for"
	// stays roughly true. Default 10m; negative disables.
	RefreshInterval time.Duration

	Now func() time.Time // clock, for tests; default time.Now
}

// Route sends incidents whose labels match to a channel. A match value may be
// a glob (path.Match syntax): {"namespace": "payments-*"}.
type Route struct {
	Match   map[string]string `mapstructure:"match" json:"match" yaml:"match"`
	Channel string            `mapstructure:"channel" json:"channel" yaml:"channel"`
}

// matches reports whether every matcher of r matches labels.
func (r Route) matches(labels map[string]string) bool {
	if len(r.Match) == 0 {
		return false
	}
	for k, pat := range r.Match {
		v, ok := labels[k]
		if !ok {
			return false
		}
		if ok, err := path.Match(pat, v); err != nil || !ok {
			return false
		}
	}
	return true
}

// Bot keeps one incident per thread key and mirrors each to a Slack thread
// through a durable outbox. It implements Sink.
type Bot struct {
	opt     Options
	store   Store
	poster  Poster
	linker  Linker
	log     *slog.Logger // accepting deliveries
	outlog  *slog.Logger // the outbox worker: log with component=outbox
	now     func() time.Time
	slots   chan struct{}
	wake    chan struct{}
	pending atomic.Int64 // outbox depth (pending + sending, all replicas): recounted by Run every countEvery, adjusted in between by this replica's accepts and sends
	// countMu orders a recount against a commit and its pending.Add: a
	// recount between the two counted the new ops twice, and the
	// overcount answered 503 until the next recount.
	countMu sync.Mutex
	rnd     func() float64
	buckets map[string]*bucket // per-channel rate limits, owned by Run
	failing map[string]bool    // channels with temporary failures since Slack last answered, owned by Run
	health  slackHealth

	qmu        sync.Mutex
	queue      []*acceptReq // deliveries waiting for the group commit
	committing bool         // a commitLoop goroutine is running

	cmu   sync.Mutex
	cache map[string]*Incident // see incidentCache
	// members maps the member (source) keys of cached incidents to their
	// incident's key, so that an event of a source already joined skips
	// the link lookup (join.go's fast path).
	members map[string]string
}

var _ Sink = (*Bot)(nil)

// New returns a Bot. Call Run to start the outbox worker.
func New(opt Options) (*Bot, error) {
	if opt.Store == nil {
		return nil, errors.New("bot: no store")
	}
	if opt.Poster == nil {
		return nil, errors.New("bot: no poster")
	}
	for i, r := range opt.Routes {
		if r.Channel == "" {
			return nil, fmt.Errorf("bot: route %d has no channel", i+1)
		}
		for k, pat := range r.Match {
			if _, err := path.Match(pat, ""); err != nil {
				return nil, fmt.Errorf("bot: route %d: label %s: bad pattern %q: %w", i+1, k, pat, err)
			}
		}
	}
	setDefault(&opt.ReopenWindow, 4*time.Hour)
	if opt.ChannelRate <= 0 {
		opt.ChannelRate = 1
	}
	setDefault(&opt.ChannelBurst, 1)
	setDefault(&opt.Senders, 4)
	setDefault(&opt.MaxAge, 24*time.Hour)
	setDefault(&opt.BackoffBase, time.Second)
	setDefault(&opt.BackoffMax, 5*time.Minute)
	setDefault(&opt.CallTimeout, 15*time.Second)
	setDefault(&opt.MaxPending, 100000)
	setDefault(&opt.MaxInFlight, 64)
	setDefault(&opt.AcceptTimeout, 3*time.Second)
	setDefault(&opt.Retention, 30*24*time.Hour)
	setDefault(&opt.RefreshInterval, 10*time.Minute)
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	b := &Bot{
		opt: opt, store: opt.Store, poster: opt.Poster, linker: opt.Linker,
		log: opt.Logger, outlog: opt.Logger.With("component", "outbox"), now: opt.Now,
		slots: make(chan struct{}, opt.MaxInFlight),
		wake:  make(chan struct{}, 1),
		rnd:   rand.Float64,
	}
	return b, nil
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// Ready reports whether the store takes writes (Store.Ping commits a probe).
func (b *Bot) Ready(ctx context.Context) error { return b.store.Ping(ctx) }

// Accept applies a delivery's events in one store transaction and queues the
// Slack operations they call for. It returns after the commit, or with
// ErrOverloaded when the bot cannot take the delivery now (the sender should
// retry), or another error when the store failed.
func (b *Bot) Accept(ctx context.Context, d Delivery) error {
	keys := deliveryKeys(d)
	noteKeys(ctx, keys)
	base := b.log.With("source", d.Source, "delivery_id", d.ID)
	log := base
	if len(keys) == 1 {
		log = log.With("incident_key", keys[0])
	} else if len(keys) > 1 {
		log = log.With("incident_keys", keys)
	}
	if n := b.pending.Load(); n >= int64(b.opt.MaxPending) {
		log.Warn("overloaded: outbox too deep", "outbox_pending", n)
		return ErrOverloaded
	}
	ctx, cancel := context.WithTimeout(ctx, b.opt.AcceptTimeout)
	defer cancel()
	select {
	case b.slots <- struct{}{}:
		defer func() { <-b.slots }()
	case <-ctx.Done():
		log.Warn("overloaded: no accept slot")
		return ErrOverloaded
	}

	req := &acceptReq{ctx: ctx, d: d, log: base, done: make(chan acceptRes, 1)}
	b.submit(req)
	var res acceptRes
	select {
	case res = <-req.done:
	case <-ctx.Done():
		// The delivery may still commit; a retry by the sender is then
		// recognised as a duplicate.
		log.Warn("overloaded: store too slow", "error", ctx.Err())
		return ErrOverloaded
	}
	if err := res.err; err != nil {
		if errors.Is(err, ErrBusy) || errors.Is(err, context.DeadlineExceeded) {
			log.Warn("overloaded: store busy", "error", err)
			return ErrOverloaded
		}
		log.Error("accept delivery", "error", err)
		return fmt.Errorf("accept delivery: %w", err)
	}
	if res.dup {
		noteDuplicate(ctx)
		log.Info("duplicate delivery ignored", "content_key", d.ContentKey)
		return nil
	}
	log.Info("delivery accepted", "events", len(d.Events), "ops_enqueued", res.enqueued)
	return nil
}

// acceptReq is one Accept waiting for the group commit.
type acceptReq struct {
	ctx  context.Context
	d    Delivery
	log  *slog.Logger
	done chan acceptRes // buffered: the committer never blocks on it
}

type acceptRes struct {
	dup      bool
	enqueued int
	err      error
}

// maxBatch bounds how many deliveries share one transaction.
const maxBatch = 64

// submit queues req for the group commit, starting a committer if none runs.
// Deliveries that arrive while a transaction commits are applied together in
// the next one: one commit (and one fsync) for many webhooks, and each is
// still answered only after its own commit.
func (b *Bot) submit(req *acceptReq) {
	b.qmu.Lock()
	defer b.qmu.Unlock()
	b.queue = append(b.queue, req)
	if !b.committing {
		b.committing = true
		go b.commitLoop()
	}
}

// commitLoop commits queued deliveries until the queue is empty.
func (b *Bot) commitLoop() {
	for {
		b.qmu.Lock()
		n := min(len(b.queue), maxBatch)
		if n == 0 {
			b.committing = false
			b.qmu.Unlock()
			return
		}
		batch := append([]*acceptReq(nil), b.queue[:n]...)
		b.queue = append(b.queue[:0], b.queue[n:]...)
		b.qmu.Unlock()
		b.commitBatch(batch, 0)
	}
}

// commitBatch applies a batch in one transaction. If the transaction fails,
// each delivery is retried in its own, so one bad delivery fails alone; a
// version conflict (another replica changed an incident we had cached) is
// retried a few times on fresh reads.
func (b *Bot) commitBatch(batch []*acceptReq, retry int) {
	live := batch[:0]
	for _, r := range batch {
		if r.ctx.Err() != nil {
			r.done <- acceptRes{err: r.ctx.Err()} // gave up waiting; nothing applied
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.opt.AcceptTimeout)
	defer cancel()
	results := make([]acceptRes, len(live))
	var stage map[string]*Incident
	b.countMu.Lock()
	err := b.store.Update(ctx, func(tx Tx) error {
		stage = map[string]*Incident{}
		for i, r := range live {
			results[i] = b.acceptTx(ctx, tx, stage, r.d, r.log)
			if results[i].err != nil {
				return results[i].err
			}
		}
		return nil
	})
	if err == nil {
		for _, res := range results {
			b.pending.Add(int64(res.enqueued))
		}
	}
	b.countMu.Unlock()
	if err == nil {
		b.settle(stage)
	} else {
		b.forget(live, stage, errors.Is(err, ErrConflict))
	}
	if err != nil && (len(live) > 1 || (errors.Is(err, ErrConflict) && retry < 3)) {
		for _, r := range live {
			b.commitBatch([]*acceptReq{r}, retry+1)
		}
		return
	}
	enqueued := 0
	for i, r := range live {
		if err != nil {
			results[i] = acceptRes{err: err}
		}
		enqueued += results[i].enqueued
		r.done <- results[i]
	}
	if err == nil && enqueued > 0 {
		b.Wake()
	}
}

// incidentCache holds the latest committed generation of recently changed
// incidents, so Accept skips reading and decoding them. Entries are written
// only after their transaction commits; another writer (a second replica on
// Postgres) makes an entry stale, which UpdateIncident's version check turns
// into ErrConflict, after which the entry is dropped and the delivery retried.
const maxCached = 10000

// findIncident returns the latest generation of key: as staged earlier in
// this transaction, else cached, else from the store.
func (b *Bot) findIncident(ctx context.Context, tx Tx, stage map[string]*Incident, key string) (*Incident, error) {
	if inc, ok := stage[key]; ok {
		return inc, nil
	}
	b.cmu.Lock()
	inc, ok := b.cache[key]
	b.cmu.Unlock()
	if ok {
		return inc, nil
	}
	return tx.FindIncident(ctx, key)
}

// settle publishes a committed transaction's incidents to the cache.
func (b *Bot) settle(stage map[string]*Incident) {
	b.cmu.Lock()
	defer b.cmu.Unlock()
	if b.cache == nil || len(b.cache) > maxCached {
		b.cache, b.members = map[string]*Incident{}, map[string]string{}
	}
	for key, inc := range stage {
		b.cache[key] = inc
		for _, m := range inc.Members {
			b.members[m.Key] = key
		}
	}
}

// cachedMember returns the incident that source key is a member of, as
// staged in this transaction or cached, or nil when memory does not say.
// A copy made stale by another replica (which split the source off, say)
// fails UpdateIncident's version check, and the retry reads afresh.
func (b *Bot) cachedMember(stage map[string]*Incident, key string) *Incident {
	b.cmu.Lock()
	incKey, ok := b.members[key]
	inc := b.cache[incKey]
	b.cmu.Unlock()
	if !ok {
		return nil
	}
	if staged, ok := stage[incKey]; ok {
		inc = staged
	}
	if inc == nil || inc.MemberIndex(key) < 0 {
		return nil
	}
	return inc
}

// forgetResolved drops the cached incidents resolved before before: the
// store prunes them, and the cache stays as small as the open set.
func (b *Bot) forgetResolved(before time.Time) {
	b.cmu.Lock()
	defer b.cmu.Unlock()
	for key, inc := range b.cache {
		if inc.Status == StatusResolved && inc.ResolvedAt.Before(before) {
			delete(b.cache, key)
		}
	}
	for member, key := range b.members {
		if _, ok := b.cache[key]; !ok {
			delete(b.members, member)
		}
	}
}

// forget drops the cached incidents a failed transaction touched (its
// deliveries' keys and the incidents it had staged): one of them may be
// stale. After a conflict it drops them all: a correlated event's incident
// has another source's key, and the stale one is not known here; the cache
// refills from the store as it is used.
func (b *Bot) forget(reqs []*acceptReq, stage map[string]*Incident, conflict bool) {
	b.cmu.Lock()
	defer b.cmu.Unlock()
	if conflict {
		clear(b.cache)
		clear(b.members)
		return
	}
	for key := range stage {
		delete(b.cache, key)
	}
	for _, r := range reqs {
		for _, ev := range r.d.Events {
			delete(b.cache, ev.Key)
		}
	}
}

// acceptTx applies one delivery inside tx.
func (b *Bot) acceptTx(ctx context.Context, tx Tx, stage map[string]*Incident, d Delivery, log *slog.Logger) acceptRes {
	seen, err := tx.SeenDelivery(ctx, d.Source, d.ID, d.ContentKey)
	if err != nil {
		return acceptRes{err: err}
	}
	if seen {
		return acceptRes{dup: true}
	}
	n, err := b.applyDelivery(ctx, tx, stage, d, log)
	if err != nil {
		return acceptRes{err: err}
	}
	if d.ID != "" || d.ContentKey != "" {
		if err := tx.RecordDelivery(ctx, d.Source, d.ID, d.ContentKey, b.now()); err != nil {
			return acceptRes{err: err}
		}
	}
	return acceptRes{enqueued: n}
}

// Wake nudges the outbox worker to look for work now.
func (b *Bot) Wake() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

func deliveryKeys(d Delivery) []string {
	var keys []string
	seen := map[string]bool{}
	for _, ev := range d.Events {
		if !seen[ev.Key] {
			seen[ev.Key] = true
			keys = append(keys, ev.Key)
		}
	}
	return keys
}

// working is an incident being changed by one delivery.
type working struct {
	inc     *Incident
	fresh   bool // created by this delivery: CreateIncident, post the parent
	changes []Change
}

// applyDelivery folds the delivery's events into their incidents and queues
// Slack ops; it returns how many ops it queued. Each event goes to the
// incident its source belongs to (target: its own, or the one it was
// correlated into).
func (b *Bot) applyDelivery(ctx context.Context, tx Tx, stage map[string]*Incident, d Delivery, log *slog.Logger) (int, error) {
	now := b.now()
	work := map[string]*working{}
	var order []string
	var splits []*working
	enqueued := 0
	for _, ev := range d.Events {
		if ev.Key == "" {
			log.Warn("event without thread key ignored", "kind", ev.Kind)
			continue
		}
		if ev.Source == "" {
			ev.Source = d.Source
		}
		if ev.Kind == KindSplit {
			ws, err := b.split(ctx, tx, stage, ev, now)
			if err != nil {
				return 0, fmt.Errorf("split %s: %w", ev.Key, err)
			}
			if len(ws) == 0 {
				log.Info("split asked for a source that is not joined to another incident; nothing to do", "member_key", ev.Key)
			}
			splits = append(splits, ws...)
			continue
		}
		key, via, err := b.target(ctx, tx, stage, ev, now)
		if err != nil {
			return 0, err
		}
		w, ok := work[key]
		if !ok {
			inc, err := b.findIncident(ctx, tx, stage, key)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return 0, fmt.Errorf("find incident %s: %w", key, err)
			}
			w = &working{inc: inc}
			work[key] = w
			order = append(order, key)
		}
		if via != "" && w.inc != nil && w.inc.MemberIndex(ev.Key) < 0 {
			log.Info("event correlated into another source's incident", "incident_key", key, "member_key", ev.Key, "via", via)
		}
		inc, changes, fresh := apply(w.inc, ev, via, now, b.opt.ReopenWindow)
		if fresh {
			if w.inc != nil && (w.fresh || len(w.changes) > 0) {
				// The previous generation changed earlier in this delivery:
				// save it before starting the next.
				n, err := b.flush(ctx, tx, stage, w, log)
				if err != nil {
					return 0, err
				}
				enqueued += n
			}
			if inc.Generation > 1 {
				log.Info("incident recurred after the reopen window: new generation", "incident_key", ev.Key, "generation", inc.Generation)
			}
			w.inc, w.fresh, w.changes = inc, true, changes
			continue
		}
		w.inc = inc
		w.changes = append(w.changes, changes...)
	}
	ws := make([]*working, 0, len(order)+len(splits))
	for _, key := range order {
		ws = append(ws, work[key])
	}
	for _, w := range append(ws, splits...) {
		n, err := b.flush(ctx, tx, stage, w, log)
		if err != nil {
			return 0, err
		}
		enqueued += n
	}
	return enqueued, nil
}

// maxChanges caps the changes one pending reply keeps; beyond it they are
// counted, so a storm cannot grow a reply without bound.
const maxChanges = 200

// flush saves one incident and queues its Slack ops.
func (b *Bot) flush(ctx context.Context, tx Tx, stage map[string]*Incident, w *working, log *slog.Logger) (int, error) {
	inc := w.inc
	log = log.With("incident_key", inc.Key, "generation", inc.Generation)
	if w.fresh {
		if inc.Thread.Channel == "" || inc.Generation == 1 {
			inc.Thread.Channel = b.route(inc)
		}
		inc.Thread.TS = ""
		if err := tx.CreateIncident(ctx, inc); err != nil {
			return 0, fmt.Errorf("create incident %s: %w", inc.Key, err)
		}
		stage[inc.Key] = inc.clone()
		op := &Op{IncidentKey: inc.Key, Generation: inc.Generation, Kind: OpPostParent, Channel: inc.Thread.Channel}
		if err := b.enqueue(ctx, tx, op); err != nil {
			return 0, err
		}
		log.Info("incident opened", "channel", inc.Thread.Channel, "status", inc.Status, "alerts_firing", inc.Firing())
		w.fresh, w.changes = false, nil
		return 1, nil
	}
	if len(w.changes) == 0 {
		// Nothing worth a message (a repeat notification); still keep the
		// latest alert details.
		if err := tx.UpdateIncident(ctx, inc); err != nil {
			return 0, fmt.Errorf("update incident %s: %w", inc.Key, err)
		}
		stage[inc.Key] = inc.clone()
		return 0, nil
	}
	changes := w.changes
	w.changes = nil
	// Broadcast the incident's resolution once per generation: a
	// correlated incident's source resolving alone is only a reply.
	var broadcast bool
	if inc.Status == StatusResolved && !inc.Broadcast && slices.ContainsFunc(changes, func(c Change) bool { return c.Kind == ChangeResolved }) {
		broadcast = true
		inc.Broadcast = true
	}
	if err := tx.UpdateIncident(ctx, inc); err != nil {
		return 0, fmt.Errorf("update incident %s: %w", inc.Key, err)
	}
	stage[inc.Key] = inc.clone()
	log.Info("incident changed", "status", inc.Status, "changes", changeKinds(changes), "alerts_firing", inc.Firing())

	// While the parent has not been posted, it will show the latest state
	// when it is: no reply, no update needed.
	if _, err := tx.FindPendingOp(ctx, inc.Key, inc.Generation, OpPostParent); err == nil {
		return 0, nil
	} else if !errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("find pending post: %w", err)
	}
	n := 0
	// One reply per run of changes from one source, so that each reply of
	// a correlated incident reports (and can be split off by) one source.
	for len(changes) > 0 {
		run := 1
		for run < len(changes) && changes[run].Member == changes[0].Member {
			run++
		}
		k, err := b.queueReply(ctx, tx, inc, changes[:run], broadcast && run == len(changes))
		if err != nil {
			return 0, err
		}
		n += k
		changes = changes[run:]
	}
	queued, err := b.queueParentUpdate(ctx, tx, inc.Key, inc.Generation, inc.Thread.Channel)
	if err != nil {
		return 0, err
	}
	if queued {
		n++
	}
	return n, nil
}

// queueReply merges changes (all from one source) into the incident's
// pending reply when that reports the same source, or queues a new reply;
// it returns how many ops it queued (0 or 1).
func (b *Bot) queueReply(ctx context.Context, tx Tx, inc *Incident, changes []Change, broadcast bool) (int, error) {
	member, source := changes[0].Member, changes[0].Source
	reply, err := tx.FindPendingOp(ctx, inc.Key, inc.Generation, OpReply)
	var p ReplyPayload
	switch {
	case err == nil:
		if err := json.Unmarshal(reply.Payload, &p); err != nil {
			return 0, fmt.Errorf("decode pending reply %d: %w", reply.ID, err)
		}
		if p.Member != member {
			break // the newest reply reports another source: keep the order
		}
		p.add(changes)
		p.Broadcast = p.Broadcast || broadcast
		if reply.Payload, err = json.Marshal(p); err != nil {
			return 0, fmt.Errorf("encode reply: %w", err)
		}
		if err := tx.UpdateOp(ctx, reply); err != nil {
			return 0, fmt.Errorf("merge reply %d: %w", reply.ID, err)
		}
		return 0, nil
	case !errors.Is(err, ErrNotFound):
		return 0, fmt.Errorf("find pending reply: %w", err)
	}
	p = ReplyPayload{Broadcast: broadcast, Member: member, Source: source}
	p.add(changes)
	payload, err := json.Marshal(p)
	if err != nil {
		return 0, fmt.Errorf("encode reply: %w", err)
	}
	op := &Op{IncidentKey: inc.Key, Generation: inc.Generation, Kind: OpReply, Channel: inc.Thread.Channel, Payload: payload}
	if err := b.enqueue(ctx, tx, op); err != nil {
		return 0, err
	}
	return 1, nil
}

// queueParentUpdate queues an update of the parent message of generation of
// key unless one is already pending (which absorbs this one); it reports
// whether it queued one.
func (b *Bot) queueParentUpdate(ctx context.Context, tx Tx, key string, generation int, channel string) (bool, error) {
	_, err := tx.FindPendingOp(ctx, key, generation, OpUpdateParent)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return false, fmt.Errorf("find pending update: %w", err)
	}
	op := &Op{IncidentKey: key, Generation: generation, Kind: OpUpdateParent, Channel: channel}
	if err := b.enqueue(ctx, tx, op); err != nil {
		return false, err
	}
	return true, nil
}

func (p *ReplyPayload) add(changes []Change) {
	for _, c := range changes {
		if len(p.Changes) >= maxChanges {
			p.Dropped++
			continue
		}
		p.Changes = append(p.Changes, c)
	}
}

func changeKinds(cs []Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c.Kind)
	}
	return out
}

func (b *Bot) enqueue(ctx context.Context, tx Tx, op *Op) error {
	now := b.now()
	op.State = OpPending
	op.CreatedAt = now
	op.NextAttemptAt = now
	if err := tx.EnqueueOp(ctx, op); err != nil {
		return fmt.Errorf("enqueue %s for %s: %w", op.Kind, op.IncidentKey, err)
	}
	return nil
}

// route picks the channel for a new incident: the first matching route, else
// the owning team's channel, else the default channel.
func (b *Bot) route(inc *Incident) string {
	labels := routeLabels(inc)
	for _, r := range b.opt.Routes {
		if r.matches(labels) {
			return r.Channel
		}
	}
	if b.linker != nil {
		if ch := b.linker.TeamChannel(labels, inc.AlertNames()); ch != "" {
			return ch
		}
	}
	return b.opt.Channel
}

// routeLabels are the labels routes match against: the group's common labels,
// plus severity, plus labels every alert agrees on.
func routeLabels(inc *Incident) map[string]string {
	labels := cloneMap(inc.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	if _, ok := labels["severity"]; !ok && inc.Severity != "" {
		labels["severity"] = string(inc.Severity)
	}
	if len(inc.Alerts) > 0 {
		keys := make([]string, 0, len(inc.Alerts[0].Labels))
		for k := range inc.Alerts[0].Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	next:
		for _, k := range keys {
			if _, ok := labels[k]; ok {
				continue
			}
			v := inc.Alerts[0].Labels[k]
			for _, a := range inc.Alerts[1:] {
				if a.Labels[k] != v {
					continue next
				}
			}
			labels[k] = v
		}
	}
	return labels
}

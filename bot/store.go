package bot

import (
	"context"
	"errors"
	"time"
)

// Store errors. Implementations return these (possibly wrapped) so the bot can
// tell "not there" and "try again later" from real failures.
var (
	// ErrNotFound: no incident, generation or op matches.
	ErrNotFound = errors.New("bot: not found")
	// ErrConflict: a create met an existing row, or an update carried a stale
	// Version (another replica changed the incident first).
	ErrConflict = errors.New("bot: conflict")
	// ErrBusy: the store could not take the write lock in time; the bot
	// answers ErrOverloaded so the sender retries.
	ErrBusy = errors.New("bot: store busy")
)

// Store persists incidents, thread mapping, processed deliveries and the
// outbox of Slack operations. Every change goes through Update, so that a
// webhook's whole effect (incident state, outbox ops, delivery record) commits
// or fails as one.
type Store interface {
	// Update runs fn in one write transaction and commits if fn returns nil.
	// It returns fn's error, or ErrBusy when the write lock could not be taken
	// before ctx ended.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction, which need not wait for the
	// writer. fn must not write.
	View(ctx context.Context, fn func(Tx) error) error
	// Ping reports whether the store takes writes: it commits a small
	// write (a probe row), so a read-only or full disk or a lock held too
	// long fails it where a read would pass. /readyz uses it.
	Ping(ctx context.Context) error
	// Close releases the store. Pending Update calls fail.
	Close() error
}

// Tx is the view of the store inside one Update transaction.
type Tx interface {
	// SeenDelivery reports whether a delivery from source was already
	// recorded with the same id (when id != "") or the same content key
	// (when contentKey != "").
	SeenDelivery(ctx context.Context, source, id, contentKey string) (bool, error)
	// RecordDelivery remembers a processed delivery. It returns ErrConflict
	// when SeenDelivery would have reported it.
	RecordDelivery(ctx context.Context, source, id, contentKey string, at time.Time) error
	// Prune forgets what is older than before: incident generations
	// resolved before it with nothing left to send (with their threads and
	// ops), deliveries received before it, done or failed ops created
	// before it, and Ping's probe rows of replicas not seen since. It
	// returns how many rows went.
	Prune(ctx context.Context, before time.Time) (int, error)

	// FindIncident returns the latest generation of the incident with key,
	// or ErrNotFound.
	FindIncident(ctx context.Context, key string) (*Incident, error)
	// FindGeneration returns one generation of an incident, or ErrNotFound.
	FindGeneration(ctx context.Context, key string, generation int) (*Incident, error)
	// CreateIncident stores a new incident generation with its thread
	// mapping (channel, TS possibly ""), with Version 1. It returns
	// ErrConflict if key and generation exist.
	CreateIncident(ctx context.Context, inc *Incident) error
	// UpdateIncident stores inc if the stored Version equals inc.Version,
	// and bumps inc.Version. ErrConflict on a stale version, ErrNotFound if
	// the generation does not exist.
	UpdateIncident(ctx context.Context, inc *Incident) error
	// SetThreadTS records where the parent message landed: the channel ID
	// Slack reported and the message's timestamp.
	SetThreadTS(ctx context.Context, key string, generation int, channelID, ts string) error
	// FindLinks returns the stored links among keys, by key. In a write
	// transaction of a store shared by replicas it first locks the keys
	// (all at once, in a fixed order), so that replicas correlating the same
	// source or key take turns and the later sees the earlier's links.
	FindLinks(ctx context.Context, keys []string) (map[string]IncidentLink, error)
	// SetLink stores l when the stored link with its key points at
	// incident prev ("" for no link: create it). ErrConflict when it does
	// not: another writer linked the key first; the key's primary key makes
	// this hold across replicas.
	SetLink(ctx context.Context, l IncidentLink, prev string) error
	// FindThread returns the incident generation whose parent message is
	// ts in channel (a channel ID), or ErrNotFound.
	FindThread(ctx context.Context, channel, ts string) (*Incident, error)
	// ListIncidents returns incidents not resolved (all if open is false),
	// newest first, at most limit.
	ListIncidents(ctx context.Context, open bool, limit int) ([]*Incident, error)
	// ListSilenced returns incident generations that carry a silence
	// (Silence.ID set), least recently updated first, at most limit: the
	// silence watcher's work.
	ListSilenced(ctx context.Context, limit int) ([]*Incident, error)

	// EnqueueOp appends op to the outbox and sets op.ID.
	EnqueueOp(ctx context.Context, op *Op) error
	// FindPendingOp returns the newest op of kind for the incident generation
	// in state OpPending (not OpSending), or ErrNotFound. The bot merges new
	// changes into it instead of queueing another.
	FindPendingOp(ctx context.Context, key string, generation int, kind OpKind) (*Op, error)
	// UpdateOp stores op's state, payload, attempts, next attempt, error and
	// MaybeSent: a merge into a pending op, or a worker recording the
	// outcome of an op it claimed. It never claims: an op in OpSending is
	// refused (use ClaimOp), because a claim must not write back a copy
	// read before it.
	UpdateOp(ctx context.Context, op *Op) error
	// ClaimOp marks op id OpSending for the caller's worker, but only while
	// the op is as the worker read it in ReadyOps: pending with
	// NextAttemptAt equal to due (not claimed, retried or finished since),
	// or, in a store with leases, sending under a lease that ran out. It
	// returns the op as stored after the claim (payload, MaybeSent), so the
	// worker sends what was merged into the op after its read. ErrConflict
	// when the op moved on, which is a lost race, not a failure; ErrNotFound
	// when there is no such op. A refused claim leaves the transaction
	// usable.
	ClaimOp(ctx context.Context, id int64, due time.Time) (*Op, error)
	// ReadyOps returns pending ops due at or before now that are at the head
	// of their incident generation's queue (no earlier op is pending or
	// sending), oldest due first, at most limit.
	ReadyOps(ctx context.Context, now time.Time, limit int) ([]*Op, error)
	// NextDue returns when the next op may become ready, on the caller's
	// clock now: the earliest NextAttemptAt among head-of-queue pending ops
	// and, in a store with leases, the earliest lease expiry of an op
	// another worker holds in OpSending (it is taken over then, should that
	// worker have died). False when there is none.
	NextDue(ctx context.Context, now time.Time) (time.Time, bool, error)
	// StaleParents returns incident generations not resolved whose parent
	// message was posted (thread TS set) and has no parent op (post or
	// update) pending, sending, or queued at or after before: parents whose
	// "open for" has gone stale. At most limit, least recently updated
	// first.
	StaleParents(ctx context.Context, before time.Time, limit int) ([]*Incident, error)
	// CountOps counts ops in a state.
	CountOps(ctx context.Context, state OpState) (int, error)
	// Stats reads the figures the bot's metrics export.
	Stats(ctx context.Context) (Stats, error)
	// ListOps returns every op of an incident key, oldest first (review
	// drafts read the replies' changes; tests, debugging).
	ListOps(ctx context.Context, key string) ([]*Op, error)
	// RetryNow makes pending ops to channel that wait out a backoff after
	// failed attempts due at now, and returns how many: Slack answers
	// again, so the queue drains at once instead of when each backoff ends.
	RetryNow(ctx context.Context, channel string, now time.Time) (int, error)
	// RecoverOps moves ops left in OpSending by a stopped process back to
	// OpPending with MaybeSent set, and returns how many.
	RecoverOps(ctx context.Context) (int, error)
}

// IncidentLink says which incident a source or a correlation key belongs to
// (correlate.go).
type IncidentLink struct {
	Key      string // "source/{event key}", "dedup/{key}", "incident/{name}", "labels/{name=value…}"
	Incident string // the incident's key
	Via      string // for a source's link: how it joined ("" for its own incident, "split" once split off)
	At       time.Time
}

// Leaser is implemented by a Store whose claims on ops expire (Postgres,
// shared by replicas): while a Slack call is in flight, the outbox renews
// its claim every third of Lease, so only a dead replica's ops are taken
// over, and a short lease lets that happen soon.
type Leaser interface {
	// Lease is how long a claim holds without renewal.
	Lease() time.Duration
	// RenewLeases extends the claims this replica holds on ops ids.
	RenewLeases(ctx context.Context, ids []int64) error
}

// Stats are the store's figures for monitoring, every replica's together.
type Stats struct {
	Unfinished int            // ops pending or sending
	Oldest     time.Time      // CreatedAt of the oldest of them; zero when there is none
	Open       map[string]int // incidents not resolved, by source
}

// OpKind is what an outbox op does in Slack.
type OpKind string

// Outbox op kinds.
const (
	OpPostParent   OpKind = "post_parent"   // chat.postMessage: the incident's parent message
	OpReply        OpKind = "reply"         // chat.postMessage in the thread: what changed
	OpUpdateParent OpKind = "update_parent" // chat.update of the parent to the current state
)

// OpState is where an op is in its life.
type OpState string

// Outbox op states.
const (
	OpPending OpState = "pending" // waiting to be sent (maybe after a retry delay)
	OpSending OpState = "sending" // claimed by a worker; the Slack call may be in flight
	OpDone    OpState = "done"
	OpFailed  OpState = "failed" // permanent error, superseded or past MaxAge; kept for inspection
)

// Op is one durable Slack operation for an incident generation.
type Op struct {
	ID            int64
	IncidentKey   string
	Generation    int
	Kind          OpKind
	Channel       string
	Payload       []byte // JSON ReplyPayload for OpReply; empty otherwise (parents render the latest state)
	State         OpState
	Attempts      int
	NextAttemptAt time.Time
	CreatedAt     time.Time
	// MaybeSent says an earlier attempt may have reached Slack (the process
	// stopped or the call timed out mid-flight), so the worker looks for the
	// message before posting again.
	MaybeSent bool
	LastError string
	SlackTS   string // the ts Slack gave the message, once done
}

// ReplyPayload is the content of an OpReply: the changes it reports, merged
// while the op waits.
type ReplyPayload struct {
	Changes   []Change `json:"changes"`
	Dropped   int      `json:"dropped,omitempty"` // changes beyond the cap, counted not kept
	Broadcast bool     `json:"broadcast,omitempty"`
	// Member is the key of the incident member every change came from,
	// Source its source: a correlated incident's replies say which source
	// they report, and a reply can be split off by it.
	Member string `json:"member,omitempty"`
	Source string `json:"source,omitempty"`
}

package bot

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"
)

// stageBot is a Bot for testing one outbox stage alone.
func stageBot(t *testing.T, opt Options) *Bot {
	t.Helper()
	if opt.Store == nil {
		opt.Store = nopStore{}
	}
	if opt.Poster == nil {
		opt.Poster = &scriptPoster{}
	}
	b, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	b.buckets, b.failing = map[string]*bucket{}, map[string]bool{}
	b.rnd = func() float64 { return 1 } // backoff without jitter
	return b
}

// nopStore satisfies Store for stages that do not touch it.
type nopStore struct{ Store }

func TestLimit(t *testing.T) {
	op := func(id int64, ch string) *Op { return &Op{ID: id, Channel: ch} }
	tests := []struct {
		name     string
		burst    int
		room     int
		paused   string // a channel under Retry-After for 2s
		ops      []*Op
		wantIDs  []int64
		wantWait time.Duration
	}{
		{"nothing ready", 1, 4, "", nil, nil, idle},
		{"one per channel at burst 1", 1, 4, "", []*Op{op(1, "#a"), op(2, "#a"), op(3, "#b")}, []int64{1, 3}, time.Second},
		{"burst lets several through", 2, 4, "", []*Op{op(1, "#a"), op(2, "#a"), op(3, "#a")}, []int64{1, 2}, time.Second},
		{"room caps the batch", 5, 2, "", []*Op{op(1, "#a"), op(2, "#b"), op(3, "#c")}, []int64{1, 2}, idle},
		{"paused channel waits out Retry-After", 1, 4, "#a", []*Op{op(1, "#a"), op(2, "#b")}, []int64{2}, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := stageBot(t, Options{ChannelRate: 1, ChannelBurst: tt.burst})
			if tt.paused != "" {
				b.pauseChannel(tt.paused, at0.Add(2*time.Second))
			}
			batch, wait := b.limit(tt.ops, tt.room, at0)
			var ids []int64
			for _, op := range batch {
				ids = append(ids, op.ID)
			}
			if !slices.Equal(ids, tt.wantIDs) || wait != tt.wantWait {
				t.Errorf("limit = %v, wait %v; want %v, wait %v", ids, wait, tt.wantIDs, tt.wantWait)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name        string
		kind        OpKind
		channel     string
		age         time.Duration
		err         error
		wantState   OpState
		wantNext    time.Duration // after now; -1: unchanged
		wantAtt     int
		wantDone    bool
		wantRetry   bool
		wantChannel string
		wantProblem bool
	}{
		{name: "sent", kind: OpReply, err: nil, wantState: OpDone, wantNext: -1, wantDone: true},
		{name: "rate limited: wait as told, no attempt counted", kind: OpReply,
			err: &PostError{Code: "ratelimited", RetryAfter: 3 * time.Second, Temporary: true}, wantState: OpPending, wantNext: 3 * time.Second},
		{name: "5xx: backoff, retry", kind: OpReply, age: time.Hour,
			err: &PostError{Code: "500", Temporary: true}, wantState: OpPending, wantNext: time.Second, wantAtt: 1, wantRetry: true},
		{name: "5xx past max age: given up", kind: OpReply, age: 25 * time.Hour,
			err: &PostError{Code: "500", Temporary: true}, wantState: OpFailed, wantNext: -1, wantAtt: 1, wantDone: true},
		{name: "stopping mid-call: pending, may have been sent", kind: OpReply,
			err: context.Canceled, wantState: OpPending, wantNext: -1},
		{name: "routed channel gone: parent goes to the default channel", kind: OpPostParent, channel: "#team",
			err: &PostError{Code: "channel_not_found"}, wantState: OpPending, wantNext: 0, wantChannel: "#ops", wantProblem: true},
		{name: "bad token: failed and reported", kind: OpReply,
			err: &PostError{Code: "invalid_auth"}, wantState: OpFailed, wantNext: -1, wantDone: true, wantProblem: true},
		{name: "refused content of a reply: failed, not a standing problem", kind: OpReply,
			err: &PostError{Code: "invalid_blocks"}, wantState: OpFailed, wantNext: -1, wantDone: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := stageBot(t, Options{Channel: "#ops"})
			ch := tt.channel
			if ch == "" {
				ch = "#ops"
			}
			op := &Op{ID: 1, Kind: tt.kind, Channel: ch, State: OpSending, CreatedAt: at0.Add(-tt.age), NextAttemptAt: at0.Add(-time.Minute)}
			before := op.NextAttemptAt
			o := b.decide(result{job: job{op: op, log: slog.New(slog.DiscardHandler)}, err: tt.err}, at0)
			next := op.NextAttemptAt.Sub(at0)
			if tt.wantNext < 0 && !op.NextAttemptAt.Equal(before) {
				t.Errorf("next attempt moved to %v, want unchanged", next)
			}
			if tt.wantNext >= 0 && next != tt.wantNext {
				t.Errorf("next attempt in %v, want %v", next, tt.wantNext)
			}
			if op.State != tt.wantState || op.Attempts != tt.wantAtt || o.done != tt.wantDone || o.retry != tt.wantRetry {
				t.Errorf("state %s attempts %d done %v retry %v; want %s %d %v %v",
					op.State, op.Attempts, o.done, o.retry, tt.wantState, tt.wantAtt, tt.wantDone, tt.wantRetry)
			}
			if tt.wantChannel != "" && op.Channel != tt.wantChannel {
				t.Errorf("channel %s, want %s", op.Channel, tt.wantChannel)
			}
			if got := b.SlackProblem() != nil; got != tt.wantProblem {
				t.Errorf("SlackProblem = %v, want a problem: %v", b.SlackProblem(), tt.wantProblem)
			}
		})
	}
}

// scriptPoster answers PostMessage, UpdateMessage and FindMessage from
// queues of errors (nil: success) and records the messages it got.
type scriptPoster struct {
	post, find []error
	sent       []Message
}

func (p *scriptPoster) next(q *[]error) error {
	if len(*q) == 0 {
		return nil
	}
	err := (*q)[0]
	*q = (*q)[1:]
	return err
}

func (p *scriptPoster) PostMessage(_ context.Context, channel string, msg Message) (string, string, error) {
	if err := p.next(&p.post); err != nil {
		return "", "", err
	}
	p.sent = append(p.sent, msg)
	return "C1", "1.000001", nil
}

func (p *scriptPoster) UpdateMessage(_ context.Context, channel, ts string, msg Message) error {
	if err := p.next(&p.post); err != nil {
		return err
	}
	p.sent = append(p.sent, msg)
	return nil
}

func (p *scriptPoster) FindMessage(context.Context, string, string, Marker, time.Time) (string, string, error) {
	if err := p.next(&p.find); err != nil {
		return "", "", err
	}
	return "C1", "0.000001", nil
}

func TestSend(t *testing.T) {
	full := Message{Text: "full"}
	minimal := Message{Text: "minimal"}
	refused := &PostError{Code: "invalid_blocks"}
	tests := []struct {
		name      string
		kind      OpKind
		maybeSent bool
		noMinimal bool
		post      []error
		find      []error
		wantSent  []string // texts Slack got
		wantFound bool
		wantErr   bool
		wantMin   bool
	}{
		{name: "parent posted", kind: OpPostParent, wantSent: []string{"full"}},
		{name: "parent refused: minimal parent posted", kind: OpPostParent, post: []error{refused}, wantSent: []string{"minimal"}, wantMin: true},
		{name: "update refused: minimal update", kind: OpUpdateParent, post: []error{refused}, wantSent: []string{"minimal"}, wantMin: true},
		{name: "reply refused: no fallback", kind: OpReply, noMinimal: true, post: []error{refused}, wantErr: true},
		{name: "parent refused twice: error", kind: OpPostParent, post: []error{refused, refused}, wantErr: true, wantMin: true},
		{name: "5xx: no fallback", kind: OpPostParent, post: []error{&PostError{Code: "500", Temporary: true}}, wantErr: true},
		{name: "maybe sent and found: not posted again", kind: OpReply, maybeSent: true, noMinimal: true, wantFound: true},
		{name: "maybe sent, not found: posted", kind: OpReply, maybeSent: true, noMinimal: true, find: []error{ErrNotFound}, wantSent: []string{"full"}},
		{name: "maybe sent, cannot look: posted anyway", kind: OpReply, maybeSent: true, noMinimal: true, find: []error{&PostError{Code: "missing_scope"}}, wantSent: []string{"full"}},
		{name: "maybe sent, look failed for now: retried", kind: OpReply, maybeSent: true, noMinimal: true, find: []error{&PostError{Code: "500", Temporary: true}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &scriptPoster{post: tt.post, find: tt.find}
			b := stageBot(t, Options{Poster: p})
			j := job{op: &Op{ID: 1, Kind: tt.kind, MaybeSent: tt.maybeSent}, msg: full, channel: "C1", parentTS: "0.1", log: slog.New(slog.DiscardHandler)}
			if !tt.noMinimal {
				j.minimal = &minimal
			}
			r := b.send(context.Background(), j)
			var sent []string
			for _, m := range p.sent {
				sent = append(sent, m.Text)
			}
			if len(sent) != len(tt.wantSent) || (len(sent) > 0 && sent[0] != tt.wantSent[0]) {
				t.Errorf("sent %v, want %v", sent, tt.wantSent)
			}
			if (r.err != nil) != tt.wantErr || r.found != tt.wantFound || (r.minimal != nil) != tt.wantMin {
				t.Errorf("result err %v found %v minimal %v; want err %v found %v minimal %v", r.err, r.found, r.minimal, tt.wantErr, tt.wantFound, tt.wantMin)
			}
		})
	}
}

// claimTx is a Tx holding one op and maybe its incident, for claimOne.
type claimTx struct {
	Tx
	op      *Op
	inc     *Incident
	claimed error // ClaimOp's error
	updated *Op
}

func (tx *claimTx) ClaimOp(context.Context, int64, time.Time) (*Op, error) {
	if tx.claimed != nil {
		return nil, tx.claimed
	}
	op := *tx.op
	op.State = OpSending
	return &op, nil
}

func (tx *claimTx) FindGeneration(context.Context, string, int) (*Incident, error) {
	if tx.inc == nil {
		return nil, ErrNotFound
	}
	return tx.inc, nil
}

func (tx *claimTx) UpdateOp(_ context.Context, op *Op) error {
	tx.updated = op
	return nil
}

func TestClaimOne(t *testing.T) {
	posted := &Incident{Key: "k", Generation: 1, Thread: Thread{Channel: "C1", TS: "1.1"}}
	unposted := &Incident{Key: "k", Generation: 1, Thread: Thread{Channel: "#ops"}}
	tests := []struct {
		name      string
		kind      OpKind
		inc       *Incident
		claimed   error
		wantErr   error
		wantState OpState
		wantStore bool // the failure is stored
	}{
		{name: "claimed", kind: OpReply, inc: posted, wantState: OpSending},
		{name: "parent post before the thread exists", kind: OpPostParent, inc: unposted, wantState: OpSending},
		{name: "lost race", kind: OpReply, inc: posted, claimed: ErrConflict, wantErr: ErrConflict},
		{name: "op gone", kind: OpReply, inc: posted, claimed: ErrNotFound, wantErr: ErrNotFound},
		{name: "reply without a parent: failed", kind: OpReply, inc: unposted, wantState: OpFailed, wantStore: true},
		{name: "incident gone: failed", kind: OpUpdateParent, wantState: OpFailed, wantStore: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := stageBot(t, Options{})
			tx := &claimTx{op: &Op{ID: 7, IncidentKey: "k", Generation: 1, Kind: tt.kind, State: OpPending}, inc: tt.inc, claimed: tt.claimed}
			op, _, err := b.claimOne(context.Background(), tx, tx.op)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if op.State != tt.wantState || (tx.updated != nil) != tt.wantStore {
				t.Errorf("state %s, stored %v; want %s, stored %v", op.State, tx.updated != nil, tt.wantState, tt.wantStore)
			}
		})
	}
}

package bot

import (
	"context"
	"sync"
)

// Receipt records what Accept did with the deliveries of one request: the
// incident keys they touched, for the request's log line, and how many were
// duplicates, for the webhook metrics. The HTTP front puts one in each
// request's context with WithReceipt; Accept fills it. It is safe for
// concurrent use.
type Receipt struct {
	mu         sync.Mutex
	keys       []string
	duplicates int
}

type receiptKey struct{}

// WithReceipt returns ctx carrying a new Receipt, and the Receipt.
func WithReceipt(ctx context.Context) (context.Context, *Receipt) {
	r := &Receipt{}
	return context.WithValue(ctx, receiptKey{}, r), r
}

// ReceiptFrom returns the Receipt in ctx, or nil.
func ReceiptFrom(ctx context.Context) *Receipt {
	r, _ := ctx.Value(receiptKey{}).(*Receipt)
	return r
}

// Keys returns the incident keys noted so far, in order.
func (r *Receipt) Keys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.keys...)
}

// Duplicates returns how many deliveries were recognised as already seen.
func (r *Receipt) Duplicates() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.duplicates
}

// noteKeys records incident keys on the request in ctx, if any.
func noteKeys(ctx context.Context, keys []string) {
	if r := ReceiptFrom(ctx); r != nil {
		r.mu.Lock()
		r.keys = append(r.keys, keys...)
		r.mu.Unlock()
	}
}

// noteDuplicate records a duplicate delivery on the request in ctx, if any.
func noteDuplicate(ctx context.Context) {
	if r := ReceiptFrom(ctx); r != nil {
		r.mu.Lock()
		r.duplicates++
		r.mu.Unlock()
	}
}

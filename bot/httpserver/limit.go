package httpserver

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// reserveConns is how many connections are accepted beyond the cap; they
// serve only the probe paths and close after one answer, so that /healthz
// does not queue behind webhooks (issue 13: 1,500 idle connections against a
// 1,024 open-file limit took /healthz and webhooks down).
const reserveConns = 16

// idleGrace is how long a connection may sit without a request in progress
// (never having sent a byte, or idle between keep-alive requests) before it
// may be closed to make room for a new one once the cap is reached. A real
// client sends its request within milliseconds of connecting.
const idleGrace = time.Second

// limitListener holds at most max connections for normal serving plus
// reserveConns for probes. When full it first closes the longest-idle
// connection idle for at least grace; when none is, Accept waits (further
// connections wait in the kernel's backlog, costing no file descriptor).
type limitListener struct {
	net.Listener
	max   int
	grace time.Duration

	mu      sync.Mutex
	conns   map[*limitConn]struct{}
	evicted int64
	freed   chan struct{} // signalled when a connection goes
	closed  chan struct{}
	once    sync.Once
}

func newLimitListener(inner net.Listener, max int) *limitListener {
	return &limitListener{
		Listener: inner, max: max, grace: idleGrace,
		conns: map[*limitConn]struct{}{}, freed: make(chan struct{}, 1), closed: make(chan struct{}),
	}
}

// limitConn is a connection counted by its listener.
type limitConn struct {
	net.Conn
	l        *limitListener
	overflow bool // accepted beyond the cap: probes only
	once     sync.Once
	// idleSince (guarded by l.mu) is when the connection last had no
	// request in progress; zero while one is.
	idleSince time.Time
}

// Accept waits for room, then accepts a connection; beyond max it is marked
// overflow.
func (l *limitListener) Accept() (net.Conn, error) {
	if err := l.waitRoom(); err != nil {
		return nil, err
	}
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	var victim *limitConn
	if len(l.conns) >= l.max {
		// Rather a fresh client in the normal pool than a dormant one.
		victim = l.evictLocked(time.Now())
	}
	lc := &limitConn{Conn: c, l: l, overflow: len(l.conns) >= l.max, idleSince: time.Now()}
	l.conns[lc] = struct{}{}
	l.mu.Unlock()
	if victim != nil {
		victim.Close()
	}
	return lc, nil
}

// waitRoom returns once fewer than max+reserveConns connections are open,
// closing an idle one if that makes room.
func (l *limitListener) waitRoom() error {
	for {
		l.mu.Lock()
		if len(l.conns) < l.max+reserveConns {
			l.mu.Unlock()
			return nil
		}
		now := time.Now()
		victim := l.evictLocked(now)
		wait := l.grace
		for c := range l.conns {
			if !c.idleSince.IsZero() {
				wait = min(wait, max(c.idleSince.Add(l.grace).Sub(now), time.Millisecond))
			}
		}
		l.mu.Unlock()
		if victim != nil {
			victim.Close()
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-l.freed:
		case <-t.C:
		case <-l.closed:
			t.Stop()
			return net.ErrClosed
		}
		t.Stop()
	}
}

// evictLocked forgets the connection idle longest, if idle for at least
// grace, and returns it for the caller to close after unlocking.
func (l *limitListener) evictLocked(now time.Time) *limitConn {
	var victim *limitConn
	for c := range l.conns {
		if c.idleSince.IsZero() || now.Sub(c.idleSince) < l.grace {
			continue
		}
		if victim == nil || c.idleSince.Before(victim.idleSince) {
			victim = c
		}
	}
	if victim != nil {
		delete(l.conns, victim)
		l.evicted++
	}
	return victim
}

// track is the http.Server's ConnState hook: it keeps idleSince current.
func (l *limitListener) track(c net.Conn, st http.ConnState) {
	lc, ok := c.(*limitConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch st {
	case http.StateIdle:
		lc.idleSince = time.Now()
	case http.StateActive, http.StateHijacked:
		lc.idleSince = time.Time{}
	}
}

func (l *limitListener) release(c *limitConn) {
	l.mu.Lock()
	_, ok := l.conns[c]
	delete(l.conns, c)
	l.mu.Unlock()
	if ok {
		select {
		case l.freed <- struct{}{}:
		default:
		}
	}
}

func (l *limitListener) stats() (open int, evicted int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns), l.evicted
}

// Close stops Accept, including one waiting for room.
func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// Close releases the connection's place, once.
func (c *limitConn) Close() error {
	c.once.Do(func() { c.l.release(c) })
	return c.Conn.Close()
}

type connKey struct{}

// withConn is the http.Server's ConnContext hook: handlers find the
// connection (and whether it is overflow) in the request context.
func withConn(ctx context.Context, c net.Conn) context.Context {
	if lc, ok := c.(*limitConn); ok {
		return context.WithValue(ctx, connKey{}, lc)
	}
	return ctx
}

func connFrom(ctx context.Context) *limitConn {
	lc, _ := ctx.Value(connKey{}).(*limitConn)
	return lc
}

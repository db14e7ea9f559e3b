// Package httpserver is the bot's HTTP front: it serves the webhook adapters,
// the Slack endpoints, /healthz, /readyz and /metrics, logs every request
// with the incident keys it touched, and caps the connections it holds open
// so that health checks still answer when the cap is reached.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/compasshq/compass/bot"
)

// DefaultMaxConnections is the connection cap when Options leave it zero:
// well under the usual 1,024 open-file limit, leaving room for the store,
// Slack calls and the reserve kept for probes.
const DefaultMaxConnections = 512

// Options configure the bot's HTTP server.
type Options struct {
	Addr   string // listen address, "127.0.0.1:8080"; port 0 picks a free port
	Logger *slog.Logger
	// Ready reports whether the bot can take work (store writable, Slack
	// answering, handbook map loaded); /readyz answers 503 with its error
	// otherwise.
	Ready func(ctx context.Context) error
	// ReadyEvery is how often Ready may run: /readyz requests within it of
	// the last run share its answer, so a flood of probes cannot turn into
	// a flood of store writes. Default 1s; negative runs Ready every time.
	ReadyEvery time.Duration
	// Metrics, when set, is served at GET /metrics.
	Metrics http.Handler
	// MaxConnections caps the connections served at once; default
	// DefaultMaxConnections. A few more are accepted for /healthz, /readyz
	// and /metrics only (see limit.go).
	MaxConnections int
	// ShutdownTimeout bounds the graceful shutdown; default 10s.
	ShutdownTimeout time.Duration
}

// Server is the bot's HTTP front: webhook adapters, Slack endpoints, health.
// It logs every request with slog, with the incident keys it touched.
type Server struct {
	opt Options
	mux *http.ServeMux
	log *slog.Logger

	mu    sync.Mutex
	addr  net.Addr
	ln    *limitListener
	slack map[string]http.Handler // current handlers of slackPatterns

	readyMu  sync.Mutex // held while Ready runs: concurrent probes wait and share
	readyAt  time.Time
	readyErr error
}

// New returns a Server with /healthz, /readyz, /metrics (when
// Options.Metrics is set) and 501 answers for the Slack endpoints until
// they are registered; add the webhook adapters with Handle.
func New(opt Options) *Server {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.ShutdownTimeout == 0 {
		opt.ShutdownTimeout = 10 * time.Second
	}
	if opt.ReadyEvery == 0 {
		opt.ReadyEvery = time.Second
	}
	if opt.MaxConnections <= 0 {
		opt.MaxConnections = DefaultMaxConnections
	}
	s := &Server{opt: opt, mux: http.NewServeMux(), log: opt.Logger, slack: map[string]http.Handler{}}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	s.mux.HandleFunc("GET /readyz", s.readyz)
	if opt.Metrics != nil {
		s.mux.Handle("GET /metrics", opt.Metrics)
	}
	for _, p := range slackPatterns {
		s.slack[p] = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "not implemented: Slack slash commands and interactivity are not wired into this build", http.StatusNotImplemented)
		})
		s.mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			h := s.slack[p]
			s.mu.Unlock()
			h.ServeHTTP(w, r)
		})
	}
	return s
}

// slackPatterns are the Slack endpoints that answer 501 until a handler is
// registered for them.
var slackPatterns = []string{"POST /slack/commands", "POST /slack/interactions"}

// probePaths are served even on a connection accepted beyond the cap, so
// that orchestrators and Prometheus still see the bot.
var probePaths = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// Handle registers h for pattern (net/http ServeMux syntax, "POST /hooks/x").
// The Slack endpoints may be registered once to replace their 501 answers;
// any other pattern must not repeat.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mu.Lock()
	if _, ok := s.slack[pattern]; ok {
		s.slack[pattern] = h
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.mux.Handle(pattern, h)
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.ready(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready:", err)
		return
	}
	fmt.Fprintln(w, "ready")
}

// ready runs Options.Ready at most once per ReadyEvery; calls in between,
// and calls that arrive while it runs, get its answer.
func (s *Server) ready(ctx context.Context) error {
	if s.opt.Ready == nil {
		return nil
	}
	s.readyMu.Lock()
	defer s.readyMu.Unlock()
	if s.opt.ReadyEvery > 0 && !s.readyAt.IsZero() && time.Since(s.readyAt) < s.opt.ReadyEvery {
		return s.readyErr
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	s.readyErr = s.opt.Ready(ctx)
	s.readyAt = time.Now()
	return s.readyErr
}

// ServeHTTP serves the mux with request logging. On a connection accepted
// beyond the cap only the probe paths are served; anything else is told to
// come back (503), and the connection closes after the answer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx, rc := bot.WithReceipt(r.Context())
	r = r.WithContext(ctx)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	if c := connFrom(ctx); c != nil && c.overflow {
		rec.Header().Set("Connection", "close")
		if !probePaths[r.URL.Path] {
			rec.Header().Set("Retry-After", "1")
			http.Error(rec, "connection limit reached; retry later", http.StatusServiceUnavailable)
		} else {
			s.mux.ServeHTTP(rec, r)
		}
	} else {
		s.mux.ServeHTTP(rec, r)
	}
	attrs := []any{
		"method", r.Method, "path", r.URL.Path, "status", rec.status,
		"bytes", rec.bytes, "duration_ms", float64(time.Since(start).Microseconds()) / 1000,
		"remote", r.RemoteAddr,
	}
	switch keys := rc.Keys(); len(keys) {
	case 0:
	case 1:
		attrs = append(attrs, "incident_key", keys[0])
	default:
		attrs = append(attrs, "incident_keys", keys)
	}
	level := slog.LevelInfo
	if probePaths[r.URL.Path] {
		level = slog.LevelDebug
	}
	if rec.status >= 500 {
		level = slog.LevelWarn
	}
	s.log.Log(r.Context(), level, "http request", attrs...)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status = code
		r.wrote = true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(p)
	r.bytes += n
	return n, err
}

// Addr returns the bound address once Serve is listening, else nil.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Connections reports the connections open now and how many idle ones were
// closed to make room since the start, for /metrics.
func (s *Server) Connections() (open int, evicted int64) {
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	if ln == nil {
		return 0, 0
	}
	return ln.stats()
}

// ListenAndServe listens on opt.Addr and serves until ctx ends, then shuts
// down gracefully within ShutdownTimeout. ready, if not nil, is called with
// the bound address once listening (tests listen on port 0).
func (s *Server) ListenAndServe(ctx context.Context, ready func(net.Addr)) error {
	inner, err := net.Listen("tcp", s.opt.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.opt.Addr, err)
	}
	ln := newLimitListener(inner, s.opt.MaxConnections)
	s.mu.Lock()
	s.addr, s.ln = ln.Addr(), ln
	s.mu.Unlock()
	if ready != nil {
		ready(ln.Addr())
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ConnState:         ln.track,
		ConnContext:       withConn,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opt.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

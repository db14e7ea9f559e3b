package httpserver_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/httpserver"
	"github.com/compasshq/compass/bot/slack"
	"github.com/compasshq/compass/bot/slacktest"
	"github.com/compasshq/compass/bot/sqlite"
	"github.com/compasshq/compass/internal/testutil"
)

// start runs srv until the test ends and returns its base URL.
func start(t *testing.T, srv *httpserver.Server) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx, func(a net.Addr) { addrc <- a }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("ListenAndServe: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("server did not shut down")
		}
	})
	select {
	case a := <-addrc:
		return "http://" + a.String()
	case err := <-done:
		t.Fatalf("ListenAndServe: %v", err)
	}
	return ""
}

// do sends one request on a fresh connection.
func do(t *testing.T, method, url string) (int, http.Header, string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequest(method, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// newBot returns a real bot on a SQLite file, posting to the fake Slack.
func newBot(t *testing.T) *bot.Bot {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	fake := slacktest.New(t)
	b, err := bot.New(bot.Options{Store: store, Poster: slack.New(slack.Options{Token: "xoxb-test", APIURL: fake.URL()}), Channel: "#ops"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestServer(t *testing.T) {
	var mu sync.Mutex
	var ready error
	var logs testutil.SyncBuffer
	srv := httpserver.New(httpserver.Options{
		Addr: "127.0.0.1:0", Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Ready: func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			return ready
		},
		Metrics:    http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "compass_up 1\n") }),
		ReadyEvery: -1, // each case sets its own answer
	})
	b := newBot(t)
	srv.Handle("POST /hooks/test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := bot.Delivery{Source: "pagerduty", ID: "s1", Events: []bot.Event{{
			Source: "pagerduty", Key: "pagerduty/SRV", Kind: bot.KindTriggered, Status: bot.StatusFiring,
			Title: "Checkout latency high", At: time.Now(),
		}}}
		if err := b.Accept(r.Context(), d); err != nil {
			http.Error(w, err.Error(), 500)
		}
	}))
	srv.Handle("POST /slack/interactions", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	base := start(t, srv)

	tests := []struct {
		name, method, path string
		setReady           error
		want               int
		body               string
	}{
		{"healthz", "GET", "/healthz", nil, 200, "ok"},
		{"ready", "GET", "/readyz", nil, 200, "ready"},
		{"not ready", "GET", "/readyz", errors.New("handbook map not loaded"), 503, "handbook map not loaded"},
		{"healthz while not ready", "GET", "/healthz", errors.New("x"), 200, "ok"},
		{"metrics", "GET", "/metrics", nil, 200, "compass_up 1"},
		{"slash commands not wired", "POST", "/slack/commands", nil, 501, "not implemented"},
		{"interactions wired", "POST", "/slack/interactions", nil, 202, ""},
		{"wrong method", "GET", "/hooks/test", nil, 405, ""},
		{"hook", "POST", "/hooks/test", nil, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			ready = tt.setReady
			mu.Unlock()
			code, _, body := do(t, tt.method, base+tt.path)
			if code != tt.want || !strings.Contains(body, tt.body) {
				t.Errorf("%s %s = %d %q, want %d containing %q", tt.method, tt.path, code, body, tt.want, tt.body)
			}
		})
	}
	if !strings.Contains(logs.String(), `"path":"/hooks/test","status":200`) || !strings.Contains(logs.String(), `"incident_key":"pagerduty/SRV"`) {
		t.Errorf("request log lacks the hook request with its incident key:\n%s", logs.String())
	}
}

// TestReadyzShared: a flood of /readyz requests runs Ready (a store write)
// once per ReadyEvery, not once per request.
func TestReadyzShared(t *testing.T) {
	var calls atomic.Int32
	srv := httpserver.New(httpserver.Options{Addr: "127.0.0.1:0", ReadyEvery: time.Hour,
		Ready: func(context.Context) error {
			calls.Add(1)
			time.Sleep(50 * time.Millisecond) // a commit
			return errors.New("store read-only")
		}})
	base := start(t, srv)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if code, _, body := do(t, "GET", base+"/readyz"); code != 503 || !strings.Contains(body, "store read-only") {
				t.Errorf("/readyz = %d %q, want 503 with the shared answer", code, body)
			}
		})
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("Ready ran %d times for 20 requests within ReadyEvery, want 1", n)
	}
}

// TestConnectionCapIdle pins issue 13 item 6: more idle connections than the
// cap (1,500 against a 1,024 open-file limit took /healthz and webhooks
// down). The server never holds more than the cap plus its probe reserve,
// /healthz answers, and a webhook gets an answer, not a failure.
func TestConnectionCapIdle(t *testing.T) {
	const capConns = 4
	srv := httpserver.New(httpserver.Options{Addr: "127.0.0.1:0", MaxConnections: capConns})
	srv.Handle("POST /hooks/test", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	base := start(t, srv)
	addr := strings.TrimPrefix(base, "http://")
	var idle []net.Conn
	t.Cleanup(func() {
		for _, c := range idle {
			c.Close()
		}
	})
	for range 3 * (capConns + 16) {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("dial idle connection: %v", err)
		}
		idle = append(idle, c)
	}
	time.Sleep(100 * time.Millisecond) // let the server accept what it will
	if open, _ := srv.Connections(); open > capConns+16 {
		t.Errorf("server holds %d connections, want at most %d", open, capConns+16)
	}
	if code, _, body := do(t, "GET", base+"/healthz"); code != 200 {
		t.Errorf("/healthz with the cap reached = %d %q, want 200", code, body)
	}
	if code, _, body := do(t, "POST", base+"/hooks/test"); code != 200 && code != 503 {
		t.Errorf("webhook with the cap reached = %d %q, want 200 or 503", code, body)
	}
	if open, evicted := srv.Connections(); open > capConns+16 || evicted == 0 {
		t.Errorf("connections open %d (max %d), evicted %d (want > 0)", open, capConns+16, evicted)
	}
}

// TestConnectionCapBusy: with every normal slot serving a slow request, a
// probe still answers on a reserve connection and a webhook is told to retry
// (503 with Retry-After) instead of queueing.
func TestConnectionCapBusy(t *testing.T) {
	const capConns = 3
	srv := httpserver.New(httpserver.Options{Addr: "127.0.0.1:0", MaxConnections: capConns})
	entered, release := make(chan struct{}, capConns), make(chan struct{})
	srv.Handle("POST /hooks/slow", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		entered <- struct{}{}
		<-release
	}))
	srv.Handle("POST /hooks/test", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	base := start(t, srv)
	var wg sync.WaitGroup
	for range capConns {
		wg.Go(func() { do(t, "POST", base+"/hooks/slow") })
	}
	defer wg.Wait()
	defer close(release)
	for range capConns {
		<-entered
	}
	if code, _, body := do(t, "GET", base+"/healthz"); code != 200 {
		t.Errorf("/healthz with every slot busy = %d %q, want 200", code, body)
	}
	code, h, body := do(t, "POST", base+"/hooks/test")
	if code != 503 || h.Get("Retry-After") == "" {
		t.Errorf("webhook with every slot busy = %d (Retry-After %q) %q, want 503 with Retry-After", code, h.Get("Retry-After"), body)
	}
}

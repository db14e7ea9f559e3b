package bot_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
)

func TestServer(t *testing.T) {
	var ready error
	var logs bytes.Buffer
	srv := bot.NewServer(bot.ServerOptions{
		Addr: "127.0.0.1:0", Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Ready: func(context.Context) error { return ready },
	})
	h := newHarness(t, fastOptions())
	srv.Handle("POST /hooks/test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.bot.Accept(r.Context(), pageDelivery("s1", "pagerduty/SRV", bot.KindTriggered, bot.StatusFiring, "", "")); err != nil {
			http.Error(w, err.Error(), 500)
		}
	}))
	srv.Handle("POST /slack/interactions", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx, func(a net.Addr) { addrc <- a }) }()
	base := "http://" + (<-addrc).String()

	get := func(method, path string) (int, string) {
		req, _ := http.NewRequest(method, base+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
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
		{"slash commands not wired", "POST", "/slack/commands", nil, 501, "not implemented"},
		{"interactions wired", "POST", "/slack/interactions", nil, 202, ""},
		{"wrong method", "GET", "/hooks/test", nil, 405, ""},
		{"hook", "POST", "/hooks/test", nil, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ready = tt.setReady
			code, body := get(tt.method, tt.path)
			if code != tt.want || !strings.Contains(body, tt.body) {
				t.Errorf("%s %s = %d %q, want %d containing %q", tt.method, tt.path, code, body, tt.want, tt.body)
			}
		})
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not shut down")
	}
	if !strings.Contains(logs.String(), `"path":"/hooks/test","status":200`) || !strings.Contains(logs.String(), `"incident_key":"pagerduty/SRV"`) {
		t.Errorf("request log lacks the hook request with its incident key:\n%s", logs.String())
	}
}

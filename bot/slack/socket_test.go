package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// recordingHandlers answers commands with their text and records clicks.
type recordingHandlers struct {
	mu     sync.Mutex
	cmds   []url.Values
	clicks chan []byte
}

func (r *recordingHandlers) SocketCommand(_ context.Context, form url.Values) (json.RawMessage, error) {
	r.mu.Lock()
	r.cmds = append(r.cmds, form)
	r.mu.Unlock()
	return json.Marshal(map[string]string{"response_type": "ephemeral", "text": "answer to " + form.Get("text")})
}

func (r *recordingHandlers) SocketInteraction(_ context.Context, payload []byte) error {
	r.clicks <- payload
	return nil
}

// fakeSocketSlack serves apps.connections.open and a Socket Mode WebSocket
// that the test drives: it sends envelopes and reads acknowledgements.
type fakeSocketSlack struct {
	srv   *httptest.Server
	conns chan *websocket.Conn
	auth  chan string
}

func newFakeSocketSlack(t *testing.T) *fakeSocketSlack {
	f := &fakeSocketSlack{conns: make(chan *websocket.Conn, 4), auth: make(chan string, 4)}
	// slack-go dials with Origin https://api.slack.com, which gorilla's
	// default same-origin check would refuse.
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
		select {
		case f.auth <- r.Header.Get("Authorization"):
		default:
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws"})
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		c.WriteJSON(map[string]any{"type": "hello", "num_connections": 1, "connection_info": map[string]any{"app_id": "A1"}})
		f.conns <- c
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// readAck reads messages until the acknowledgement of envelope id.
func readAck(t *testing.T, c *websocket.Conn, id string) map[string]any {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		var msg map[string]any
		if err := c.ReadJSON(&msg); err != nil {
			t.Fatalf("read ack of %s: %v", id, err)
		}
		if msg["envelope_id"] == id {
			return msg
		}
	}
}

func TestSocketModeDispatchesToHandlers(t *testing.T) {
	f := newFakeSocketSlack(t)
	h := &recordingHandlers{clicks: make(chan []byte, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- RunSocket(ctx, SocketOptions{AppToken: "xapp-1-test", BotToken: "xoxb-test", APIURL: f.srv.URL + "/api/", Handlers: h})
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("RunSocket = %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("RunSocket did not stop")
		}
	}()
	var conn *websocket.Conn
	select {
	case conn = <-f.conns:
	case <-time.After(20 * time.Second):
		t.Fatal("no Socket Mode connection")
	}
	defer conn.Close()
	if got := <-f.auth; got != "Bearer xapp-1-test" {
		t.Errorf("apps.connections.open authorization = %q, want the app token", got)
	}

	conn.WriteJSON(map[string]any{
		"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": true,
		"payload": map[string]any{"command": "/compass", "text": "oncall sre", "user_id": "U1", "channel_id": "C1", "response_url": "https://hooks.slack.invalid/1"},
	})
	ack := readAck(t, conn, "env-1")
	var resp struct{ ResponseType, Text string }
	payload, _ := json.Marshal(ack["payload"])
	if err := json.Unmarshal(payload, &struct {
		ResponseType *string `json:"response_type"`
		Text         *string `json:"text"`
	}{&resp.ResponseType, &resp.Text}); err != nil || resp.Text != "answer to oncall sre" || resp.ResponseType != "ephemeral" {
		t.Errorf("ack payload = %s (%v)", payload, err)
	}
	h.mu.Lock()
	if len(h.cmds) != 1 || h.cmds[0].Get("response_url") != "https://hooks.slack.invalid/1" || h.cmds[0].Get("user_id") != "U1" || h.cmds[0].Get("command") != "/compass" {
		t.Errorf("commands = %+v", h.cmds)
	}
	h.mu.Unlock()

	conn.WriteJSON(map[string]any{
		"envelope_id": "env-2", "type": "interactive",
		"payload": map[string]any{
			"type": "block_actions", "user": map[string]any{"id": "U2", "username": "ana"},
			"response_url": "https://hooks.slack.invalid/2",
			"actions":      []map[string]any{{"action_id": "compass_ack", "value": "pagerduty/P1", "action_ts": "1.2"}},
		},
	})
	readAck(t, conn, "env-2")
	select {
	case payload := <-h.clicks:
		var in struct {
			Type    string `json:"type"`
			Actions []struct {
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
			} `json:"actions"`
		}
		if err := json.Unmarshal(payload, &in); err != nil || in.Type != "block_actions" || len(in.Actions) != 1 || in.Actions[0].ActionID != "compass_ack" || in.Actions[0].Value != "pagerduty/P1" {
			t.Errorf("interaction payload = %s (%v)", payload, err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the click never reached the handler")
	}
}

func TestRunSocketNeedsAppToken(t *testing.T) {
	err := RunSocket(context.Background(), SocketOptions{AppToken: "xoxb-wrong", Handlers: &recordingHandlers{}})
	if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
		t.Errorf("RunSocket with a bot token as app token = %v", err)
	}
}

package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot/slash"
	"github.com/gorilla/websocket"
)

// recordingHandlers answers commands with their text and records clicks.
type recordingHandlers struct {
	mu     sync.Mutex
	cmds   []slash.Command
	clicks chan slash.Interaction
}

func (r *recordingHandlers) ServeCommand(_ context.Context, c slash.Command) slash.Response {
	r.mu.Lock()
	r.cmds = append(r.cmds, c)
	r.mu.Unlock()
	return slash.Response{ResponseType: slash.Ephemeral, Text: "answer to " + c.Text}
}

func (r *recordingHandlers) ServeInteraction(_ context.Context, in slash.Interaction) {
	r.clicks <- in
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
	h := &recordingHandlers{clicks: make(chan slash.Interaction, 1)}
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
	payload, _ := json.Marshal(ack["payload"])
	var resp slash.Response
	if err := json.Unmarshal(payload, &resp); err != nil || resp.Text != "answer to oncall sre" || resp.ResponseType != slash.Ephemeral {
		t.Errorf("ack payload = %s (%v)", payload, err)
	}
	h.mu.Lock()
	if len(h.cmds) != 1 || h.cmds[0].ResponseURL != "https://hooks.slack.invalid/1" || h.cmds[0].UserID != "U1" {
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
	case in := <-h.clicks:
		if len(in.Actions) != 1 || in.Actions[0].ActionID != "compass_ack" || in.Actions[0].Value != "pagerduty/P1" || in.User.Username != "ana" {
			t.Errorf("interaction = %+v", in)
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

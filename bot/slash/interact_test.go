package slash

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/pdapi"
	"github.com/compasshq/compass/bot/slack"
	"github.com/compasshq/compass/bot/slacktest"
	"github.com/compasshq/compass/bot/slacktext"
	"github.com/compasshq/compass/bot/sqlite"
)

// fakePagerDuty is an httptest PagerDuty REST API: PUT /incidents/{id}
// answers 200, or the status set with fail.
type fakePagerDuty struct {
	srv  *httptest.Server
	mu   sync.Mutex
	puts []string // "id status"
	fail int
	body string
}

func newFakePagerDuty(t testing.TB) *fakePagerDuty {
	f := &fakePagerDuty{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutPrefix(r.URL.Path, "/incidents/")
		if r.Method != http.MethodPut || !ok || r.Header.Get("Authorization") != "Token token=pd-token" || r.Header.Get("From") != "bot@example.com" {
			http.Error(w, `{"error":{"message":"bad request shape"}}`, http.StatusBadRequest)
			return
		}
		var body struct {
			Incident struct{ Type, Status string } `json:"incident"`
		}
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &body)
		f.mu.Lock()
		f.puts = append(f.puts, id+" "+body.Incident.Status)
		fail, fbody := f.fail, f.body
		f.mu.Unlock()
		if fail != 0 {
			w.WriteHeader(fail)
			io.WriteString(w, fbody)
			return
		}
		io.WriteString(w, `{"incident":{"id":"`+id+`","status":"`+body.Incident.Status+`"}}`)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakePagerDuty) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.puts...)
}

// botRig is a real Bot on SQLite with the fake Slack, and the slash Handler
// wired to it as cmd/compass wires them.
type botRig struct {
	fake  *slacktest.Server
	store *sqlite.Store
	bot   *bot.Bot
	h     *Handler
	pd    *fakePagerDuty
	resp  *capture
	srv   http.Handler
}

func newBotRig(t *testing.T) *botRig {
	t.Helper()
	r := &botRig{fake: slacktest.New(t), pd: newFakePagerDuty(t), resp: newCapture(t)}
	var err error
	r.store, err = sqlite.Open(context.Background(), t.TempDir()+"/bot.db")
	if err != nil {
		t.Fatal(err)
	}
	r.bot, err = bot.New(bot.Options{
		Store: r.store, Poster: slack.New(slack.Options{Token: "xoxb-test", APIURL: r.fake.URL()}),
		Channel: "#ops", ChannelRate: 100, ChannelBurst: 20, BackoffBase: 20 * time.Millisecond,
		BackoffMax: 200 * time.Millisecond, CallTimeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.bot.Run(ctx); close(done) }()
	pd, err := pdapi.New(pdapi.Options{BaseURL: r.pd.srv.URL, Token: "pd-token", From: "bot@example.com", RetryWait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r.h = newTestHandler(t, Options{Incidents: StoreIncidents(r.store), Sink: r.bot, PagerDuty: pd, Now: time.Now})
	r.srv = r.h.InteractionsHandler(Verifier{Secrets: []string{testSecret}})
	t.Cleanup(func() {
		r.h.Wait()
		cancel()
		<-done
		r.store.Close()
	})
	return r
}

// open creates an incident through the bot and waits for its parent.
func (r *botRig) open(t *testing.T, ev bot.Event) slacktest.Message {
	t.Helper()
	if err := r.bot.Accept(context.Background(), bot.Delivery{Source: ev.Source, ID: "open-" + ev.Key, Events: []bot.Event{ev}}); err != nil {
		t.Fatal(err)
	}
	var parent slacktest.Message
	r.fake.WaitFor(t, 20*time.Second, "parent of "+ev.Key, func(s *slacktest.Server) bool {
		for _, m := range s.Parents() {
			if strings.Contains(m.Text, ev.Title) {
				parent = m
				return true
			}
		}
		return false
	})
	return parent
}

// click posts a signed block_actions payload, as Slack does.
func (r *botRig) click(t *testing.T, parent slacktest.Message, actionID, value, actionTS string) {
	t.Helper()
	payload := map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": "U0CLICKER1", "username": "ana", "name": "ana"},
		"team":         map[string]any{"id": "T0001"},
		"channel":      map[string]any{"id": parent.ChannelID},
		"container":    map[string]any{"type": "message", "message_ts": parent.TS, "channel_id": parent.ChannelID},
		"response_url": r.resp.srv.URL + "/actions",
		"trigger_id":   "1.2.3",
		"actions":      []map[string]any{{"action_id": actionID, "block_id": "compass_incident", "value": value, "type": "button", "action_ts": actionTS}},
	}
	data, _ := json.Marshal(payload)
	body := "payload=" + url.QueryEscape(string(data))
	rec := httptest.NewRecorder()
	r.srv.ServeHTTP(rec, signedRequest(t, "/slack/interactions", body, testSecret, time.Now()))
	if rec.Code != http.StatusOK {
		t.Fatalf("click answered %d: %s", rec.Code, rec.Body)
	}
}

func (r *botRig) incident(t *testing.T, key string) *bot.Incident {
	t.Helper()
	inc, err := StoreIncidents(r.store).Find(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func replyWith(parentTS, text string) func(*slacktest.Server) bool {
	return func(s *slacktest.Server) bool {
		for _, m := range s.Replies(parentTS) {
			if strings.Contains(m.Text, text) || strings.Contains(string(m.Blocks), text) {
				return true
			}
		}
		return false
	}
}

func TestAcknowledgeAndResolveAlertmanagerIncident(t *testing.T) {
	r := newBotRig(t)
	key := "alertmanager/ops/{}:{alertname=\"KubeCPUOvercommit\"}"
	parent := r.open(t, bot.Event{
		Source: "alertmanager", Key: key, Kind: bot.KindAlerts, Status: bot.StatusFiring, Title: "KubeCPUOvercommit",
		Severity: bot.SeverityWarning, Alerts: []bot.Alert{{Name: "KubeCPUOvercommit", Fingerprint: "f1", Status: bot.StatusFiring, StartsAt: time.Now()}},
	})
	for _, id := range []string{bot.ActionAcknowledge, bot.ActionResolve} {
		if !strings.Contains(string(parent.Attachments), `"action_id":"`+id+`"`) {
			t.Errorf("parent has no %s button: %s", id, parent.Attachments)
		}
	}
	r.click(t, parent, ActionAcknowledge, key, "1700000001.000001")
	r.fake.WaitFor(t, 20*time.Second, "acknowledged reply", replyWith(parent.TS, "*Acknowledged* by *ana*"))
	r.fake.WaitFor(t, 20*time.Second, "parent updated without Acknowledge", func(s *slacktest.Server) bool {
		for _, m := range s.Parents() {
			if m.TS == parent.TS {
				return m.Updates > 0 && !strings.Contains(string(m.Attachments), `"compass_ack"`) && strings.Contains(string(m.Attachments), `"compass_resolve"`)
			}
		}
		return false
	})
	inc := r.incident(t, key)
	if inc.Status != bot.StatusAcknowledged || inc.Owner != "ana" {
		t.Errorf("after ack: status %s owner %q", inc.Status, inc.Owner)
	}
	// Slack redelivers the same click: nothing more happens.
	r.click(t, parent, ActionAcknowledge, key, "1700000001.000001")
	r.click(t, parent, ActionResolve, key, "1700000002.000001")
	r.fake.WaitFor(t, 20*time.Second, "resolved reply", replyWith(parent.TS, "Resolved"))
	r.h.Wait()
	if inc := r.incident(t, key); inc.Status != bot.StatusResolved {
		t.Errorf("after resolve: status %s", inc.Status)
	}
	if calls := r.pd.calls(); len(calls) != 0 {
		t.Errorf("PagerDuty called for an Alertmanager incident: %v", calls)
	}
	acks := 0
	for _, m := range r.fake.Replies(parent.TS) {
		if strings.Contains(m.Text, "Acknowledged") {
			acks++
		}
	}
	if acks != 1 {
		t.Errorf("%d acknowledged replies, want 1 (the retry must change nothing)", acks)
	}
	// A click on a resolved incident's stale button is explained, not applied.
	r.click(t, parent, ActionAcknowledge, key, "1700000003.000001")
	if got := r.resp.wait(t, 1); !strings.Contains(got.Text, "already resolved") || got.ResponseType != Ephemeral {
		t.Errorf("stale click answer = %+v", got)
	}
	if inc := r.incident(t, key); inc.Status != bot.StatusResolved {
		t.Errorf("a stale ack reopened the incident: %s", inc.Status)
	}
}

func TestAcknowledgePagerDutyIncident(t *testing.T) {
	r := newBotRig(t)
	key := "pagerduty/PABC123"
	parent := r.open(t, bot.Event{Source: "pagerduty", Key: key, Kind: bot.KindTriggered, Status: bot.StatusFiring, Title: "API error rate", Severity: bot.SeverityCritical})
	r.click(t, parent, ActionAcknowledge, key, "1700000001.000001")
	r.fake.WaitFor(t, 20*time.Second, "acknowledged reply", replyWith(parent.TS, "Acknowledged"))
	if got := r.pd.calls(); len(got) != 1 || got[0] != "PABC123 acknowledged" {
		t.Errorf("PagerDuty calls = %v", got)
	}
	r.click(t, parent, ActionResolve, key, "1700000002.000001")
	r.fake.WaitFor(t, 20*time.Second, "resolved reply", replyWith(parent.TS, "Resolved"))
	if got := r.pd.calls(); len(got) != 2 || got[1] != "PABC123 resolved" {
		t.Errorf("PagerDuty calls = %v", got)
	}
}

func TestPagerDutyFailureLeavesThreadAlone(t *testing.T) {
	r := newBotRig(t)
	key := "pagerduty/PDEAD01"
	parent := r.open(t, bot.Event{Source: "pagerduty", Key: key, Kind: bot.KindTriggered, Status: bot.StatusFiring, Title: "Queue backlog", Severity: bot.SeverityWarning})
	r.pd.mu.Lock()
	r.pd.fail, r.pd.body = http.StatusForbidden, `{"error":{"message":"Access Denied","code":2010}}`
	r.pd.mu.Unlock()
	before := len(r.fake.Calls())
	r.click(t, parent, ActionAcknowledge, key, "1700000001.000001")
	got := r.resp.wait(t, 1)
	if got.ResponseType != Ephemeral || !strings.Contains(got.Text, "PagerDuty did not acknowledge") || !strings.Contains(got.Text, "Access Denied") {
		t.Errorf("clicker was told %+v", got)
	}
	r.h.Wait()
	if inc := r.incident(t, key); inc.Status != bot.StatusFiring || inc.Owner != "" {
		t.Errorf("incident changed despite PagerDuty's refusal: %s %q", inc.Status, inc.Owner)
	}
	if n := len(r.fake.Calls()); n != before {
		t.Errorf("Slack got %d more calls after a refused click", n-before)
	}
}

func TestClickOnUnknownIncident(t *testing.T) {
	r := newBotRig(t)
	parent := r.open(t, bot.Event{Source: "pagerduty", Key: "pagerduty/PKNOWN1", Kind: bot.KindTriggered, Status: bot.StatusFiring, Title: "Known"})
	r.click(t, parent, ActionResolve, "pagerduty/PGHOST1", "1700000001.000001")
	if got := r.resp.wait(t, 1); !strings.Contains(got.Text, "no incident") {
		t.Errorf("answer = %+v", got)
	}
	r.h.Wait()
	if _, err := StoreIncidents(r.store).Find(context.Background(), "pagerduty/PGHOST1"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("a click created an incident: %v", err)
	}
	if calls := r.pd.calls(); len(calls) != 0 {
		t.Errorf("PagerDuty called for an unknown incident: %v", calls)
	}
}

func TestShareInChannel(t *testing.T) {
	cap := newCapture(t)
	h := newTestHandler(t, Options{Incidents: sampleIncidents()})
	answer := h.Answer(context.Background(), Command{Command: "/compass", Text: "oncall sre"})
	share := answer.Blocks[len(answer.Blocks)-1]
	btn, ok := share.Elements[0].(slacktext.Button)
	if !ok || btn.ActionID != ActionShare {
		t.Fatalf("last block is not the share button: %+v", share)
	}
	in := Interaction{Type: "block_actions", ResponseURL: cap.srv.URL, Actions: []Action{{ActionID: btn.ActionID, Value: btn.Value, ActionTS: "1.1"}}}
	in.User.ID = "U0SHARER1"
	h.ServeInteraction(context.Background(), in)
	shared := cap.wait(t, 1)
	if shared.ResponseType != InChannel {
		t.Errorf("shared response_type = %q", shared.ResponseType)
	}
	// The same answer, minus the button, plus who shared it.
	if len(shared.Blocks) != len(answer.Blocks) {
		t.Fatalf("shared %d blocks, the answer had %d", len(shared.Blocks), len(answer.Blocks))
	}
	for i := range len(answer.Blocks) - 1 {
		if rawJSON(t, shared.Blocks[i]) != rawJSON(t, answer.Blocks[i]) {
			t.Errorf("block %d differs:\n%s\n%s", i, rawJSON(t, shared.Blocks[i]), rawJSON(t, answer.Blocks[i]))
		}
	}
	if last := rawJSON(t, shared.Blocks[len(shared.Blocks)-1]); !strings.Contains(last, "Shared by <@U0SHARER1>") {
		t.Errorf("last block = %s", last)
	}
	if del := cap.wait(t, 2); !del.DeleteOriginal {
		t.Errorf("second follow-up = %+v, want delete_original", del)
	}
}

func TestInteractionsEndpointRefusesBadRequests(t *testing.T) {
	h := newTestHandler(t, Options{})
	srv := h.InteractionsHandler(Verifier{Secrets: []string{testSecret}})
	now := time.Now()
	good := "payload=" + url.QueryEscape(`{"type":"block_actions","actions":[]}`)
	tests := []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"valid", signedRequest(t, "/slack/interactions", good, testSecret, now), http.StatusOK},
		{"wrong secret", signedRequest(t, "/slack/interactions", good, "nope", now), http.StatusUnauthorized},
		{"stale", signedRequest(t, "/slack/interactions", good, testSecret, now.Add(-6*time.Minute)), http.StatusUnauthorized},
		{"bad json", signedRequest(t, "/slack/interactions", "payload=%7Bnope", testSecret, now), http.StatusBadRequest},
		{"no payload", signedRequest(t, "/slack/interactions", "x=1", testSecret, now), http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, tt.req)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
		})
	}
}

// The Socket Mode transport dispatches to the same Handler.
var _ slack.SocketHandlers = (*Handler)(nil)

func TestSocketAdapters(t *testing.T) {
	h := newTestHandler(t, Options{})
	raw, err := h.SocketCommand(context.Background(), url.Values{"command": {"/compass"}, "text": {"team sre"}})
	if err != nil {
		t.Fatal(err)
	}
	var r Response
	if err := json.Unmarshal(raw, &r); err != nil || r.ResponseType != Ephemeral || r.Text != "Team Site reliability" {
		t.Errorf("SocketCommand = %s (%v)", raw, err)
	}
	if _, err := h.SocketCommand(context.Background(), url.Values{"text": {"x"}}); err == nil {
		t.Error("SocketCommand accepted a form without a command")
	}
	if err := h.SocketInteraction(context.Background(), []byte("{")); err == nil {
		t.Error("SocketInteraction accepted broken JSON")
	}
}

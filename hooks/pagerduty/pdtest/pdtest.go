// Package pdtest is a fake PagerDuty for end-to-end tests: it takes Events
// API v2 requests (what Alertmanager's pagerduty_configs send), keeps one
// incident per dedup key as PagerDuty does, and reports each change as a V3
// webhook signed like PagerDuty's, posted to the bot.
package pdtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/hooks/pagerduty"
)

// Server is the fake. Its Events API is at URL() + "/v2/enqueue".
type Server struct {
	tb      testing.TB
	srv     *httptest.Server
	secret  string
	hookURL func() string // where the next webhook goes
	// Before, when set, runs before each webhook is posted (with the
	// event type): a test holds a webhook back with it to order arrivals.
	Before func(eventType string)

	mu        sync.Mutex
	incidents map[string]*incident // by dedup key
	events    []Event              // Events API requests, in order
	delivered []string             // event types of webhooks the bot accepted
	seq       int
}

// Event is one Events API v2 request as the fake received it.
type Event struct {
	RoutingKey  string `json:"routing_key"`
	EventAction string `json:"event_action"`
	DedupKey    string `json:"dedup_key"`
	Payload     struct {
		Summary  string `json:"summary"`
		Source   string `json:"source"`
		Severity string `json:"severity"`
	} `json:"payload"`
}

type incident struct {
	id, title, status string
	number            int
}

// New starts the fake. Webhooks are signed with secret and posted to the
// URL hookURL returns at the time (a test with several bot replicas may
// spread them).
func New(tb testing.TB, secret string, hookURL func() string) *Server {
	s := &Server{tb: tb, secret: secret, hookURL: hookURL, incidents: map[string]*incident{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.enqueue))
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL; Alertmanager's pagerduty_configs url is URL() +
// "/v2/enqueue".
func (s *Server) URL() string { return s.srv.URL }

// Events returns the Events API requests received so far.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// Delivered returns the event types of the webhooks the bot accepted.
func (s *Server) Delivered() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.delivered...)
}

// DedupKeys returns the dedup keys of the incidents opened so far.
func (s *Server) DedupKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k := range s.incidents {
		keys = append(keys, k)
	}
	return keys
}

// enqueue is the Events API: trigger opens an incident for a new (or
// resolved) dedup key and repeats are deduplicated; resolve resolves it.
func (s *Server) enqueue(w http.ResponseWriter, r *http.Request) {
	var ev Event
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.URL.Path != "/v2/enqueue" || json.Unmarshal(body, &ev) != nil || ev.RoutingKey == "" || ev.DedupKey == "" {
		http.Error(w, `{"status":"invalid event","message":"Event object is invalid"}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.events = append(s.events, ev)
	inc := s.incidents[ev.DedupKey]
	var send string
	switch ev.EventAction {
	case "trigger":
		if inc == nil || inc.status == "resolved" {
			s.seq++
			inc = &incident{id: fmt.Sprintf("QFAKE%04d", s.seq), number: s.seq, title: ev.Payload.Summary, status: "triggered"}
			s.incidents[ev.DedupKey] = inc
			send = "incident.triggered"
		}
	case "resolve":
		if inc != nil && inc.status != "resolved" {
			inc.status = "resolved"
			send = "incident.resolved"
		}
	}
	var snap incident
	if inc != nil {
		snap = *inc
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"success","message":"Event processed","dedup_key":`+strconv.Quote(ev.DedupKey)+`}`)
	if send != "" {
		// PagerDuty sends webhooks on its own time, not in the API call.
		go s.webhook(send, ev.DedupKey, snap, "")
	}
}

// Acknowledge acknowledges the incident of dedupKey as a person would in
// PagerDuty, which sends an incident.acknowledged webhook naming them.
func (s *Server) Acknowledge(dedupKey, who string) {
	s.tb.Helper()
	s.mu.Lock()
	inc := s.incidents[dedupKey]
	if inc == nil {
		s.mu.Unlock()
		s.tb.Fatalf("pdtest: no incident with dedup key %s", dedupKey)
	}
	inc.status = "acknowledged"
	snap := *inc
	s.mu.Unlock()
	s.webhook("incident.acknowledged", dedupKey, snap, who)
}

// webhook posts one V3 webhook, signed, retrying as PagerDuty does until
// the bot answers 2xx.
func (s *Server) webhook(eventType, dedupKey string, inc incident, who string) {
	if s.Before != nil {
		s.Before(eventType)
	}
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("01FAKEEVENT%06d", s.seq)
	s.mu.Unlock()
	agent := map[string]any{"id": "PSVCFAKE", "type": "service_reference", "summary": "Cluster capacity"}
	if who != "" {
		agent = map[string]any{"id": "PUSRFAKE", "type": "user_reference", "summary": who}
	}
	body, err := json.Marshal(map[string]any{"event": map[string]any{
		"id": id, "event_type": eventType, "resource_type": "incident",
		"occurred_at": time.Now().UTC().Format(time.RFC3339Nano), "agent": agent,
		"data": map[string]any{
			"id": inc.id, "type": "incident", "number": inc.number, "status": inc.status,
			"html_url":     "https://fake.pagerduty.example/incidents/" + inc.id,
			"incident_key": dedupKey, "title": inc.title, "urgency": "high",
			"service": map[string]any{"id": "PSVCFAKE", "type": "service_reference", "summary": "Cluster capacity"},
		},
	}})
	if err != nil {
		s.tb.Errorf("pdtest: %v", err)
		return
	}
	for attempt := 0; attempt < 50; attempt++ {
		req, err := http.NewRequest(http.MethodPost, s.hookURL(), bytes.NewReader(body))
		if err != nil {
			s.tb.Errorf("pdtest: %v", err)
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(pagerduty.SignatureHeader, pagerduty.Sign(body, s.secret))
		req.Header.Set(pagerduty.WebhookIDHeader, id)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				s.mu.Lock()
				s.delivered = append(s.delivered, eventType)
				s.mu.Unlock()
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.tb.Errorf("pdtest: the bot never accepted the %s webhook", eventType)
}

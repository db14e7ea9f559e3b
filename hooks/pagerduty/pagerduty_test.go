package pagerduty

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/hooks/internal/hookstest"
)

var receivedAt = time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)

func TestDecodeGolden(t *testing.T) {
	hookstest.DecodeGolden(t, Source, Decode, receivedAt)
}

func TestDecodeEvents(t *testing.T) {
	const key = "pagerduty/Q2KX8RT4Z1"
	const dedup = "6b0d2c1e9f4a4e55b3c7d8e9f0a1b2c3" // incident_key
	tests := []struct {
		name     string
		file     string
		want     *bot.Event // nil: accepted and ignored
		wantTeam string
	}{
		{name: "triggered", file: "triggered.json", want: &bot.Event{Key: key, Kind: bot.KindTriggered, Status: bot.StatusFiring, Severity: bot.SeverityCritical, Actor: "Checkout API", Title: "Checkout API error rate above 5% for 10 minutes", DedupKey: dedup, URL: "https://lattice.pagerduty.com/incidents/Q2KX8RT4Z1", At: time.Date(2025, 3, 4, 2, 17, 44, 512_000_000, time.UTC)}, wantTeam: "Payments"},
		{name: "acknowledged", file: "acknowledged.json", want: &bot.Event{Key: key, Kind: bot.KindAcknowledged, Status: bot.StatusAcknowledged, Severity: bot.SeverityCritical, Actor: "Noor Haddad", Title: "Checkout API error rate above 5% for 10 minutes", DedupKey: dedup, URL: "https://lattice.pagerduty.com/incidents/Q2KX8RT4Z1", At: time.Date(2025, 3, 4, 2, 21, 3, 4_000_000, time.UTC)}, wantTeam: "Payments"},
		{name: "reassigned names the assignees", file: "reassigned.json", want: &bot.Event{Key: key, Kind: bot.KindReassigned, Status: bot.StatusAcknowledged, Severity: bot.SeverityCritical, Actor: "Noor Haddad", Note: "Mateo Ruiz, Aiko Tanaka", Title: "Checkout API error rate above 5% for 10 minutes", DedupKey: dedup, URL: "https://lattice.pagerduty.com/incidents/Q2KX8RT4Z1", At: time.Date(2025, 3, 4, 2, 30, 0, 0, time.UTC)}, wantTeam: "Payments"},
		{name: "priority without urgency maps P3 to warning", file: "priority_updated.json", want: &bot.Event{Key: key, Kind: bot.KindPriorityUpdated, Status: bot.StatusAcknowledged, Severity: bot.SeverityWarning, Actor: "Noor Haddad", Note: "P3", Title: "Checkout API error rate above 5% for 10 minutes", DedupKey: dedup, URL: "https://lattice.pagerduty.com/incidents/Q2KX8RT4Z1", At: time.Date(2025, 3, 4, 2, 31, 15, 250_000_000, time.UTC)}, wantTeam: "Payments"},
		{name: "annotated carries the note and keeps status", file: "annotated.json", want: &bot.Event{Key: key, Kind: bot.KindAnnotated, Actor: "Noor Haddad", Note: "Rolled back deploy 2025.03.04-1; error rate is dropping. <!channel> stays quiet.", Title: "Checkout API error rate above 5% for 10 minutes", URL: "https://lattice.pagerduty.com/incidents/Q2KX8RT4Z1", At: time.Date(2025, 3, 4, 2, 40, 27, 0, time.UTC)}},
		{name: "resolved", file: "resolved.json", want: &bot.Event{Key: key, Kind: bot.KindResolved, Status: bot.StatusResolved, Severity: bot.SeverityCritical, Actor: "Noor Haddad", Title: "Checkout API error rate above 5% for 10 minutes", DedupKey: dedup, URL: "https://lattice.pagerduty.com/incidents/Q2KX8RT4Z1", At: time.Date(2025, 3, 4, 2, 55, 2, 0, time.UTC)}, wantTeam: "Payments"},
		{name: "escalated by the system, low urgency", file: "escalated_no_agent.json", want: &bot.Event{Key: key, Kind: bot.KindEscalated, Status: bot.StatusFiring, Severity: bot.SeverityWarning, Note: "Ola Nordmann", Title: "Checkout API error rate above 5% for 10 minutes", DedupKey: dedup, URL: "https://lattice.pagerduty.com/incidents/Q2KX8RT4Z1", At: time.Date(2025, 3, 4, 2, 47, 0, 0, time.UTC)}},
		{name: "opened by Alertmanager: status prefix trimmed, dedup key kept", file: "triggered_alertmanager.json", want: &bot.Event{Key: "pagerduty/Q7CAPAC1TY", Kind: bot.KindTriggered, Status: bot.StatusFiring, Severity: bot.SeverityCritical, Actor: "Cluster capacity", Title: "prod-eu-1 capacity (KubeMemoryOvercommit warning)", DedupKey: "2f1c7a7d0b6a4b8e61c5f5b9e2d3c4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b", URL: "https://lattice.pagerduty.com/incidents/Q7CAPAC1TY", At: time.Date(2026, 3, 4, 10, 2, 11, 0, time.UTC)}},
		{name: "service event ignored", file: "ignored_service_updated.json"},
		{name: "responder added ignored", file: "ignored_responder_added.json"},
		{name: "future event type with odd shapes ignored", file: "ignored_future_type.json"},
		{name: "ping ignored", file: "ping.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decode(hookstest.ReadFile(t, tt.file), receivedAt)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if len(d.Events) != 0 {
					t.Fatalf("got %d events, want none", len(d.Events))
				}
				return
			}
			if len(d.Events) != 1 {
				t.Fatalf("got %d events, want 1", len(d.Events))
			}
			got := d.Events[0]
			if got.Labels["team"] != tt.wantTeam {
				t.Errorf("team label = %q, want %q", got.Labels["team"], tt.wantTeam)
			}
			got.Labels = nil
			tt.want.Source = Source
			if !reflect.DeepEqual(got, *tt.want) {
				t.Errorf("event\n got %+v\nwant %+v", got, *tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty", ``, "unexpected end"},
		{"no event", `{}`, "event: missing"},
		{"event not an object", `{"event": "x"}`, "field event"},
		{"incident without id", `{"event":{"id":"e","event_type":"incident.triggered","resource_type":"incident","data":{"type":"incident","title":"t"}}}`, "missing incident id"},
		{"note without incident", `{"event":{"id":"e","event_type":"incident.annotated","resource_type":"incident","data":{"type":"incident_note","content":"c"}}}`, "data.incident.id"},
		{"bad time", `{"event":{"id":"e","event_type":"incident.resolved","resource_type":"incident","occurred_at":"soon","data":{"id":"Q1"}}}`, "occurred_at"},
		{"mapped type with wrong data shape", `{"event":{"id":"e","event_type":"incident.resolved","resource_type":"incident","data":{"id":7}}}`, "event.data: field id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.body), receivedAt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestContentKeyIsEventID pins that a redelivery with a new delivery id but
// the same event deduplicates, and different events don't.
func TestContentKeyIsEventID(t *testing.T) {
	a, _ := Decode(hookstest.ReadFile(t, "triggered.json"), receivedAt)
	reformatted := bytes.ReplaceAll(hookstest.ReadFile(t, "triggered.json"), []byte("\n  "), []byte("\n"))
	b, _ := Decode(reformatted, receivedAt)
	c, _ := Decode(hookstest.ReadFile(t, "acknowledged.json"), receivedAt)
	if a.ContentKey == "" || a.ContentKey != b.ContentKey {
		t.Errorf("same event id, keys %q and %q", a.ContentKey, b.ContentKey)
	}
	if a.ContentKey == c.ContentKey {
		t.Error("different events share a content key")
	}
}

func TestHandler(t *testing.T) {
	const oldSecret, newSecret = "old-signing-secret", "new-signing-secret"
	valid := hookstest.ReadFile(t, "acknowledged.json")
	unknown := hookstest.ReadFile(t, "ignored_future_type.json")
	tests := []struct {
		name       string
		opts       Options
		sinkErr    error
		body       []byte
		sig        string // "-" for none
		wantStatus int
		wantEvents int // -1: sink not called
	}{
		{name: "valid signature", opts: Options{Secrets: []string{newSecret}}, body: valid, sig: Sign(valid, newSecret), wantStatus: 200, wantEvents: 1},
		{name: "wrong signature", opts: Options{Secrets: []string{newSecret}}, body: valid, sig: Sign(valid, "guess"), wantStatus: 403, wantEvents: -1},
		{name: "signature of another body", opts: Options{Secrets: []string{newSecret}}, body: valid, sig: Sign([]byte("{}"), newSecret), wantStatus: 403, wantEvents: -1},
		{name: "garbage signature", opts: Options{Secrets: []string{newSecret}}, body: valid, sig: "v1=zz,v0=abc", wantStatus: 403, wantEvents: -1},
		{name: "missing signature", opts: Options{Secrets: []string{newSecret}}, body: valid, sig: "-", wantStatus: 401, wantEvents: -1},
		{name: "rotation: sender signs with both, we know the new", opts: Options{Secrets: []string{newSecret}}, body: valid, sig: Sign(valid, oldSecret, newSecret), wantStatus: 200, wantEvents: 1},
		{name: "rotation: sender signs with both, we know the old", opts: Options{Secrets: []string{oldSecret}}, body: valid, sig: Sign(valid, oldSecret, newSecret), wantStatus: 200, wantEvents: 1},
		{name: "rotation: we know both, sender signs with new only", opts: Options{Secrets: []string{oldSecret, newSecret}}, body: valid, sig: Sign(valid, newSecret), wantStatus: 200, wantEvents: 1},
		{name: "rotation: spaces after commas", opts: Options{Secrets: []string{oldSecret, newSecret}}, body: valid, sig: strings.ReplaceAll(Sign(valid, "x", newSecret), ",", ", "), wantStatus: 200, wantEvents: 1},
		{name: "no secret configured", opts: Options{}, body: valid, sig: Sign(valid, ""), wantStatus: 403, wantEvents: -1},
		{name: "insecure without secret", opts: Options{Insecure: true}, body: valid, sig: "-", wantStatus: 200, wantEvents: 1},
		{name: "unknown event type accepted with zero events", opts: Options{Secrets: []string{newSecret}}, body: unknown, sig: Sign(unknown, newSecret), wantStatus: 200, wantEvents: 0},
		{name: "malformed JSON", opts: Options{Secrets: []string{newSecret}}, body: []byte(`{"event":`), sig: Sign([]byte(`{"event":`), newSecret), wantStatus: 400, wantEvents: -1},
		{name: "over limit", opts: Options{Secrets: []string{newSecret}, MaxBytes: 256}, body: valid, sig: Sign(valid, newSecret), wantStatus: 413, wantEvents: -1},
		{name: "overloaded is 503 not 429", opts: Options{Secrets: []string{newSecret}}, sinkErr: bot.ErrOverloaded, body: valid, sig: Sign(valid, newSecret), wantStatus: 503, wantEvents: 1},
		{name: "store error is 500", opts: Options{Secrets: []string{newSecret}}, sinkErr: errors.New("boom"), body: valid, sig: Sign(valid, newSecret), wantStatus: 500, wantEvents: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &hookstest.Sink{Err: tt.sinkErr}
			h := New(tt.opts, sink, nil)
			headers := []string{WebhookIDHeader, "9f1c6a52-3d0e-4b7a-8c21-5e6f7a8b9c0d"}
			if tt.sig != "-" {
				headers = append(headers, SignatureHeader, tt.sig)
			}
			rec := hookstest.Post(t, h, tt.body, headers...)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			ds := sink.Deliveries()
			if tt.wantEvents < 0 {
				if len(ds) != 0 {
					t.Fatalf("sink called %d times, want never", len(ds))
				}
				return
			}
			if len(ds) != 1 {
				t.Fatalf("sink called %d times, want once", len(ds))
			}
			if len(ds[0].Events) != tt.wantEvents {
				t.Errorf("delivery has %d events, want %d", len(ds[0].Events), tt.wantEvents)
			}
			if ds[0].ID != "9f1c6a52-3d0e-4b7a-8c21-5e6f7a8b9c0d" {
				t.Errorf("Delivery.ID = %q, want the X-Webhook-Id header", ds[0].ID)
			}
			if rec.Code == http.StatusServiceUnavailable && rec.Header().Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
		})
	}
}

// TestVerifyMultipleHeaderLines accepts signatures split over repeated
// header lines, which some proxies produce from one comma list.
func TestVerifyMultipleHeaderLines(t *testing.T) {
	body := []byte(`{"event":{}}`)
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	req.Header.Add(SignatureHeader, Sign(body, "a"))
	req.Header.Add(SignatureHeader, Sign(body, "b"))
	if err := Verify([]string{"b"}, req.Header.Values(SignatureHeader), body); err != nil {
		t.Fatal(err)
	}
}

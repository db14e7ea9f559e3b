package alertmanager

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/hooks/internal/hookstest"
)

// receivedAt is the fixed receipt time for decoder tests.
var receivedAt = time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)

func TestDecodeGolden(t *testing.T) {
	hookstest.DecodeGolden(t, Source, Decode, receivedAt)
}

func TestDecodeFields(t *testing.T) {
	tests := []struct {
		name         string
		file         string
		wantKey      string
		wantStatus   bot.Status
		wantSeverity bot.Severity
		wantTitle    string
		wantNote     bool
		wantAt       time.Time
	}{
		{
			name:         "firing group uses common labels",
			file:         "firing.json",
			wantKey:      `alertmanager/compass/{}/{team="platform"}:{alertname="NodeFilesystemFillingUp", cluster="eu-west-prod"}`,
			wantStatus:   bot.StatusFiring,
			wantSeverity: bot.SeverityWarning,
			wantTitle:    "NodeFilesystemFillingUp (2 firing): Filesystem is predicted to run out of space within 24 hours",
			wantAt:       time.Date(2025, 3, 4, 9, 14, 0, 0, time.UTC),
		},
		{
			name:         "resolved single alert maps page to critical and takes its own summary",
			file:         "resolved.json",
			wantKey:      `alertmanager/capacity/{}:{alertname="KubeMemoryOvercommit"}`,
			wantStatus:   bot.StatusResolved,
			wantSeverity: bot.SeverityCritical,
			wantTitle:    "KubeMemoryOvercommit: Cluster has overcommitted memory resource requests.",
			wantAt:       time.Date(2025, 3, 4, 7, 45, 10, 500_000_000, time.UTC),
		},
		{
			name:         "mixed group without common severity takes the most urgent firing alert",
			file:         "mixed_truncated.json",
			wantKey:      `alertmanager/namespace-owners/{}/{severity=~"critical|warning"}:{cluster="ap-south-stage", namespace="payments"}`,
			wantStatus:   bot.StatusFiring,
			wantSeverity: bot.SeverityCritical,
			wantTitle:    "KubeNodeNotReady, KubeQuotaAlmostFull, KubeQuotaExceeded (6 firing)",
			wantNote:     true,
			wantAt:       time.Date(2025, 3, 4, 10, 20, 0, 0, time.UTC),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decode(hookstest.ReadFile(t, tt.file), receivedAt)
			if err != nil {
				t.Fatal(err)
			}
			if d.ID != "" {
				t.Errorf("ID = %q, want empty: Alertmanager sends no delivery id", d.ID)
			}
			if len(d.Events) != 1 {
				t.Fatalf("got %d events, want 1", len(d.Events))
			}
			e := d.Events[0]
			if e.Key != tt.wantKey {
				t.Errorf("Key = %q, want %q", e.Key, tt.wantKey)
			}
			if e.Kind != bot.KindAlerts || e.Status != tt.wantStatus || e.Severity != tt.wantSeverity {
				t.Errorf("Kind, Status, Severity = %q, %q, %q; want alerts, %q, %q", e.Kind, e.Status, e.Severity, tt.wantStatus, tt.wantSeverity)
			}
			if e.Title != tt.wantTitle {
				t.Errorf("Title = %q, want %q", e.Title, tt.wantTitle)
			}
			if (e.Note != "") != tt.wantNote {
				t.Errorf("Note = %q, want note present = %v", e.Note, tt.wantNote)
			}
			if !e.At.Equal(tt.wantAt) {
				t.Errorf("At = %v, want %v", e.At, tt.wantAt)
			}
			for i, a := range e.Alerts {
				if a.Fingerprint == "" {
					t.Errorf("Alerts[%d].Fingerprint is empty", i)
				}
				if a.Status == bot.StatusFiring && !a.EndsAt.IsZero() {
					t.Errorf("Alerts[%d] is firing with EndsAt %v", i, a.EndsAt)
				}
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	valid := string(hookstest.ReadFile(t, "resolved.json"))
	tests := []struct {
		name string
		body string
		want string // substring of the error
	}{
		{"empty body", ``, "unexpected end"},
		{"not JSON", `{"version": "4",`, "unexpected end"},
		{"syntax error has position", "{\n  \"version\": 4 4}", "line 2, column"},
		{"array", `[]`, "cannot use JSON array"},
		{"null", `null`, `unsupported payload version ""`},
		{"unknown version", strings.Replace(valid, `"version": "4"`, `"version": "5"`, 1), `unsupported payload version "5"`},
		{"numeric version", strings.Replace(valid, `"version": "4"`, `"version": 4`, 1), "field version"},
		{"missing group key", strings.Replace(valid, `"groupKey"`, `"groupKeyX"`, 1), "groupKey: missing"},
		{"missing receiver", strings.Replace(valid, `"receiver": "capacity"`, `"receiver": ""`, 1), "receiver: missing"},
		{"bad group status", strings.Replace(valid, `"status": "resolved",
  "receiver"`, `"status": "gone",
  "receiver"`, 1), `status: "gone"`},
		{"bad alert time", strings.Replace(valid, `"2025-03-04T07:00:00+01:00"`, `"yesterday"`, 1), `alerts[0]: startsAt: "yesterday"`},
		{"no alerts", `{"version":"4","receiver":"r","groupKey":"g","status":"firing","alerts":[]}`, "alerts: empty"},
		{"labels of wrong type", `{"version":"4","receiver":"r","groupKey":"g","status":"firing","alerts":[{"labels":{"a":1}}]}`, "field alerts.labels"},
		{"trailing garbage", valid + "x", "malformed JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.body), receivedAt)
			if err == nil {
				t.Fatalf("Decode succeeded, want error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// payload is a small group notification for the dedupe properties.
type payload struct {
	Version  string  `json:"version"`
	Receiver string  `json:"receiver"`
	Status   string  `json:"status"`
	GroupKey string  `json:"groupKey"`
	Alerts   []alert `json:"alerts"`
}

type alert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	StartsAt    string            `json:"startsAt"`
	EndsAt      string            `json:"endsAt"`
	Fingerprint string            `json:"fingerprint"`
}

func samplePayload() payload {
	p := payload{Version: "4", Receiver: "compass", Status: "firing", GroupKey: `{}:{alertname="CPUThrottlingHigh"}`}
	for i := range 5 {
		a := alert{
			Status:      "firing",
			Labels:      map[string]string{"alertname": "CPUThrottlingHigh", "pod": fmt.Sprintf("api-%d", i)},
			StartsAt:    time.Date(2025, 3, 4, 9, i, 0, 0, time.UTC).Format(time.RFC3339),
			EndsAt:      "0001-01-01T00:00:00Z",
			Fingerprint: fmt.Sprintf("%016x", 0xabc0+i),
		}
		if i == 4 {
			a.Status = "resolved"
			a.EndsAt = time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC).Format(time.RFC3339)
		}
		p.Alerts = append(p.Alerts, a)
	}
	return p
}

func contentKey(t *testing.T, p payload) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(b, receivedAt)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return d.ContentKey
}

// TestContentKeyHA pins the HA dedupe property: replicas may order the
// alerts differently and format times differently, and must still agree.
func TestContentKeyHA(t *testing.T) {
	base := contentKey(t, samplePayload())
	same := []struct {
		name   string
		mutate func(p *payload)
	}{
		{"reversed alerts", func(p *payload) {
			for i, j := 0, len(p.Alerts)-1; i < j; i, j = i+1, j-1 {
				p.Alerts[i], p.Alerts[j] = p.Alerts[j], p.Alerts[i]
			}
		}},
		{"rotated alerts", func(p *payload) { p.Alerts = append(p.Alerts[2:], p.Alerts[:2]...) }},
		{"same instant in another zone", func(p *payload) {
			p.Alerts[0].StartsAt = time.Date(2025, 3, 4, 10, 0, 0, 0, time.FixedZone("CET", 3600)).Format(time.RFC3339Nano)
		}},
	}
	for _, tt := range same {
		t.Run("same/"+tt.name, func(t *testing.T) {
			p := samplePayload()
			tt.mutate(&p)
			if got := contentKey(t, p); got != base {
				t.Errorf("ContentKey changed: %s vs %s", got, base)
			}
		})
	}
	differ := []struct {
		name   string
		mutate func(p *payload)
	}{
		{"an alert resolves", func(p *payload) {
			p.Alerts[2].Status = "resolved"
			p.Alerts[2].EndsAt = "2025-03-04T09:31:00Z"
		}},
		{"a resolved alert's endsAt moves", func(p *payload) { p.Alerts[4].EndsAt = "2025-03-04T09:30:01Z" }},
		{"a firing alert's endsAt set", func(p *payload) { p.Alerts[1].EndsAt = "2025-03-04T09:35:00Z" }},
		{"an alert restarts", func(p *payload) { p.Alerts[0].StartsAt = "2025-03-04T09:40:00Z" }},
		{"an alert joins", func(p *payload) {
			p.Alerts = append(p.Alerts, alert{Status: "firing", Labels: map[string]string{"alertname": "CPUThrottlingHigh", "pod": "api-9"}, StartsAt: "2025-03-04T09:50:00Z", Fingerprint: "000000000000ffff"})
		}},
		{"an alert leaves", func(p *payload) { p.Alerts = p.Alerts[1:] }},
		{"group status", func(p *payload) { p.Status = "resolved" }},
		{"receiver", func(p *payload) { p.Receiver = "other" }},
		{"group key", func(p *payload) { p.GroupKey = `{}:{alertname="Other"}` }},
	}
	for _, tt := range differ {
		t.Run("differ/"+tt.name, func(t *testing.T) {
			p := samplePayload()
			tt.mutate(&p)
			if got := contentKey(t, p); got == base {
				t.Errorf("ContentKey unchanged after %s", tt.name)
			}
		})
	}
}

func TestHandler(t *testing.T) {
	valid := hookstest.ReadFile(t, "firing.json")
	big := []byte(`{"version":"4","receiver":"r","groupKey":"g","status":"firing","alerts":[{"status":"firing","labels":{"x":"` + strings.Repeat("a", 2048) + `"}}]}`)
	badVersion := []byte(strings.Replace(string(valid), `"version": "4"`, `"version": "3"`, 1))
	tests := []struct {
		name       string
		opts       Options
		sinkErr    error
		body       []byte
		headers    []string
		wantStatus int
		wantStored bool
		wantReason string
	}{
		{name: "bearer token", opts: Options{Token: "s3cret"}, body: valid, headers: []string{"Authorization", "Bearer s3cret"}, wantStatus: 200, wantStored: true},
		{name: "basic auth", opts: Options{Username: "am", Password: "pw"}, body: valid, headers: []string{"Authorization", "Basic YW06cHc="}, wantStatus: 200, wantStored: true},
		{name: "both configured, basic used", opts: Options{Token: "t", Username: "am", Password: "pw"}, body: valid, headers: []string{"Authorization", "Basic YW06cHc="}, wantStatus: 200, wantStored: true},
		{name: "wrong token", opts: Options{Token: "s3cret"}, body: valid, headers: []string{"Authorization", "Bearer guess"}, wantStatus: 403, wantReason: "invalid credentials"},
		{name: "wrong basic password", opts: Options{Username: "am", Password: "pw"}, body: valid, headers: []string{"Authorization", "Basic YW06eHg="}, wantStatus: 403},
		{name: "bearer when only basic configured", opts: Options{Username: "am", Password: "pw"}, body: valid, headers: []string{"Authorization", "Bearer pw"}, wantStatus: 403},
		{name: "missing auth", opts: Options{Token: "s3cret"}, body: valid, wantStatus: 401, wantReason: "missing credentials"},
		{name: "no auth configured refuses", opts: Options{}, body: valid, headers: []string{"Authorization", "Bearer anything"}, wantStatus: 403, wantReason: "not configured"},
		{name: "insecure accepts without auth", opts: Options{Insecure: true}, body: valid, wantStatus: 200, wantStored: true},
		{name: "body over limit", opts: Options{Token: "t", MaxBytes: 1024}, body: big, headers: []string{"Authorization", "Bearer t"}, wantStatus: 413},
		{name: "malformed JSON", opts: Options{Token: "t"}, body: []byte(`{"version":`), headers: []string{"Authorization", "Bearer t"}, wantStatus: 400, wantReason: "malformed JSON"},
		{name: "unknown version", opts: Options{Token: "t"}, body: badVersion, headers: []string{"Authorization", "Bearer t"}, wantStatus: 400, wantReason: `version "3"`},
		{name: "invalid UTF-8", opts: Options{Token: "t"}, body: append([]byte(`{"version":"4","receiver":"`), 0xff, '"', '}'), headers: []string{"Authorization", "Bearer t"}, wantStatus: 400, wantReason: "UTF-8"},
		{name: "overloaded is 503", opts: Options{Token: "t"}, sinkErr: bot.ErrOverloaded, body: valid, headers: []string{"Authorization", "Bearer t"}, wantStatus: 503, wantStored: true},
		{name: "wrapped overload is 503", opts: Options{Token: "t"}, sinkErr: fmt.Errorf("enqueue: %w", bot.ErrOverloaded), body: valid, headers: []string{"Authorization", "Bearer t"}, wantStatus: 503, wantStored: true},
		{name: "store failure is 500", opts: Options{Token: "t"}, sinkErr: errors.New("disk I/O error"), body: valid, headers: []string{"Authorization", "Bearer t"}, wantStatus: 500, wantStored: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &hookstest.Sink{Err: tt.sinkErr}
			h := New(tt.opts, sink, nil)
			rec := hookstest.Post(t, h, tt.body, tt.headers...)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if got := len(sink.Deliveries()) > 0; got != tt.wantStored {
				t.Errorf("sink called = %v, want %v", got, tt.wantStored)
			}
			if tt.wantReason != "" {
				if r := hookstest.ErrorReason(t, rec); !strings.Contains(r, tt.wantReason) {
					t.Errorf("reason %q does not contain %q", r, tt.wantReason)
				}
			}
			switch rec.Code {
			case http.StatusServiceUnavailable:
				if rec.Header().Get("Retry-After") == "" {
					t.Error("503 without Retry-After")
				}
			case http.StatusUnauthorized:
				if rec.Header().Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			}
		})
	}
}

func TestHandlerMethod(t *testing.T) {
	sink := &hookstest.Sink{}
	h := New(Options{Token: "t"}, sink, nil)
	req, _ := http.NewRequest(http.MethodGet, "/hooks/alertmanager", nil)
	req.Header.Set("Authorization", "Bearer t")
	rec := httptestRecorder(h, req)
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" {
		t.Errorf("GET: status %d Allow %q, want 405 POST", rec.Code, rec.Header().Get("Allow"))
	}
	if len(sink.Deliveries()) != 0 {
		t.Error("sink called on GET")
	}
}

// TestDedupKey pins the hash to what Alertmanager's PagerDuty and Opsgenie
// integrations send for a group key (values from sha256sum of the key).
func TestDedupKey(t *testing.T) {
	tests := []struct{ groupKey, want string }{
		{`{}/{team="sre"}:{cluster="prod-eu-1"}`, "5ec1c99fdfcd267ff4352daebc3c262530276ff1ee63e989bd2cdbed9f36e2e6"},
		{`{}:{alertname="DiskFull"}`, "17c4e445d234645c9e547ff6d32a864af0ebdadcd1902771c24c8d366637ff41"},
	}
	for _, tt := range tests {
		if got := DedupKey(tt.groupKey); got != tt.want {
			t.Errorf("DedupKey(%q) = %s, want %s", tt.groupKey, got, tt.want)
		}
	}
}

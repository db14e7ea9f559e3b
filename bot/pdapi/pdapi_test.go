package pdapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakePD is an httptest PagerDuty that answers PUT /incidents/{id} with a
// scripted sequence of statuses and records what it was sent.
type fakePD struct {
	mu      sync.Mutex
	answers []func(w http.ResponseWriter)
	reqs    []*http.Request
	bodies  []string
}

func (f *fakePD) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, r)
	f.bodies = append(f.bodies, string(b))
	var ans func(http.ResponseWriter)
	if len(f.answers) > 0 {
		ans, f.answers = f.answers[0], f.answers[1:]
	}
	f.mu.Unlock()
	if ans == nil {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"incident":{"id":"PX","status":"acknowledged"}}`)
		return
	}
	ans(w)
}

func status(code int, body string, hdr ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

func newClient(t *testing.T, f *fakePD) *Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(Options{BaseURL: srv.URL + "/", Token: "tok123", From: "oncall@example.com", RetryWait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSetStatusRequest(t *testing.T) {
	for _, st := range []string{StatusAcknowledged, StatusResolved} {
		t.Run(st, func(t *testing.T) {
			f := &fakePD{}
			c := newClient(t, f)
			if err := c.SetStatus(context.Background(), "PABC123", st); err != nil {
				t.Fatal(err)
			}
			if len(f.reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(f.reqs))
			}
			r := f.reqs[0]
			if r.Method != http.MethodPut || r.URL.Path != "/incidents/PABC123" {
				t.Errorf("request = %s %s, want PUT /incidents/PABC123", r.Method, r.URL.Path)
			}
			if got := r.Header.Get("Authorization"); got != "Token token=tok123" {
				t.Errorf("Authorization = %q", got)
			}
			if got := r.Header.Get("From"); got != "oncall@example.com" {
				t.Errorf("From = %q", got)
			}
			if got := r.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			var body struct {
				Incident struct{ Type, Status string } `json:"incident"`
			}
			if err := json.Unmarshal([]byte(f.bodies[0]), &body); err != nil {
				t.Fatal(err)
			}
			if body.Incident.Type != "incident_reference" || body.Incident.Status != st {
				t.Errorf("body = %s", f.bodies[0])
			}
		})
	}
}

func TestSetStatusErrors(t *testing.T) {
	tests := []struct {
		name     string
		answers  []func(http.ResponseWriter)
		wantErr  string // substring; "" means success
		wantReqs int
	}{
		{"not found is final", []func(http.ResponseWriter){status(404, `{"error":{"message":"Not Found","code":2100}}`)}, "HTTP 404: Not Found — PagerDuty has no such incident", 1},
		{"unauthorized names the setting", []func(http.ResponseWriter){status(401, `{"error":{"message":"Unauthorized","code":2006}}`)}, "check pagerduty.token", 1},
		{"validation details", []func(http.ResponseWriter){status(400, `{"error":{"message":"Invalid Input Provided","code":2001,"errors":["Incident Already Resolved"]}}`)}, "Invalid Input Provided (Incident Already Resolved)", 1},
		{"non-JSON error body", []func(http.ResponseWriter){status(403, "forbidden by proxy")}, "HTTP 403: forbidden by proxy", 1},
		{"5xx then success", []func(http.ResponseWriter){status(502, "bad gateway")}, "", 2},
		{"429 with Retry-After then success", []func(http.ResponseWriter){status(429, `{"error":{"message":"Rate Limit Exceeded"}}`, "Retry-After", "0")}, "", 2},
		{"5xx until out of retries", []func(http.ResponseWriter){status(500, "a"), status(500, "b"), status(503, "c")}, "HTTP 503: c", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakePD{answers: tt.answers}
			c := newClient(t, f)
			err := c.SetStatus(context.Background(), "PABC123", StatusResolved)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("SetStatus = %v, want success", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("SetStatus = %v, want an error containing %q", err, tt.wantErr)
			}
			if len(f.reqs) != tt.wantReqs {
				t.Errorf("%d requests, want %d", len(f.reqs), tt.wantReqs)
			}
			if tt.wantErr != "" {
				var pe *Error
				if !errors.As(err, &pe) {
					t.Errorf("error %v is not a *pagerduty.Error", err)
				}
			}
		})
	}
}

func TestSetStatusHangTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c, err := New(Options{BaseURL: srv.URL, Token: "t", From: "a@b.c", HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetStatus(context.Background(), "P1", StatusAcknowledged); err == nil {
		t.Fatal("SetStatus against a hanging server succeeded")
	}
}

func TestBadInput(t *testing.T) {
	c, err := New(Options{Token: "t", From: "a@b.c"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, id, status string }{
		{"path traversal", "../users", StatusResolved},
		{"empty id", "", StatusResolved},
		{"unknown status", "P1", "triggered"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.SetStatus(context.Background(), tt.id, tt.status); err == nil {
				t.Error("accepted")
			}
		})
	}
	for _, tt := range []struct {
		name string
		opt  Options
	}{
		{"no token", Options{From: "a@b.c"}},
		{"no from", Options{Token: "t"}},
		{"bad url", Options{Token: "t", From: "a@b.c", BaseURL: "ftp://x"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.opt); err == nil {
				t.Error("New accepted")
			}
		})
	}
}

package amapi

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

// replica is an httptest Alertmanager API v2 replica: it keeps silences in
// memory, answers as Alertmanager 0.25 does, and can be told to fail.
type replica struct {
	srv  *httptest.Server
	mu   sync.Mutex
	sils map[string]*gettableSilence
	reqs []string // "METHOD path?query auth"
	fail int      // answer this status to everything
	hang bool
	done chan struct{} // closed when the test ends: releases hanging requests
}

func newReplica(t *testing.T) *replica {
	t.Helper()
	r := &replica{sils: map[string]*gettableSilence{}, done: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(func() { close(r.done); r.srv.Close() })
	return r
}

func (r *replica) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Method+" "+req.URL.Path+"?"+req.URL.RawQuery+" "+req.Header.Get("Authorization"))
	fail, hang := r.fail, r.hang
	r.mu.Unlock()
	if hang {
		select {
		case <-req.Context().Done():
		case <-r.done:
		}
		return
	}
	if fail != 0 {
		http.Error(w, "replica failing", fail)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case req.Method == http.MethodPost && req.URL.Path == "/api/v2/silences":
		var s Silence
		b, _ := io.ReadAll(req.Body)
		if err := json.Unmarshal(b, &s); err != nil || len(s.Matchers) == 0 {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode("silence invalid: at least one matcher must not match the empty string")
			return
		}
		id := "0b1c2d3e-0000-4000-8000-" + strings.Repeat("0", 11) + string(rune('a'+len(r.sils)))
		g := &gettableSilence{Silence: s, ID: id}
		g.Status.State = StateActive
		r.sils[id] = g
		json.NewEncoder(w).Encode(map[string]string{"silenceID": id})
	case strings.HasPrefix(req.URL.Path, "/api/v2/silence/"):
		id := strings.TrimPrefix(req.URL.Path, "/api/v2/silence/")
		g, ok := r.sils[id]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if req.Method == http.MethodDelete {
			if g.Status.State == StateExpired {
				w.WriteHeader(http.StatusInternalServerError)
				json.NewEncoder(w).Encode("silence " + id + " already expired")
				return
			}
			g.Status.State = StateExpired
			return
		}
		json.NewEncoder(w).Encode(g)
	case req.Method == http.MethodGet && req.URL.Path == "/api/v2/alerts":
		io.WriteString(w, `[{"fingerprint":"f1","labels":{"alertname":"Disk"},"status":{"state":"suppressed","silencedBy":["s1"]}}]`)
	default:
		http.NotFound(w, req)
	}
}

func (r *replica) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.reqs...)
}

func (r *replica) set(fail int, hang bool) {
	r.mu.Lock()
	r.fail, r.hang = fail, hang
	r.mu.Unlock()
}

func newClient(t *testing.T, opt Options, rs ...*replica) *Client {
	t.Helper()
	for _, r := range rs {
		opt.URLs = append(opt.URLs, r.srv.URL+"/")
	}
	c, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sampleSilence() Silence {
	start := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	return Silence{
		Matchers: []Matcher{Equal("alertname", "Disk"), Equal("cluster", "eu-1")},
		StartsAt: start, EndsAt: start.Add(time.Hour), CreatedBy: "ana", Comment: "from Slack",
	}
}

func TestSilenceRoundTrip(t *testing.T) {
	am := newReplica(t)
	c := newClient(t, Options{Token: "tok"}, am)
	ctx := context.Background()
	id, err := c.CreateSilence(ctx, sampleSilence())
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetSilence(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id || got.State != StateActive || got.CreatedBy != "ana" || len(got.Matchers) != 2 || !got.Matchers[1].IsEqual {
		t.Errorf("GetSilence = %+v", got)
	}
	if err := c.ExpireSilence(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.GetSilence(ctx, id); got.State != StateExpired {
		t.Errorf("state after expire = %q", got.State)
	}
	if err := c.ExpireSilence(ctx, id); !errors.Is(err, ErrExpired) {
		t.Errorf("second expire = %v, want ErrExpired", err)
	}
	if err := c.ExpireSilence(ctx, "0b1c2d3e-ffff"); !errors.Is(err, ErrNotFound) {
		t.Errorf("expire unknown = %v, want ErrNotFound", err)
	}
	for _, r := range am.requests() {
		if !strings.HasSuffix(r, " Bearer tok") {
			t.Errorf("request without the bearer token: %s", r)
		}
	}
}

func TestBasicAuth(t *testing.T) {
	am := newReplica(t)
	c := newClient(t, Options{Username: "bot", Password: "pw"}, am)
	if _, err := c.Alerts(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if r := am.requests()[0]; !strings.HasSuffix(r, " Basic Ym90OnB3") {
		t.Errorf("request %q, want basic auth bot:pw", r)
	}
}

func TestReplicasTriedInTurn(t *testing.T) {
	tests := []struct {
		name      string
		fail      int
		hang      bool
		wantFirst bool // the first replica's error stops the call
		wantErr   string
	}{
		{name: "first down", fail: http.StatusServiceUnavailable},
		{name: "first hangs", hang: true},
		{name: "first behind a proxy that answers 404", fail: http.StatusNotFound},
		{name: "first refuses the silence as invalid", fail: http.StatusBadRequest, wantFirst: true, wantErr: "HTTP 400: replica failing (Alertmanager refused the request as invalid)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, second := newReplica(t), newReplica(t)
			first.set(tt.fail, tt.hang)
			c := newClient(t, Options{Timeout: 200 * time.Millisecond}, first, second)
			id, err := c.CreateSilence(context.Background(), sampleSilence())
			if tt.wantFirst {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), first.srv.URL) {
					t.Errorf("err = %v, want %q from %s", err, tt.wantErr, first.srv.URL)
				}
				if n := len(second.requests()); n != 0 {
					t.Errorf("second replica got %d requests after a final refusal", n)
				}
				return
			}
			if err != nil || id == "" {
				t.Fatalf("CreateSilence = %q, %v; want the second replica to answer", id, err)
			}
			if n := len(second.requests()); n != 1 {
				t.Errorf("second replica got %d requests, want 1", n)
			}
		})
	}
}

func TestEveryReplicaFailing(t *testing.T) {
	first, second := newReplica(t), newReplica(t)
	first.set(http.StatusBadGateway, false)
	second.set(http.StatusUnauthorized, false)
	c := newClient(t, Options{}, first, second)
	_, err := c.CreateSilence(context.Background(), sampleSilence())
	if err == nil {
		t.Fatal("no error with every replica failing")
	}
	msg := err.Error()
	for _, want := range []string{
		"every Alertmanager failed",
		"create silence at " + first.srv.URL + ": HTTP 502",
		"create silence at " + second.srv.URL + ": HTTP 401: replica failing (check the Alertmanager API credentials (bot.alertmanager))",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusBadGateway {
		t.Errorf("errors.As(*Error) = %+v", e)
	}
}

func TestRefusedBeforeSending(t *testing.T) {
	am := newReplica(t)
	c := newClient(t, Options{}, am)
	ctx := context.Background()
	s := sampleSilence()
	noMatchers := s
	noMatchers.Matchers = nil
	backwards := s
	backwards.EndsAt = s.StartsAt.Add(-time.Minute)
	withID := s
	withID.ID = "x"
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"no matchers", func() error { _, err := c.CreateSilence(ctx, noMatchers); return err }, "no matchers"},
		{"ends before it starts", func() error { _, err := c.CreateSilence(ctx, backwards); return err }, "not after its start"},
		{"has an id", func() error { _, err := c.CreateSilence(ctx, withID); return err }, "has an id"},
		{"path in the id", func() error { return c.ExpireSilence(ctx, "../../alerts") }, "not a silence id"},
		{"empty id", func() error { _, err := c.GetSilence(ctx, ""); return err }, "not a silence id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if n := len(am.requests()); n != 0 {
		t.Errorf("%d requests sent for refused calls", n)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  Options
		want string
	}{
		{"no URL", Options{}, "no URL"},
		{"not http", Options{URLs: []string{"http://am:9093", "am-1:9093", "ftp://x"}}, `"am-1:9093" is not an http(s) URL`},
		{"both auths", Options{URLs: []string{"http://am"}, Token: "t", Username: "u"}, "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.opt); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestAlertsFilter(t *testing.T) {
	am := newReplica(t)
	c := newClient(t, Options{}, am)
	alerts, err := c.Alerts(context.Background(), []Matcher{Equal("alertname", `Disk "full"`), {Name: "node", Value: "a.*", IsRegex: true, IsEqual: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].State != "suppressed" || alerts[0].SilencedBy[0] != "s1" || alerts[0].Labels["alertname"] != "Disk" {
		t.Errorf("alerts = %+v", alerts)
	}
	req := am.requests()[0]
	for _, want := range []string{"filter=alertname%3D%22Disk+%5C%22full%5C%22%22", "filter=node%3D~%22a.%2A%22", "silenced=true", "inhibited=true", "active=true"} {
		if !strings.Contains(req, want) {
			t.Errorf("request %q lacks %q", req, want)
		}
	}
}

func TestMatcherString(t *testing.T) {
	tests := []struct {
		m    Matcher
		want string
	}{
		{Equal("a", "b"), `a="b"`},
		{Matcher{Name: "a", Value: "b"}, `a!="b"`},
		{Matcher{Name: "a", Value: "b.*", IsRegex: true, IsEqual: true}, `a=~"b.*"`},
		{Matcher{Name: "a", Value: "b", IsRegex: true}, `a!~"b"`},
		{Equal("a", "x\"y\\z\nw"), `a="x\"y\\z\nw"`},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("%+v.String() = %s, want %s", tt.m, got, tt.want)
		}
	}
}

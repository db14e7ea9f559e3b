package slash

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/build/search"
)

const testSecret = "test-signing-secret"

// slackForm builds a slash command body the way Slack does: URL-encoded
// fields in Slack's order.
func slackForm(text, responseURL string) string {
	f := []string{
		"token=gIkuvaNzQIHg97ATvDxqgjtO", "team_id=T0001", "team_domain=example",
		"channel_id=C2147483705", "channel_name=test", "user_id=U2147483697", "user_name=Steve",
		"command=" + url.QueryEscape("/compass"), "text=" + url.QueryEscape(text),
		"api_app_id=A123456", "response_url=" + url.QueryEscape(responseURL),
		"trigger_id=13345224609.738474920.8088930838d88f008e0",
	}
	return strings.Join(f, "&")
}

// signedRequest builds a request signed now with secret.
func signedRequest(t testing.TB, target, body, secret string, at time.Time) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	r.Header.Set(HeaderSignature, Sign(secret, at, []byte(body)))
	return r
}

// capture is a response_url endpoint that records what it is sent.
type capture struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []Response
	seen chan struct{}
}

func newCapture(t testing.TB) *capture {
	c := &capture{seen: make(chan struct{}, 100)}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var resp Response
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json; charset=utf-8" || json.Unmarshal(b, &resp) != nil {
			http.Error(w, "bad follow-up", http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.got = append(c.got, resp)
		c.mu.Unlock()
		c.seen <- struct{}{}
	}))
	t.Cleanup(c.srv.Close)
	return c
}

// wait returns the nth (1-based) follow-up, failing after a generous timeout.
func (c *capture) wait(t testing.TB, n int) Response {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		c.mu.Lock()
		if len(c.got) >= n {
			r := c.got[n-1]
			c.mu.Unlock()
			return r
		}
		c.mu.Unlock()
		select {
		case <-c.seen:
		case <-deadline:
			t.Fatalf("no follow-up #%d within 20s", n)
		}
	}
}

func (c *capture) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got)
}

func decodeResponse(t testing.TB, rec *httptest.ResponseRecorder) Response {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q", ct)
	}
	var r Response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("decode answer: %v: %s", err, rec.Body)
	}
	return r
}

func TestCommandsEndpoint(t *testing.T) {
	h := newTestHandler(t, Options{Incidents: sampleIncidents(), Now: time.Now})
	srv := h.CommandsHandler(Verifier{Secrets: []string{testSecret}})
	now := time.Now()
	body := slackForm("oncall sre", "https://hooks.slack.invalid/commands/1")

	t.Run("signed command answered inline", func(t *testing.T) {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, signedRequest(t, "/slack/commands", body, testSecret, now))
		r := decodeResponse(t, rec)
		if r.ResponseType != Ephemeral || !strings.Contains(r.Text, "Site reliability") {
			t.Errorf("answer = %+v", r)
		}
	})
	refused := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"wrong secret", func() *http.Request { return signedRequest(t, "/slack/commands", body, "other", now) }, http.StatusUnauthorized},
		{"stale", func() *http.Request {
			return signedRequest(t, "/slack/commands", body, testSecret, now.Add(-10*time.Minute))
		}, http.StatusUnauthorized},
		{"replayed signature on an altered body", func() *http.Request {
			r := signedRequest(t, "/slack/commands", body, testSecret, now)
			altered := strings.Replace(body, "oncall", "incidents", 1)
			r.Body = io.NopCloser(strings.NewReader(altered))
			r.ContentLength = int64(len(altered))
			return r
		}, http.StatusUnauthorized},
		{"unsigned", func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
		}, http.StatusUnauthorized},
		{"too large", func() *http.Request {
			big := body + "&pad=" + strings.Repeat("x", MaxCommandBytes)
			return signedRequest(t, "/slack/commands", big, testSecret, now)
		}, http.StatusRequestEntityTooLarge},
		{"no command field", func() *http.Request {
			return signedRequest(t, "/slack/commands", "text=x", testSecret, now)
		}, http.StatusBadRequest},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, tt.req())
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d (%s)", rec.Code, tt.status, rec.Body)
			}
		})
	}
	t.Run("no secret configured", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.CommandsHandler(Verifier{}).ServeHTTP(rec, signedRequest(t, "/slack/commands", body, testSecret, now))
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("status = %d, want 503", rec.Code)
		}
	})
}

// slowHandbook is a handbook whose search index takes until release to
// arrive, like an index whose shards are still being fetched.
type slowHandbook struct {
	*handbook.Source
	release chan struct{}
}

func (s slowHandbook) Index() *search.Index {
	<-s.release
	return s.Source.Index()
}

func TestSlowCommandFollowsUp(t *testing.T) {
	cap := newCapture(t)
	slow := slowHandbook{Source: loadSource(t), release: make(chan struct{})}
	h := newTestHandler(t, Options{Handbook: slow, InlineBudget: 50 * time.Millisecond, Now: time.Now})
	srv := h.CommandsHandler(Verifier{Secrets: []string{testSecret}})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, signedRequest(t, "/slack/commands", slackForm("disk filling", cap.srv.URL+"/resp"), testSecret, time.Now()))
	ack := decodeResponse(t, rec)
	if !strings.Contains(ack.Text, "Looking that up") || len(ack.Blocks) != 0 {
		t.Fatalf("immediate answer = %+v, want an acknowledgement", ack)
	}
	if n := cap.count(); n != 0 {
		t.Fatalf("%d follow-ups before the answer was ready", n)
	}
	close(slow.release)
	got := cap.wait(t, 1)
	if got.ResponseType != Ephemeral || !strings.Contains(got.Text, "disk filling") || len(got.Blocks) < 2 {
		t.Errorf("follow-up = %+v", got)
	}
	h.Wait()
	if n := cap.count(); n != 1 {
		t.Errorf("%d follow-ups, want 1", n)
	}
}

func TestFollowUpRetriesServerErrors(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			http.Error(w, "oops", http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	h := newTestHandler(t, Options{})
	if err := h.FollowUp(context.Background(), srv.URL, Response{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("%d calls, want 2", calls)
	}
	if err := h.FollowUp(context.Background(), "javascript:alert(1)", Response{Text: "x"}); err == nil {
		t.Error("a non-http response_url was accepted")
	}
}

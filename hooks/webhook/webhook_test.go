package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
)

// observedSink is a Sink that is also an Observer, as bot/metrics's is.
type observedSink struct {
	accept   func(context.Context, bot.Delivery) error
	outcomes []string // "source outcome reason"
}

func (s *observedSink) Accept(ctx context.Context, d bot.Delivery) error { return s.accept(ctx, d) }

func (s *observedSink) Webhook(source, outcome, reason string) {
	s.outcomes = append(s.outcomes, strings.TrimSpace(source+" "+outcome+" "+reason))
}

func newHandler(sinkErr error, calls *int) *Handler {
	return &Handler{
		Source:   "test",
		MaxBytes: 16,
		Decode: func(_ *http.Request, body []byte, _ time.Time) (bot.Delivery, error) {
			if string(body) == "bad" {
				return bot.Delivery{}, errors.New("bad payload")
			}
			if string(body) == "teapot" {
				return bot.Delivery{}, &Error{Status: http.StatusTeapot, Reason: "short and stout"}
			}
			return bot.Delivery{Source: "test", ContentKey: "k", Events: []bot.Event{{Key: "test/1"}}}, nil
		},
		Sink: &observedSink{accept: func(context.Context, bot.Delivery) error { *calls++; return sinkErr }},
	}
}

type statusCase struct {
	name          string
	method        string
	body          io.Reader
	contentLength int64 // -1: unknown (chunked)
	sinkErr       error
	retryAfter    time.Duration
	wantStatus    int
	wantCalls     int
	contentType   string // "" is application/json; "-" sends none
	wantHeader    [2]string
	wantOutcome   string
}

func TestHandlerStatus(t *testing.T) {
	tests := []statusCase{
		{name: "ok", method: "POST", body: strings.NewReader("{}"), contentLength: 2, wantStatus: 200, wantCalls: 1, wantOutcome: "test accepted"},
		{name: "GET", method: "GET", body: strings.NewReader("{}"), contentLength: 2, wantStatus: 405, wantHeader: [2]string{"Allow", "POST"}, wantOutcome: "test refused method"},
		{name: "PUT", method: "PUT", body: strings.NewReader("{}"), contentLength: 2, wantStatus: 405},
		{name: "declared too large", method: "POST", body: strings.NewReader(strings.Repeat("x", 17)), contentLength: 17, wantStatus: 413, wantOutcome: "test refused too_large"},
		{name: "chunked too large", method: "POST", body: io.MultiReader(strings.NewReader(strings.Repeat("x", 40))), contentLength: -1, wantStatus: 413},
		{name: "exactly the limit", method: "POST", body: strings.NewReader(strings.Repeat("x", 16)), contentLength: 16, wantStatus: 200, wantCalls: 1},
		{name: "invalid UTF-8", method: "POST", body: strings.NewReader("\xc3\x28"), contentLength: 2, wantStatus: 400, wantOutcome: "test refused bad_request"},
		{name: "decode error is 400", method: "POST", body: strings.NewReader("bad"), contentLength: 3, wantStatus: 400},
		{name: "decode may choose status", method: "POST", body: strings.NewReader("teapot"), contentLength: 6, wantStatus: 418, wantOutcome: "test refused status_418"},
		{name: "overloaded", method: "POST", body: strings.NewReader("{}"), contentLength: 2, sinkErr: bot.ErrOverloaded, wantStatus: 503, wantCalls: 1, wantHeader: [2]string{"Retry-After", "5"}, wantOutcome: "test refused overloaded"},
		{name: "overloaded, custom retry rounds up", method: "POST", body: strings.NewReader("{}"), contentLength: 2, sinkErr: bot.ErrOverloaded, retryAfter: 1500 * time.Millisecond, wantStatus: 503, wantCalls: 1, wantHeader: [2]string{"Retry-After", "2"}},
		{name: "other sink error", method: "POST", body: strings.NewReader("{}"), contentLength: 2, sinkErr: errors.New("disk full"), wantStatus: 500, wantCalls: 1, wantOutcome: "test refused error"},
	}
	contentTypes := []struct {
		name, ct string
		want     int
	}{
		{"JSON with charset", "application/json; charset=utf-8", 200},
		{"JSON upper case", "Application/JSON", 200},
		{"vendor JSON", "application/vnd.pagerduty+json", 200},
		{"no Content-Type", "-", 415},
		{"form", "application/x-www-form-urlencoded", 415},
		{"text", "text/plain", 415},
		{"unparsable", "application/json; charset", 415},
		{"latin-1 JSON", "application/json; charset=iso-8859-1", 415},
	}
	for _, c := range contentTypes {
		tt := statusCase{name: c.name, method: "POST", body: strings.NewReader("{}"), contentLength: 2, contentType: c.ct, wantStatus: c.want, wantOutcome: "test accepted"}
		if c.want == 200 {
			tt.wantCalls = 1
		} else {
			tt.wantHeader = [2]string{"Accept-Post", "application/json"}
			tt.wantOutcome = "test refused content_type"
		}
		tests = append(tests, tt)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			h := newHandler(tt.sinkErr, &calls)
			h.RetryAfter = tt.retryAfter
			req := httptest.NewRequest(tt.method, "/hooks/test", tt.body)
			req.ContentLength = tt.contentLength
			switch tt.contentType {
			case "":
				req.Header.Set("Content-Type", "application/json")
			case "-":
			default:
				req.Header.Set("Content-Type", tt.contentType)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", rec.Code, tt.wantStatus, rec.Body)
			}
			if calls != tt.wantCalls {
				t.Errorf("sink calls = %d, want %d", calls, tt.wantCalls)
			}
			if k := tt.wantHeader[0]; k != "" && rec.Header().Get(k) != tt.wantHeader[1] {
				t.Errorf("%s = %q, want %q", k, rec.Header().Get(k), tt.wantHeader[1])
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if got := h.Sink.(*observedSink).outcomes; tt.wantOutcome != "" && (len(got) != 1 || got[0] != tt.wantOutcome) {
				t.Errorf("observed %q, want [%q]", got, tt.wantOutcome)
			}
		})
	}
}

func TestAuthCheck(t *testing.T) {
	tests := []struct {
		name    string
		auth    Auth
		headers map[string]string
		want    int // 0 ok
	}{
		{"nothing configured", Auth{}, map[string]string{"Authorization": "Bearer x"}, 403},
		{"nothing configured, insecure", Auth{Insecure: true}, nil, 0},
		{"insecure ignored when configured", Auth{Token: "t", Insecure: true}, nil, 401},
		{"bearer ok", Auth{Token: "t"}, map[string]string{"Authorization": "Bearer t"}, 0},
		{"bearer scheme case-insensitive", Auth{Token: "t"}, map[string]string{"Authorization": "bearer t"}, 0},
		{"bearer prefix of token", Auth{Token: "token"}, map[string]string{"Authorization": "Bearer tok"}, 403},
		{"bearer empty", Auth{Token: "t"}, map[string]string{"Authorization": "Bearer "}, 403},
		{"unknown scheme", Auth{Token: "t"}, map[string]string{"Authorization": "Token t"}, 403},
		{"basic ok", Auth{Username: "u", Password: "p"}, map[string]string{"Authorization": "Basic dTpw"}, 0},
		{"basic wrong user", Auth{Username: "u", Password: "p"}, map[string]string{"Authorization": "Basic eDpw"}, 403},
		{"basic malformed", Auth{Username: "u", Password: "p"}, map[string]string{"Authorization": "Basic !!!"}, 403},
		{"basic when only token", Auth{Token: "p"}, map[string]string{"Authorization": "Basic dTpw"}, 403},
		{"custom header ok", Auth{Token: "t", Header: "X-Token"}, map[string]string{"X-Token": "t"}, 0},
		{"custom header wrong, bearer right", Auth{Token: "t", Header: "X-Token"}, map[string]string{"X-Token": "x", "Authorization": "Bearer t"}, 0},
		{"custom header wrong", Auth{Token: "t", Header: "X-Token"}, map[string]string{"X-Token": "x"}, 403},
		{"missing", Auth{Token: "t", Header: "X-Token"}, nil, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			err := tt.auth.Check(r)
			got := 0
			if err != nil {
				var we *Error
				if !errors.As(err, &we) {
					t.Fatalf("error %v is not a *Error", err)
				}
				got = we.Status
			}
			if got != tt.want {
				t.Errorf("Check = %v (status %d), want status %d", err, got, tt.want)
			}
		})
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	type target struct {
		A struct {
			B []int `json:"b"`
		} `json:"a"`
	}
	tests := []struct{ name, body, want string }{
		{"syntax on line 3", "{\n\"a\": {\n\"b\": [1,,2]}}", "line 3, column 9"},
		{"type error names the field", `{"a": {"b": ["x"]}}`, "field a.b"},
		{"top-level type", `"str"`, "field body"},
		{"truncated", `{"a": {`, "unexpected end"},
		{"empty", ``, "unexpected end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v target
			err := DecodeJSON([]byte(tt.body), &v)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeJSON = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

// Package hookstest has the test doubles and helpers the adapter tests share:
// a recording bot.Sink and golden-file comparison.
package hookstest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/internal/testutil"
)

// Sink records every accepted delivery and answers with Err.
type Sink struct {
	Err error // returned from Accept; nil accepts

	mu         sync.Mutex
	deliveries []bot.Delivery
}

var _ bot.Sink = (*Sink)(nil)

// Accept records d and returns s.Err.
func (s *Sink) Accept(_ context.Context, d bot.Delivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliveries = append(s.deliveries, d)
	return s.Err
}

// Deliveries returns what Accept was called with, in order.
func (s *Sink) Deliveries() []bot.Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bot.Delivery(nil), s.deliveries...)
}

// Golden compares got, marshalled as indented JSON, with testdata/name; with
// update set it rewrites the file instead.
func Golden(tb testing.TB, name string, got any) {
	tb.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		tb.Fatalf("marshal: %v", err)
	}
	testutil.Golden(tb, filepath.Join("testdata", name), append(b, '\n'))
}

// ReadFile reads testdata/name.
func ReadFile(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Payloads lists the testdata/*.json files that are inputs (not goldens).
func Payloads(tb testing.TB) []string {
	tb.Helper()
	all, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, p := range all {
		if !strings.HasSuffix(p, ".golden.json") {
			out = append(out, filepath.Base(p))
		}
	}
	if len(out) == 0 {
		tb.Fatal("no sample payloads in testdata")
	}
	return out
}

// CheckDelivery asserts the properties every successful decode has: the
// delivery and each event carry the source, and every event's Key starts
// with "source/" and has something after it.
func CheckDelivery(tb testing.TB, source string, d bot.Delivery) {
	tb.Helper()
	if d.Source != source {
		tb.Errorf("Delivery.Source = %q, want %q", d.Source, source)
	}
	if d.ContentKey == "" {
		tb.Errorf("Delivery.ContentKey is empty")
	}
	for i, e := range d.Events {
		if e.Source != source {
			tb.Errorf("Events[%d].Source = %q, want %q", i, e.Source, source)
		}
		if !strings.HasPrefix(e.Key, source+"/") || len(e.Key) <= len(source)+1 {
			tb.Errorf("Events[%d].Key = %q, want non-empty with prefix %q", i, e.Key, source+"/")
		}
		if e.Kind == "" {
			tb.Errorf("Events[%d].Kind is empty", i)
		}
		if e.At.IsZero() {
			tb.Errorf("Events[%d].At is zero", i)
		}
	}
}

// Post sends body to h as a POST with the given headers (name, value pairs)
// and returns the recorded response.
func Post(tb testing.TB, h http.Handler, body []byte, headers ...string) *httptest.ResponseRecorder {
	tb.Helper()
	if len(headers)%2 != 0 {
		tb.Fatal("Post: headers must be name, value pairs")
	}
	req := httptest.NewRequest(http.MethodPost, "/hooks/test", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// ErrorReason decodes the {"error": "..."} body of a rejection.
func ErrorReason(tb testing.TB, rec *httptest.ResponseRecorder) string {
	tb.Helper()
	var v struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		tb.Fatalf("response body %q is not JSON: %v", rec.Body.String(), err)
	}
	return v.Error
}

// DecodeGolden decodes every input payload in testdata with decode at
// receivedAt, checks the delivery's invariants for source and compares it with
// testdata/<name>.golden.json (rewritten with update).
func DecodeGolden(t *testing.T, source string, decode func([]byte, time.Time) (bot.Delivery, error), receivedAt time.Time) {
	t.Helper()
	for _, name := range Payloads(t) {
		t.Run(name, func(t *testing.T) {
			got, err := decode(ReadFile(t, name), receivedAt)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			CheckDelivery(t, source, got)
			Golden(t, strings.TrimSuffix(name, ".json")+".golden.json", got)
		})
	}
}

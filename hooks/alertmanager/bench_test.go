package alertmanager

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
)

// stormBody is one notification for a group of n firing alerts, the shape
// an alert storm produces.
func stormBody(b *testing.B, n int) []byte {
	b.Helper()
	p := payload{Version: "4", Receiver: "compass", Status: "firing", GroupKey: `{}:{alertname="KubePodCrashLooping"}`}
	for i := range n {
		p.Alerts = append(p.Alerts, alert{
			Status:      "firing",
			Labels:      map[string]string{"alertname": "KubePodCrashLooping", "namespace": "payments", "pod": fmt.Sprintf("worker-%d", i), "severity": "warning"},
			StartsAt:    time.Date(2025, 3, 4, 9, 0, i%60, 0, time.UTC).Format(time.RFC3339),
			EndsAt:      "0001-01-01T00:00:00Z",
			Fingerprint: fmt.Sprintf("%016x", i),
		})
	}
	body, err := json.Marshal(p)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkHandler measures the adapter's share of webhook accept latency:
// auth, body read, decode and content key, with a sink that returns at once.
func BenchmarkHandler(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("alerts=%d", n), func(b *testing.B) {
			body := stormBody(b, n)
			h := New(Options{Token: "t"}, &discardSink{}, nil)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/hooks/alertmanager", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer t")
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

type discardSink struct{}

func (discardSink) Accept(context.Context, bot.Delivery) error { return nil }

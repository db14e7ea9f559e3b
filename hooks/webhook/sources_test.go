package webhook_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compasshq/compass/hooks/alertmanager"
	"github.com/compasshq/compass/hooks/grafana"
	"github.com/compasshq/compass/hooks/internal/hookstest"
	"github.com/compasshq/compass/hooks/opsgenie"
	"github.com/compasshq/compass/hooks/pagerduty"
)

// TestContentTypePerSource: every adapter refuses a body that is not JSON
// with 415 and says what to send, and takes its real payload as
// application/json (issue 13: the Content-Type of webhooks was not checked).
func TestContentTypePerSource(t *testing.T) {
	sources := []struct {
		name    string
		handler func(*hookstest.Sink) http.Handler
		payload string // testdata file of the adapter
		headers func(body []byte) []string
	}{
		{"alertmanager", func(s *hookstest.Sink) http.Handler {
			return alertmanager.New(alertmanager.Options{Token: "t"}, s, nil)
		},
			"../alertmanager/testdata/firing.json", func([]byte) []string { return []string{"Authorization", "Bearer t"} }},
		{"grafana", func(s *hookstest.Sink) http.Handler { return grafana.New(grafana.Options{Token: "t"}, s, nil) },
			"../grafana/testdata/firing.json", func([]byte) []string { return []string{"Authorization", "Bearer t"} }},
		{"opsgenie", func(s *hookstest.Sink) http.Handler { return opsgenie.New(opsgenie.Options{Token: "t"}, s, nil) },
			"../opsgenie/testdata/create.json", func([]byte) []string { return []string{"Authorization", "Bearer t"} }},
		{"pagerduty", func(s *hookstest.Sink) http.Handler {
			return pagerduty.New(pagerduty.Options{Secrets: []string{"s"}}, s, nil)
		},
			"../pagerduty/testdata/triggered.json", func(b []byte) []string { return []string{pagerduty.SignatureHeader, pagerduty.Sign(b, "s")} }},
	}
	types := []struct {
		ct   string
		want int
	}{
		{"application/json", 200},
		{"application/json; charset=utf-8", 200},
		{"text/plain", 415},
		{"application/x-www-form-urlencoded", 415},
		{"", 415},
	}
	for _, src := range sources {
		body, err := os.ReadFile(filepath.FromSlash(src.payload))
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range types {
			t.Run(src.name+"/"+tt.ct, func(t *testing.T) {
				sink := &hookstest.Sink{}
				rec := hookstest.Post(t, src.handler(sink), body, append(src.headers(body), "Content-Type", tt.ct)...)
				if rec.Code != tt.want {
					t.Fatalf("status = %d, want %d (%s)", rec.Code, tt.want, rec.Body)
				}
				if tt.want == 415 {
					if reason := hookstest.ErrorReason(t, rec); !strings.Contains(reason, "application/json") {
						t.Errorf("reason %q does not say what to send", reason)
					}
					if n := len(sink.Deliveries()); n != 0 {
						t.Errorf("%d deliveries reached the sink", n)
					}
				}
			})
		}
	}
}

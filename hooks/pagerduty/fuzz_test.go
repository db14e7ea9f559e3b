package pagerduty

import (
	"testing"

	"github.com/compasshq/compass/hooks/internal/hookstest"
)

// FuzzDecode checks that Decode never panics, that what it accepts is keyed
// under "pagerduty/" with at most one event, and that the content key
// depends only on the body.
func FuzzDecode(f *testing.F) {
	for _, name := range hookstest.Payloads(f) {
		f.Add(hookstest.ReadFile(f, name))
	}
	f.Add([]byte(`{"event":{"event_type":"incident.annotated","resource_type":"incident","data":{"incident":{"id":"Q"}}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := Decode(body, receivedAt)
		if err != nil {
			return
		}
		hookstest.CheckDelivery(t, Source, d)
		if len(d.Events) > 1 {
			t.Fatalf("got %d events, want at most 1", len(d.Events))
		}
		again, err := Decode(body, receivedAt.Add(3600e9))
		if err != nil || again.ContentKey != d.ContentKey {
			t.Fatalf("not deterministic: %v, %s vs %s", err, d.ContentKey, again.ContentKey)
		}
	})
}

// FuzzVerify checks that only a signature made with a configured secret over
// the exact body passes.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(`{"event":{}}`), "secret", "v1=00")
	f.Fuzz(func(t *testing.T, body []byte, secret, header string) {
		if secret == "" {
			return
		}
		if err := Verify([]string{secret}, []string{header + "," + Sign(body, secret)}, body); err != nil {
			t.Fatalf("own signature rejected: %v", err)
		}
		if err := Verify([]string{secret}, []string{Sign(append(body, 'x'), secret)}, body); err == nil {
			t.Fatal("signature of another body accepted")
		}
	})
}

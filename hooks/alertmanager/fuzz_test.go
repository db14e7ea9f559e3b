package alertmanager

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/compasshq/compass/hooks/internal/hookstest"
)

func httptestRecorder(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// FuzzDecode checks that Decode never panics, that whatever it accepts is a
// well-formed delivery keyed under "alertmanager/", and that the content key
// depends on nothing but the body.
func FuzzDecode(f *testing.F) {
	for _, name := range hookstest.Payloads(f) {
		f.Add(hookstest.ReadFile(f, name))
	}
	f.Add([]byte(`{"version":"4","receiver":"r","groupKey":"g","status":"firing","alerts":[{"status":"firing"}]}`))
	f.Add([]byte(`{"version":"4"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := Decode(body, receivedAt)
		if err != nil {
			return
		}
		hookstest.CheckDelivery(t, Source, d)
		if len(d.Events) != 1 {
			t.Fatalf("got %d events, want exactly 1", len(d.Events))
		}
		again, err := Decode(body, receivedAt.Add(3600e9))
		if err != nil {
			t.Fatalf("second Decode failed: %v", err)
		}
		if again.ContentKey != d.ContentKey {
			t.Fatalf("ContentKey not deterministic: %s vs %s", d.ContentKey, again.ContentKey)
		}
	})
}

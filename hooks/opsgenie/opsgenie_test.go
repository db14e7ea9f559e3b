package opsgenie

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/hooks/internal/hookstest"
)

var receivedAt = time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)

func TestDecodeGolden(t *testing.T) {
	hookstest.DecodeGolden(t, Source, Decode, receivedAt)
}

func TestDecodeEvents(t *testing.T) {
	const key = "opsgenie/7c1e4b2a-93f0-4d6e-b8a1-2f5c9d0e6a17-1741060800123"
	tests := []struct {
		name         string
		file         string
		wantKind     bot.EventKind // "": ignored
		wantStatus   bot.Status
		wantSeverity bot.Severity
		wantActor    string
		wantNote     string
		wantAt       time.Time
	}{
		{"create", "create.json", bot.KindTriggered, bot.StatusFiring, bot.SeverityCritical, "System", "", time.UnixMilli(1741060800123)},
		{"acknowledge", "acknowledge.json", bot.KindAcknowledged, bot.StatusAcknowledged, bot.SeverityCritical, "oncall@lattice.example", "", time.Unix(0, 1741061100456000000)},
		{"add note keeps status", "addnote.json", bot.KindAnnotated, "", bot.SeverityCritical, "oncall@lattice.example", "Defragmented etcd-2; latency back to 40ms. @here not needed.", time.Unix(1741061400, 0)},
		{"assign ownership", "assignownership.json", bot.KindReassigned, "", bot.SeverityCritical, "lead@lattice.example", "dba@lattice.example", time.Unix(1741061460, 0)},
		{"update priority with RFC 3339 times", "updatepriority_rfc3339.json", bot.KindPriorityUpdated, "", bot.SeverityInfo, "lead@lattice.example", "P4", time.Date(2025, 3, 4, 4, 12, 0, 0, time.UTC)},
		{"close with note", "close.json", bot.KindResolved, bot.StatusResolved, bot.SeverityCritical, "oncall@lattice.example", "Resolved by defrag", time.Unix(1741062000, 0)},
		{"add tags ignored", "ignored_addtags.json", "", "", "", "", "", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decode(hookstest.ReadFile(t, tt.file), receivedAt)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantKind == "" {
				if len(d.Events) != 0 {
					t.Fatalf("got %d events, want none", len(d.Events))
				}
				return
			}
			if len(d.Events) != 1 {
				t.Fatalf("got %d events, want 1", len(d.Events))
			}
			e := d.Events[0]
			if e.Key != key || e.Kind != tt.wantKind || e.Status != tt.wantStatus || e.Severity != tt.wantSeverity {
				t.Errorf("Key, Kind, Status, Severity = %q, %q, %q, %q; want %q, %q, %q, %q",
					e.Key, e.Kind, e.Status, e.Severity, key, tt.wantKind, tt.wantStatus, tt.wantSeverity)
			}
			if e.Actor != tt.wantActor || e.Note != tt.wantNote {
				t.Errorf("Actor, Note = %q, %q; want %q, %q", e.Actor, e.Note, tt.wantActor, tt.wantNote)
			}
			if !e.At.Equal(tt.wantAt) {
				t.Errorf("At = %v, want %v", e.At, tt.wantAt)
			}
		})
	}
}

func TestLabels(t *testing.T) {
	d, err := Decode(hookstest.ReadFile(t, "create.json"), receivedAt)
	if err != nil {
		t.Fatal(err)
	}
	got := d.Events[0].Labels
	want := map[string]string{"cluster": "eu-west-prod", "team": "platform", "service": "etcd", "namespace": "kube-system", "priority": "P2", "tiny_id": "4821"}
	if len(got) != len(want) {
		t.Errorf("Labels = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Labels[%q] = %q, want %q", k, got[k], v)
		}
	}
	d, _ = Decode(hookstest.ReadFile(t, "updatepriority_rfc3339.json"), receivedAt)
	if l := d.Events[0].Labels; l["team"] != "" || l["priority"] != "P4" {
		t.Errorf("without tags, details or teams: Labels = %v", l)
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2025, 3, 4, 4, 0, 0, 0, time.UTC)
	tests := []struct {
		name, raw string
		want      time.Time
		wantErr   bool
	}{
		{"seconds", "1741060800", want, false},
		{"milliseconds", "1741060800000", want, false},
		{"microseconds", "1741060800000000", want, false},
		{"nanoseconds", "1741060800000000000", want, false},
		{"quoted number", `"1741060800000"`, want, false},
		{"RFC 3339 with offset", `"2025-03-04T05:00:00+01:00"`, want, false},
		{"null", "null", time.Time{}, false},
		{"empty string", `""`, time.Time{}, false},
		{"negative", "-5", time.Time{}, true},
		{"words", `"tuesday"`, time.Time{}, true},
		{"object", `{}`, time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseTime([]byte(tt.raw))
			if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
				t.Errorf("parseTime(%s) = %v, %v; want %v, error %v", tt.raw, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"malformed", `{"action":`, "unexpected end"},
		{"no action", `{"alert":{"alertId":"a"}}`, "action: missing"},
		{"no alert id", `{"action":"Create","alert":{"message":"m"}}`, "alert.alertId: missing"},
		{"bad createdAt", `{"action":"Create","alert":{"alertId":"a","createdAt":"yesterday"}}`, "alert.createdAt"},
		{"tags not strings", `{"action":"Create","alert":{"alertId":"a","tags":[1]}}`, "field alert.tags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.body), receivedAt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestContentKey(t *testing.T) {
	keys := map[string]string{}
	for _, name := range hookstest.Payloads(t) {
		d, err := Decode(hookstest.ReadFile(t, name), receivedAt)
		if err != nil {
			t.Fatal(err)
		}
		if other, dup := keys[d.ContentKey]; dup {
			t.Errorf("%s and %s share a content key", name, other)
		}
		keys[d.ContentKey] = name
	}
}

func TestHandler(t *testing.T) {
	valid := hookstest.ReadFile(t, "create.json")
	ignored := hookstest.ReadFile(t, "ignored_addtags.json")
	opts := Options{Token: "og-secret", Header: "X-Compass-Token", BaseURL: "https://lattice.app.opsgenie.com/"}
	tests := []struct {
		name       string
		opts       Options
		sinkErr    error
		body       []byte
		headers    []string
		wantStatus int
		wantEvents int // -1: sink not called
	}{
		{"custom header", opts, nil, valid, []string{"X-Compass-Token", "og-secret"}, 200, 1},
		{"bearer", opts, nil, valid, []string{"Authorization", "Bearer og-secret"}, 200, 1},
		{"basic", Options{Username: "og", Password: "pw"}, nil, valid, []string{"Authorization", "Basic b2c6cHc="}, 200, 1},
		{"wrong header value", opts, nil, valid, []string{"X-Compass-Token", "nope"}, 403, -1},
		{"header name not configured", Options{Token: "og-secret"}, nil, valid, []string{"X-Compass-Token", "og-secret"}, 401, -1},
		{"missing", opts, nil, valid, nil, 401, -1},
		{"unconfigured", Options{}, nil, valid, []string{"X-Compass-Token", "og-secret"}, 403, -1},
		{"ignored action accepted", opts, nil, ignored, []string{"X-Compass-Token", "og-secret"}, 200, 0},
		{"too big", Options{Token: "t", MaxBytes: 64}, nil, valid, []string{"Authorization", "Bearer t"}, 413, -1},
		{"malformed", opts, nil, []byte("{]"), []string{"X-Compass-Token", "og-secret"}, 400, -1},
		{"overloaded", opts, bot.ErrOverloaded, valid, []string{"X-Compass-Token", "og-secret"}, 503, 1},
		{"store error", opts, errors.New("x"), valid, []string{"X-Compass-Token", "og-secret"}, 500, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &hookstest.Sink{Err: tt.sinkErr}
			rec := hookstest.Post(t, New(tt.opts, sink, nil), tt.body, tt.headers...)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			ds := sink.Deliveries()
			if tt.wantEvents < 0 {
				if len(ds) != 0 {
					t.Fatalf("sink called %d times, want never", len(ds))
				}
				return
			}
			if len(ds) != 1 || len(ds[0].Events) != tt.wantEvents {
				t.Fatalf("deliveries %+v, want one with %d events", ds, tt.wantEvents)
			}
			if tt.wantEvents > 0 && tt.opts.BaseURL != "" {
				want := "https://lattice.app.opsgenie.com/alert/detail/7c1e4b2a-93f0-4d6e-b8a1-2f5c9d0e6a17-1741060800123/details"
				if got := ds[0].Events[0].URL; got != want {
					t.Errorf("URL = %q, want %q", got, want)
				}
			}
		})
	}
}

// FuzzDecode checks that Decode never panics, that what it accepts is keyed
// under "opsgenie/" with at most one event, and that the content key depends
// only on the body.
func FuzzDecode(f *testing.F) {
	for _, name := range hookstest.Payloads(f) {
		f.Add(hookstest.ReadFile(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := Decode(body, receivedAt)
		if err != nil {
			return
		}
		hookstest.CheckDelivery(t, Source, d)
		if len(d.Events) > 1 {
			t.Fatalf("got %d events, want at most 1", len(d.Events))
		}
		again, err := Decode(body, receivedAt.Add(time.Hour))
		if err != nil || again.ContentKey != d.ContentKey {
			t.Fatalf("not deterministic: %v, %s vs %s", err, d.ContentKey, again.ContentKey)
		}
	})
}

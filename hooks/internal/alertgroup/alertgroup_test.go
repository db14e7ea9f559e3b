package alertgroup

import (
	"fmt"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
)

func TestMapSeverity(t *testing.T) {
	tests := []struct {
		in   string
		want bot.Severity
	}{
		{"critical", bot.SeverityCritical}, {"Page", bot.SeverityCritical}, {" error ", bot.SeverityCritical},
		{"warning", bot.SeverityWarning}, {"WARN", bot.SeverityWarning},
		{"info", bot.SeverityInfo}, {"none", bot.SeverityInfo},
		{"", ""}, {"p1", ""}, {"major", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := MapSeverity(tt.in); got != tt.want {
				t.Errorf("MapSeverity(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func alertOf(name, status, severity, summary string) Alert {
	a := Alert{Status: status, Labels: map[string]string{"alertname": name}, StartsAt: "2025-03-04T10:00:00Z"}
	if severity != "" {
		a.Labels["severity"] = severity
	}
	if summary != "" {
		a.Annotations = map[string]string{"summary": summary}
	}
	if status == "resolved" {
		a.EndsAt = "2025-03-04T10:30:00Z"
	}
	return a
}

func TestEventTitleAndSeverity(t *testing.T) {
	tests := []struct {
		name         string
		p            Payload
		wantTitle    string
		wantSeverity bot.Severity
	}{
		{
			name:      "one alert, its own summary",
			p:         Payload{Status: "firing", CommonLabels: map[string]string{"alertname": "DiskFull"}, Alerts: []Alert{alertOf("DiskFull", "firing", "", "/ is full")}},
			wantTitle: "DiskFull: / is full",
		},
		{
			name:         "all resolved",
			p:            Payload{Status: "resolved", CommonLabels: map[string]string{"alertname": "DiskFull", "severity": "warning"}, Alerts: []Alert{alertOf("DiskFull", "resolved", "warning", ""), alertOf("DiskFull", "resolved", "warning", "")}},
			wantTitle:    "DiskFull (2 resolved)",
			wantSeverity: bot.SeverityWarning,
		},
		{
			name: "many names are capped",
			p: Payload{Status: "firing", Alerts: []Alert{
				alertOf("E", "firing", "info", ""), alertOf("D", "firing", "", ""), alertOf("C", "firing", "", ""),
				alertOf("B", "resolved", "critical", ""), alertOf("A", "firing", "warning", ""),
			}},
			wantTitle:    "A, B, C and 2 more (4 firing)",
			wantSeverity: bot.SeverityWarning, // the resolved critical doesn't count while others fire
		},
		{
			name:         "unknown common severity is empty, not guessed",
			p:            Payload{Status: "firing", CommonLabels: map[string]string{"alertname": "X", "severity": "sev2"}, Alerts: []Alert{alertOf("X", "firing", "sev2", "")}},
			wantTitle:    "X",
			wantSeverity: "",
		},
		{
			name:      "no alert names falls back to the sender's title",
			p:         Payload{Status: "firing", Title: "[FIRING:1] thing", Alerts: []Alert{{Status: "firing"}}},
			wantTitle: "[FIRING:1] thing",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Event("test", "test/k", &tt.p, time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if e.Title != tt.wantTitle || e.Severity != tt.wantSeverity {
				t.Errorf("Title, Severity = %q, %q; want %q, %q", e.Title, e.Severity, tt.wantTitle, tt.wantSeverity)
			}
		})
	}
}

func TestFingerprintStable(t *testing.T) {
	a := Fingerprint(map[string]string{"a": "1", "b": "2"})
	b := Fingerprint(map[string]string{"b": "2", "a": "1"})
	c := Fingerprint(map[string]string{"a": "12"})
	d := Fingerprint(map[string]string{"a": "1", "b": "2", "": ""})
	if a != b || len(a) != 16 {
		t.Errorf("Fingerprint not stable under map order: %s vs %s", a, b)
	}
	if a == c || a == d {
		t.Error("different label sets share a fingerprint")
	}
}

// TestContentKeyUnambiguous pins that parts can't run into each other
// ("ab"+"c" vs "a"+"bc").
func TestContentKeyUnambiguous(t *testing.T) {
	if ContentKey([]string{"ab", "c"}, nil) == ContentKey([]string{"a", "bc"}, nil) {
		t.Error("length prefixes missing: concatenations collide")
	}
}

func BenchmarkEvent(b *testing.B) {
	p := Payload{Status: "firing", Receiver: "r", GroupKey: "g", CommonLabels: map[string]string{"alertname": "CPUThrottlingHigh"}}
	for i := range 200 {
		a := alertOf("CPUThrottlingHigh", "firing", "warning", "throttled")
		a.Labels["pod"] = fmt.Sprintf("api-%d", i)
		p.Alerts = append(p.Alerts, a)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Event("alertmanager", "alertmanager/r/g", &p, time.Unix(0, 0)); err != nil {
			b.Fatal(err)
		}
		_ = ContentKey([]string{"r", "g"}, p.Alerts)
	}
}

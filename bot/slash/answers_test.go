package slash

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
)

// fixedNow is a Wednesday in March 2026, before Europe's DST change.
var fixedNow = time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC)

func sampleIncidents() *fakeIncidents {
	t0 := fixedNow
	return &fakeIncidents{incs: []*bot.Incident{
		{
			Key: "alertmanager/ops/{}:{cluster=\"prod-eu-1\"}", Generation: 1, Source: "alertmanager",
			Status: bot.StatusFiring, Severity: bot.SeverityWarning, Title: "KubeCPUOvercommit <!channel>",
			Labels:   map[string]string{"cluster": "prod-eu-1"},
			OpenedAt: t0.Add(-2*time.Hour - 5*time.Minute),
			Thread:   bot.Thread{Channel: "C0SRE00001", TS: "1773830000.000100"},
			Alerts: []bot.Alert{
				{Name: "KubeCPUOvercommit", Fingerprint: "a1", Status: bot.StatusFiring, Labels: map[string]string{"cluster": "prod-eu-1"}, Summary: "CPU requests exceed capacity & <b>", StartsAt: t0.Add(-2 * time.Hour)},
				{Name: "NodeFilesystemAlmostOutOfSpace", Fingerprint: "a2", Status: bot.StatusFiring, Labels: map[string]string{"cluster": "prod-eu-1", "instance": "node-3", "mountpoint": "/var"}, Summary: "/var at 93%", StartsAt: t0.Add(-time.Hour)},
				{Name: "KubePodCrashLooping", Fingerprint: "a3", Status: bot.StatusFiring, Labels: map[string]string{"cluster": "prod-eu-1", "namespace": "shop"}, StartsAt: t0.Add(-time.Hour)},
				{Name: "KubeCPUQuotaOvercommit", Fingerprint: "a4", Status: bot.StatusResolved, Labels: map[string]string{"cluster": "prod-eu-1"}, StartsAt: t0.Add(-3 * time.Hour)},
			},
		},
		{
			Key: "grafana/disk", Generation: 1, Source: "grafana",
			Status: bot.StatusAcknowledged, Severity: bot.SeverityWarning, Title: "Disk filling up", Owner: "<@U05B2K9QD4M>",
			OpenedAt: t0.Add(-26 * time.Hour),
			Thread:   bot.Thread{Channel: "C0SRE00001", TS: "1773740000.000200"},
			Alerts: []bot.Alert{
				{Name: "KubePersistentVolumeFillingUp", Fingerprint: "b1", Status: bot.StatusFiring, Labels: map[string]string{"cluster": "prod-us-1", "persistentvolumeclaim": "data-pg-0"}, RunbookURL: "https://wiki.example.com/pvc", StartsAt: t0.Add(-26 * time.Hour)},
			},
		},
		{
			Key: "pagerduty/PABC123", Generation: 1, Source: "pagerduty",
			Status: bot.StatusFiring, Severity: bot.SeverityCritical, Title: "API error rate above 5%",
			OpenedAt: t0.Add(-10 * time.Minute),
			Thread:   bot.Thread{Channel: "#ops"},
		},
		{
			Key: "alertmanager/ops/old", Generation: 2, Source: "alertmanager",
			Status: bot.StatusResolved, Title: "Old", OpenedAt: t0.Add(-48 * time.Hour),
		},
	}}
}

func newTestHandler(t testing.TB, opt Options) *Handler {
	t.Helper()
	if opt.Handbook == nil {
		opt.Handbook = loadSource(t)
	}
	if opt.Now == nil {
		opt.Now = func() time.Time { return fixedNow }
	}
	h, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestAnswersGolden pins every subcommand's Block Kit JSON.
func TestAnswersGolden(t *testing.T) {
	h := newTestHandler(t, Options{Incidents: sampleIncidents(), CapacityAlerts: []string{"KubeMemoryOvercommit"}})
	tests := []struct {
		name, text string
	}{
		{"help", "help"},
		{"empty", ""},
		{"typo", "oncal"},
		{"search", "cpu quota"},
		{"search_bare", "disk filling"},
		{"search_none", "zzzqqq"},
		{"search_injection", "<!channel> @here &lt;!everyone&gt; disk"},
		{"oncall_all", "oncall"},
		{"oncall_team", "oncall sre"},
		{"oncall_channel_markup", "oncall <#C0APAC1234|apac-support>"},
		{"oncall_unknown", "oncall nobody"},
		{"oncall_no_rotation", "oncall docs"},
		{"incidents", "incidents"},
		{"capacity", "capacity"},
		{"capacity_cluster", "capacity prod-us-1"},
		{"capacity_cluster_none", "capacity staging"},
		{"team", "team sre"},
		{"teams", "teams"},
		{"team_unknown", "team <!here>"},
		{"meeting", "meeting retro"},
		{"meeting_slug", "meeting daily-standup"},
		{"meeting_ambiguous", "meeting iteration"},
		{"meeting_none", "meeting board"},
		{"meetings", "meetings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := h.Answer(context.Background(), Command{Command: "/compass", Text: tt.text})
			if got.ResponseType != Ephemeral {
				t.Errorf("response_type = %q, want ephemeral", got.ResponseType)
			}
			checkNoInjectedMentions(t, rawJSON(t, got))
			golden(t, "answer_"+tt.name+".json", got)
		})
	}
}

// rawJSON marshals v without HTML escaping, so that "<" stays "<" and the
// checks see what Slack will.
func rawJSON(t testing.TB, v any) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// checkNoInjectedMentions asserts that every <! in an answer is a date token
// the handler made, never a broadcast from text.
func checkNoInjectedMentions(t testing.TB, s string) {
	t.Helper()
	rest := s
	for {
		i := strings.Index(rest, "<!")
		if i < 0 {
			break
		}
		if !strings.HasPrefix(rest[i:], "<!date^") {
			t.Fatalf("answer contains %q", rest[i:min(len(rest), i+20)])
		}
		rest = rest[i+2:]
	}
	for _, m := range []string{"@channel", "@here", "@everyone"} {
		if strings.Contains(strings.ToLower(s), m) {
			t.Fatalf("answer contains a bare %s", m)
		}
	}
}

func TestIncidentsStoreErrors(t *testing.T) {
	h := newTestHandler(t, Options{Incidents: &fakeIncidents{err: bot.ErrBusy}})
	for _, text := range []string{"incidents", "capacity"} {
		got := h.Answer(context.Background(), Command{Text: text})
		if !strings.Contains(got.Text, "Could not read the incident board") {
			t.Errorf("%s: text = %q, want the store error explained", text, got.Text)
		}
	}
	h = newTestHandler(t, Options{})
	if got := h.Answer(context.Background(), Command{Text: "incidents"}); !strings.Contains(got.Text, "no incident store") {
		t.Errorf("without a store: %q", got.Text)
	}
}

func TestPermalink(t *testing.T) {
	h := newTestHandler(t, Options{})
	tests := []struct {
		name string
		th   bot.Thread
		want string
	}{
		{"posted", bot.Thread{Channel: "C0123ABCD", TS: "1700000000.000100"}, "https://slack.com/archives/C0123ABCD/p1700000000000100"},
		{"not posted", bot.Thread{Channel: "C0123ABCD"}, ""},
		{"channel name", bot.Thread{Channel: "#ops", TS: "1700000000.000100"}, ""},
		{"odd ts", bot.Thread{Channel: "C0123ABCD", TS: "17000>0"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.Permalink(tt.th); got != tt.want {
				t.Errorf("Permalink = %q, want %q", got, tt.want)
			}
		})
	}
}

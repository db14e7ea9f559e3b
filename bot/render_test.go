package bot_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/internal/testutil"
)

var renderNow = time.Date(2026, 3, 4, 11, 25, 0, 0, time.UTC)

func capacityIncident() *bot.Incident {
	start := renderNow.Add(-85 * time.Minute)
	return &bot.Incident{
		Key: `alertmanager/web/{}:{cluster="prod-eu"}`, Generation: 1, Source: "alertmanager",
		Status: bot.StatusFiring, Severity: bot.SeverityWarning,
		Title:  "KubeCPUOvercommit (2 firing): Cluster has overcommitted CPU resource requests.",
		URL:    "http://alertmanager.example:9093/#/alerts?receiver=web",
		Labels: map[string]string{"cluster": "prod-eu", "namespace": "payments", "team": "sre"},
		Alerts: []bot.Alert{
			{Name: "KubeCPUOvercommit", Fingerprint: "a1", Status: bot.StatusFiring, Labels: map[string]string{"node": "worker-1", "cluster": "prod-eu"}, Summary: "Cluster has overcommitted CPU resource requests.", StartsAt: start},
			{Name: "KubeCPUOvercommit", Fingerprint: "a2", Status: bot.StatusFiring, Labels: map[string]string{"node": "worker-2", "cluster": "prod-eu"}, Summary: "Cluster has overcommitted CPU resource requests.", StartsAt: start},
			{Name: "KubeMemoryOvercommit", Fingerprint: "a3", Status: bot.StatusResolved, Labels: map[string]string{"node": "worker-1", "cluster": "prod-eu"}, StartsAt: start, EndsAt: start.Add(time.Minute)},
		},
		OpenedAt: start, UpdatedAt: renderNow,
		Thread: bot.Thread{Channel: "C0001", TS: "1772620000.000100"},
	}
}

// correlatedIncident is the capacity alert group with the PagerDuty page
// Alertmanager sent about it joined in, acknowledged there: one status
// (acknowledged), the group's severity (warning, where the page says
// critical) and both sources' states.
func correlatedIncident() *bot.Incident {
	inc := capacityIncident()
	inc.Status, inc.Owner, inc.Priority = bot.StatusAcknowledged, "Ana Lima", "P2"
	inc.Members = []bot.Member{
		{Key: inc.Key, Source: "alertmanager", Group: true, Status: bot.StatusFiring, Severity: bot.SeverityWarning, Title: inc.Title, URL: inc.URL},
		{Key: "pagerduty/Q7CAP", Source: "pagerduty", Via: "same dedup key", Status: bot.StatusAcknowledged, Owner: "Ana Lima",
			Severity: bot.SeverityCritical, Title: "prod-eu-1 capacity (KubeCPUOvercommit warning)", URL: "https://acme.pagerduty.com/incidents/Q7CAP", Priority: "P2"},
	}
	return inc
}

var capacityLinks = []bot.Link{
	{Title: "CPU overcommit › Triage", URL: "https://handbook.example.com/runbooks/cpu-overcommit/#triage", Why: "runbook"},
	{Title: "SRE charter", URL: "https://handbook.example.com/teams/sre/", Why: "owning team"},
}

func TestRenderGolden(t *testing.T) {
	acked := capacityIncident()
	acked.Status, acked.Owner, acked.Priority = bot.StatusAcknowledged, "Ana Lima", "P2"
	resolved := capacityIncident()
	resolved.Status, resolved.ResolvedAt = bot.StatusResolved, renderNow.Add(-5*time.Minute)
	for i := range resolved.Alerts {
		resolved.Alerts[i].Status = bot.StatusResolved
	}
	page := &bot.Incident{
		Key: "pagerduty/Q1ABC", Generation: 2, Source: "pagerduty", Status: bot.StatusFiring,
		Severity: bot.SeverityCritical, Title: "Checkout latency above SLO", URL: "https://acme.pagerduty.com/incidents/Q1ABC",
		Labels: map[string]string{"service": "checkout"}, OpenedAt: renderNow.Add(-30 * time.Second),
	}
	correlated := correlatedIncident()
	tests := []struct {
		name string
		msg  bot.Message
	}{
		{"parent_correlated", bot.RenderParent(correlated, capacityLinks, renderNow)},
		{"reply_correlated", bot.RenderReply(correlated, bot.ReplyPayload{Member: "pagerduty/Q7CAP", Source: "pagerduty", Changes: []bot.Change{
			{Kind: bot.ChangeJoined, Note: "same dedup key", Source: "pagerduty"},
			{Kind: bot.ChangeAcknowledged, Actor: "Ana Lima", Source: "pagerduty"},
		}}, capacityLinks, renderNow)},
		{"parent_firing", bot.RenderParent(capacityIncident(), capacityLinks, renderNow)},
		{"parent_acknowledged", bot.RenderParent(acked, capacityLinks, renderNow)},
		{"parent_resolved", bot.RenderParent(resolved, capacityLinks, renderNow)},
		{"parent_page_recurrence", bot.RenderParent(page, nil, renderNow)},
		{"reply_alerts", bot.RenderReply(capacityIncident(), bot.ReplyPayload{Changes: []bot.Change{
			{Kind: bot.ChangeAlertsFiring, Alerts: []string{"KubeCPUOvercommit (node=worker-2)"}},
			{Kind: bot.ChangeAlertsFiring, Alerts: []string{"KubeCPUOvercommit (node=worker-3)"}},
			{Kind: bot.ChangeAlertsResolved, Alerts: []string{"KubeMemoryOvercommit (node=worker-1)"}},
		}}, capacityLinks, renderNow)},
		{"reply_page_changes", bot.RenderReply(acked, bot.ReplyPayload{Changes: []bot.Change{
			{Kind: bot.ChangeAcknowledged, Actor: "Ana Lima"},
			{Kind: bot.ChangeNote, Actor: "Ana Lima", Note: "Rolled back deploy 4512"},
			{Kind: bot.ChangePriority, Actor: "Ben", Note: "P2"},
			{Kind: bot.ChangeEscalated, Note: "Platform escalation policy"},
		}}, capacityLinks, renderNow)},
		{"reply_resolved_broadcast", bot.RenderReply(resolved, bot.ReplyPayload{Broadcast: true, Dropped: 12, Changes: []bot.Change{
			{Kind: bot.ChangeAlertsResolved, Alerts: []string{"KubeCPUOvercommit (node=worker-1)", "KubeCPUOvercommit (node=worker-2)"}},
			{Kind: bot.ChangeResolved},
		}}, capacityLinks, renderNow)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.MarshalIndent(tt.msg, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			testutil.Golden(t, filepath.Join("testdata", tt.name+".json"), got)
		})
	}
}

// FuzzRenderNoMentions: whatever text arrives in alert titles, labels,
// summaries, actors, notes and link titles, the rendered Slack messages
// (the minimal parent too) contain no "<!" (special mentions, dates), no
// "<@" or "<#" (user and channel mentions), no bare @channel/@here/@everyone
// and no control or bidi character but tab and newline: all such text came
// from outside, and only the bot's own links may use "<".
func FuzzRenderNoMentions(f *testing.F) {
	for _, s := range []string{"<!channel>", "<!here|here>", "@channel", "<@U123>", "<#C123>", "a&b<c>d", "<https://x|y>", "@Everyone!", "\xff<", "a\x00b\u202Ec\x7f", "<!chan\u2066nel>"} {
		f.Add(s, s, "ok")
	}
	f.Fuzz(func(t *testing.T, title, label, note string) {
		inc := capacityIncident()
		inc.Title, inc.Owner, inc.Assignee, inc.Priority = title, label, note, label
		inc.Labels = map[string]string{"cluster": label, "namespace": note, "service": title}
		inc.Alerts[0].Name, inc.Alerts[0].Summary = title, note
		inc.Alerts[0].Labels = map[string]string{"node": label}
		inc.URL = "https://x.example/" + label
		links := []bot.Link{{Title: title, URL: "https://handbook.example.com/" + note, Why: label}, {Title: note, URL: label}}
		joined := correlatedIncident()
		joined.Title, joined.Owner = title, label
		joined.Members[1].Owner, joined.Members[1].URL, joined.Members[1].Source = label, "https://pd.example/"+note, title
		joined.Members[0].Status = bot.StatusResolved
		msgs := []bot.Message{
			bot.RenderParent(inc, links, renderNow),
			bot.RenderMinimalParent(inc),
			bot.RenderReply(inc, bot.ReplyPayload{Changes: []bot.Change{
				{Kind: bot.ChangeAlertsFiring, Alerts: []string{title, label}},
				{Kind: bot.ChangeNote, Actor: label, Note: note},
				{Kind: bot.ChangeReassigned, Actor: title, Note: label},
				{Kind: bot.ChangeKind(note)},
			}}, links, renderNow),
			bot.RenderParent(joined, links, renderNow),
			bot.RenderReply(joined, bot.ReplyPayload{Source: title, Changes: []bot.Change{
				{Kind: bot.ChangeJoined, Note: note, Source: label},
				{Kind: bot.ChangeSplit, Actor: label, Note: title, Source: note},
			}}, links, renderNow),
		}
		for _, m := range msgs {
			data, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			// Decode the JSON strings back so escapes like \u003c count.
			var texts []string
			collectStrings(t, data, &texts)
			for _, s := range texts {
				if i := strings.IndexFunc(s, func(r rune) bool {
					return r != '\t' && r != '\n' && (unicode.IsControl(r) || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069)
				}); i >= 0 {
					t.Fatalf("rendered text has a control or bidi character at %d: %q", i, s)
				}
				for _, bad := range []string{"<!", "<@", "<#"} {
					if strings.Contains(s, bad) {
						t.Fatalf("rendered text contains %q: %q", bad, s)
					}
				}
				lower := strings.ToLower(s)
				for _, bad := range []string{"@channel", "@here", "@everyone"} {
					if strings.Contains(lower, bad) {
						t.Fatalf("rendered text contains a bare %s: %q", bad, s)
					}
				}
				// Every "<" must open one of our own http(s) links.
				for i := strings.Index(s, "<"); i >= 0; {
					if !strings.HasPrefix(s[i:], "<http://") && !strings.HasPrefix(s[i:], "<https://") {
						t.Fatalf("rendered text has a '<' that is not a link: %q", s)
					}
					j := strings.Index(s[i+1:], "<")
					if j < 0 {
						break
					}
					i += 1 + j
				}
			}
		}
	})
}

func collectStrings(t *testing.T, data []byte, out *[]string) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			*out = append(*out, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
}

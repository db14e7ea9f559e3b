package slash

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/slacktest"
)

// TestSplitShortcut: the page Alertmanager sent joins the alert group's
// thread; "Split into own thread" on the page's reply moves it into a
// thread of its own, while the shortcut on the parent, on the alert
// group's own reply, or a second time changes nothing and tells the user
// why, privately.
func TestSplitShortcut(t *testing.T) {
	r := newBotRig(t)
	srv := httptest.NewServer(r.srv)
	t.Cleanup(srv.Close)
	const dedup = "5ec1c99fdfcd267ff4352daebc3c262530276ff1ee63e989bd2cdbed9f36e2e6"
	groupKey := `alertmanager/ops/{}:{cluster="prod-eu-1"}`
	start := time.Now().Add(-time.Minute)
	parent := r.open(t, bot.Event{
		Source: "alertmanager", Key: groupKey, Kind: bot.KindAlerts, Status: bot.StatusFiring, Title: "KubeMemoryOvercommit",
		Severity: bot.SeverityWarning, DedupKey: dedup, Alerts: []bot.Alert{{Name: "KubeMemoryOvercommit", Fingerprint: "f1", Status: bot.StatusFiring, StartsAt: start}},
	})
	accept := func(id string, ev bot.Event) {
		t.Helper()
		if err := r.bot.Accept(t.Context(), bot.Delivery{Source: ev.Source, ID: id, Events: []bot.Event{ev}}); err != nil {
			t.Fatal(err)
		}
	}
	accept("pd-1", bot.Event{Source: "pagerduty", Key: "pagerduty/Q7", Kind: bot.KindTriggered, Status: bot.StatusFiring,
		Title: "Checkout API down", Severity: bot.SeverityCritical, DedupKey: dedup, At: time.Now()})
	r.fake.WaitFor(t, 20*time.Second, "the page joining", replyWith(parent.TS, "PagerDuty joined this incident"))
	accept("am-2", bot.Event{Source: "alertmanager", Key: groupKey, Kind: bot.KindAlerts, Status: bot.StatusFiring, DedupKey: dedup,
		Alerts: []bot.Alert{{Name: "KubeMemoryOvercommit", Fingerprint: "f2", Status: bot.StatusFiring, StartsAt: start, Labels: map[string]string{"node": "worker-2"}}}})
	r.fake.WaitFor(t, 20*time.Second, "the group's own reply", replyWith(parent.TS, "Started firing"))
	var pageReply, groupReply slacktest.Message
	for _, m := range r.fake.Replies(parent.TS) {
		switch {
		case strings.Contains(m.Text, "PagerDuty joined"):
			pageReply = m
		case strings.Contains(m.Text, "Started firing"):
			groupReply = m
		}
	}
	// Slack has the replies; wait until the bot has recorded them too.
	for _, m := range []slacktest.Message{pageReply, groupReply} {
		r.fake.WaitFor(t, 20*time.Second, "reply "+m.TS+" recorded", func(*slacktest.Server) bool {
			_, _, err := StoreIncidents(r.store).ReplySource(t.Context(), parent.ChannelID, parent.TS, m.TS)
			return err == nil
		})
	}
	u := slacktest.User{ID: "U0NOOR1", Username: "noor", Name: "noor"}
	told := func(n int, want string) {
		t.Helper()
		r.fake.WaitFor(t, 20*time.Second, "answer "+want, func(s *slacktest.Server) bool { return len(s.Responses()) >= n })
		got := r.fake.Responses()[n-1]
		if got.ResponseType != "ephemeral" || !strings.Contains(got.Text, want) {
			t.Errorf("answer %d = %s %q, want an ephemeral %q", n, got.ResponseType, got.Text, want)
		}
	}

	r.fake.Shortcut(t, srv.URL, testSecret, u, parent.ChannelID, parent.TS, ShortcutSplit)
	told(1, "on a reply in an incident's thread")
	r.fake.Shortcut(t, srv.URL, testSecret, u, parent.ChannelID, groupReply.TS, ShortcutSplit)
	told(2, "the source this incident started with (Alertmanager)")
	if n := len(r.fake.Parents()); n != 1 {
		t.Fatalf("%d parents after refused splits, want 1", n)
	}

	r.fake.Shortcut(t, srv.URL, testSecret, u, parent.ChannelID, pageReply.TS, ShortcutSplit)
	told(3, "PagerDuty moved out of this incident")
	r.fake.WaitFor(t, 20*time.Second, "the page's own parent", func(s *slacktest.Server) bool { return len(s.Parents()) == 2 })
	r.fake.WaitFor(t, 20*time.Second, "the split told in the group's thread", replyWith(parent.TS, "PagerDuty split off into its own thread* by *noor*"))
	page := r.fake.Parents()[1]
	if !strings.HasPrefix(page.Text, "[FIRING] critical: Checkout API down") {
		t.Errorf("split page's parent = %q", page.Text)
	}
	if inc := r.incident(t, groupKey); inc.Correlated() || inc.Severity != bot.SeverityWarning || inc.Firing() != 2 {
		t.Errorf("group after split: correlated %v severity %s firing %d", inc.Correlated(), inc.Severity, inc.Firing())
	}

	r.fake.Shortcut(t, srv.URL, testSecret, u, parent.ChannelID, pageReply.TS, ShortcutSplit)
	told(4, "split off already")
	// The page's later events stay in its own thread.
	accept("pd-2", bot.Event{Source: "pagerduty", Key: "pagerduty/Q7", Kind: bot.KindAcknowledged, Status: bot.StatusAcknowledged, Actor: "Ana", DedupKey: dedup, At: time.Now()})
	r.fake.WaitFor(t, 20*time.Second, "the ack in the page's thread", replyWith(page.TS, "*Acknowledged* by *Ana*"))
	if n := len(r.fake.Parents()); n != 2 {
		t.Errorf("%d parents, want 2", n)
	}
}

// TestAcknowledgeCorrelatedAcksThePage: Acknowledge on an alert group's
// parent acknowledges the PagerDuty page correlated into it too, so the
// page stops escalating.
func TestAcknowledgeCorrelatedAcksThePage(t *testing.T) {
	r := newBotRig(t)
	const dedup = "17c4e445d234645c9e547ff6d32a864af0ebdadcd1902771c24c8d366637ff41"
	key := `alertmanager/ops/{}:{alertname="DiskFull"}`
	parent := r.open(t, bot.Event{
		Source: "alertmanager", Key: key, Kind: bot.KindAlerts, Status: bot.StatusFiring, Title: "DiskFull",
		Severity: bot.SeverityWarning, DedupKey: dedup, Alerts: []bot.Alert{{Name: "DiskFull", Fingerprint: "d1", Status: bot.StatusFiring, StartsAt: time.Now()}},
	})
	if err := r.bot.Accept(t.Context(), bot.Delivery{Source: "pagerduty", ID: "pd-1", Events: []bot.Event{{
		Source: "pagerduty", Key: "pagerduty/QDISK", Kind: bot.KindTriggered, Status: bot.StatusFiring, Title: "DiskFull", DedupKey: dedup, At: time.Now(),
	}}}); err != nil {
		t.Fatal(err)
	}
	r.fake.WaitFor(t, 20*time.Second, "the page joining", replyWith(parent.TS, "PagerDuty joined this incident"))
	r.click(t, parent, ActionAcknowledge, key, "1700000001.000001")
	r.fake.WaitFor(t, 20*time.Second, "acknowledged reply", replyWith(parent.TS, "*Acknowledged* by *ana*"))
	if got := r.pd.calls(); len(got) != 1 || got[0] != "QDISK acknowledged" {
		t.Errorf("PagerDuty calls %q, want the correlated page acknowledged", got)
	}
}

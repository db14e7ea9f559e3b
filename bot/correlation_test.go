package bot_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/slacktest"
)

const capacityDedup = "5ec1c99fdfcd267ff4352daebc3c262530276ff1ee63e989bd2cdbed9f36e2e6"

// capacityGroup is an Alertmanager notification whose group also paged.
func capacityGroup(firing int) bot.Delivery {
	start := time.Now().Add(-time.Minute)
	var alerts []bot.Alert
	for i, node := range []string{"worker-1", "worker-2", "worker-3"} {
		st := bot.StatusFiring
		if i >= firing {
			st = bot.StatusResolved
		}
		a := alert("KubeMemoryOvercommit", node, st, start)
		a.Labels["severity"] = "warning"
		alerts = append(alerts, a)
	}
	d := groupDelivery(`alertmanager/web/{}/{team="sre"}:{cluster="prod-eu-1"}`, alerts...)
	ev := &d.Events[0]
	ev.Severity, ev.DedupKey, ev.Title = bot.SeverityWarning, capacityDedup, "KubeMemoryOvercommit (3 firing): memory overcommitted"
	if firing == 0 {
		ev.Status = bot.StatusResolved
	}
	return d
}

// capacityPage is what PagerDuty reports of the page Alertmanager sent.
func capacityPage(id string, kind bot.EventKind, status bot.Status, actor string) bot.Delivery {
	d := pageDelivery(id, "pagerduty/Q7CAP", kind, status, actor, "")
	ev := &d.Events[0]
	ev.Title, ev.DedupKey = "prod-eu-1 capacity (KubeMemoryOvercommit warning)", capacityDedup
	return d
}

// TestCorrelatedPageJoinsGroup: whichever arrives first, the alert group
// and the page Alertmanager sent about it share one parent that shows one
// status (the page's acknowledgement), the group's severity, both sources'
// states, and replies from both in order.
func TestCorrelatedPageJoinsGroup(t *testing.T) {
	for _, order := range []string{"group first", "page first"} {
		t.Run(order, func(t *testing.T) {
			h := newHarness(t, fastOptions())
			first, second := capacityGroup(3), capacityPage("pd-1", bot.KindTriggered, bot.StatusFiring, "")
			if order == "page first" {
				first, second = second, first
			}
			h.accept(first)
			h.fake.WaitFor(t, wait, "parent", hasParent(1))
			h.accept(second)
			h.accept(capacityPage("pd-2", bot.KindAcknowledged, bot.StatusAcknowledged, "Ana Lima"))
			h.waitIdle(wait)
			parents := h.fake.Parents()
			if len(parents) != 1 {
				t.Fatalf("%d parents, want 1:\n%s", len(parents), h.fake.Dump())
			}
			p := h.fake.Parents()[0]
			if !strings.HasPrefix(p.Text, "[ACKNOWLEDGED] warning: KubeMemoryOvercommit") || strings.Count(p.Text, "[") != 1 {
				t.Errorf("parent text %q: want one status, the group's severity and title", p.Text)
			}
			for _, want := range []string{"PagerDuty acknowledged by Ana Lima", "Alertmanager", "firing (3 of 3 alerts)"} {
				if !strings.Contains(string(p.Attachments), want) {
					t.Errorf("parent lacks %q:\n%s", want, p.Attachments)
				}
			}
			replies := h.fake.Replies(p.TS)
			var texts []string
			for _, r := range replies {
				texts = append(texts, r.Text+" | "+string(r.Blocks))
			}
			joined := strings.Join(texts, "\n")
			joinedBy := "PagerDuty joined this incident"
			if order == "page first" {
				joinedBy = "Alertmanager joined this incident"
			}
			if !strings.Contains(joined, joinedBy) || !strings.Contains(joined, "Acknowledged") || !strings.Contains(joined, "From *PagerDuty*") {
				t.Errorf("replies lack the join, the acknowledgement or their source:\n%s", joined)
			}
			if strings.Index(joined, "joined this incident") > strings.Index(joined, "Acknowledged") {
				t.Errorf("replies out of order:\n%s", joined)
			}

			// Alerts resolve while the page is still acknowledged: one
			// status, not resolved, no broadcast yet.
			h.accept(capacityGroup(0))
			h.waitIdle(wait)
			p = h.fake.Parents()[0]
			if !strings.HasPrefix(p.Text, "[ACKNOWLEDGED]") {
				t.Errorf("after the alerts resolved, parent %q; the page is still open", p.Text)
			}
			h.accept(capacityPage("pd-3", bot.KindResolved, bot.StatusResolved, "Ana Lima"))
			h.waitIdle(wait)
			p = h.fake.Parents()[0]
			if !strings.HasPrefix(p.Text, "[RESOLVED]") {
				t.Errorf("after both resolved, parent %q", p.Text)
			}
			broadcasts := 0
			for _, r := range h.fake.Replies(p.TS) {
				if r.Broadcast {
					broadcasts++
				}
			}
			if broadcasts != 1 {
				t.Errorf("%d broadcast replies, want 1 (when the last source resolved)", broadcasts)
			}
		})
	}
}

// TestSplitCorrelated: splitting the page off gives it its own parent and
// thread, leaves the group's parent without it, and a repeated split
// changes nothing.
func TestSplitCorrelated(t *testing.T) {
	h := newHarness(t, fastOptions())
	h.accept(capacityGroup(3))
	h.fake.WaitFor(t, wait, "parent", hasParent(1))
	h.accept(capacityPage("pd-1", bot.KindTriggered, bot.StatusFiring, ""))
	h.accept(capacityPage("pd-2", bot.KindAcknowledged, bot.StatusAcknowledged, "Ana Lima"))
	h.waitIdle(wait)
	split := bot.Delivery{Source: "slack", ID: "split-1", Events: []bot.Event{{Source: "pagerduty", Key: "pagerduty/Q7CAP", Kind: bot.KindSplit, Actor: "noor"}}}
	h.accept(split)
	h.fake.WaitFor(t, wait, "second parent", hasParent(2))
	h.waitIdle(wait)
	parents := h.fake.Parents()
	group, page := parents[0], parents[1]
	if !strings.HasPrefix(group.Text, "[FIRING] warning: KubeMemoryOvercommit") || strings.Contains(string(group.Attachments), "PagerDuty") {
		t.Errorf("group parent after split: %q\n%s", group.Text, group.Attachments)
	}
	if !strings.HasPrefix(page.Text, "[ACKNOWLEDGED] critical: prod-eu-1 capacity") {
		t.Errorf("page parent after split: %q", page.Text)
	}
	if !hasReply(h.fake, group.TS, "PagerDuty split off into its own thread* by *noor*") {
		t.Errorf("group thread does not say what was split off:\n%s", h.fake.Dump())
	}
	// The page's later events go to its own thread.
	h.accept(capacityPage("pd-3", bot.KindResolved, bot.StatusResolved, "Ana Lima"))
	h.accept(bot.Delivery{Source: "slack", ID: "split-2", Events: split.Events})
	h.waitIdle(wait)
	if n := len(h.fake.Parents()); n != 2 {
		t.Errorf("%d parents after a repeated split, want 2", n)
	}
	if p := h.fake.Parents()[1]; !strings.HasPrefix(p.Text, "[RESOLVED]") {
		t.Errorf("page parent %q after its resolve", p.Text)
	}
	if p := h.fake.Parents()[0]; !strings.HasPrefix(p.Text, "[FIRING]") {
		t.Errorf("group parent %q after the page resolved in its own thread", p.Text)
	}
}

func hasReply(s *slacktest.Server, ts, want string) bool {
	for _, r := range s.Replies(ts) {
		var blocks []map[string]any
		json.Unmarshal(r.Blocks, &blocks)
		if strings.Contains(string(r.Blocks), want) {
			return true
		}
	}
	return false
}

package bot_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/slacktest"
)

// ec2Alerts are n firing alerts on EC2-style host names, each with a
// 200-character summary holding a few &, < and >, as in issue #13 item 1.
func ec2Alerts(n int, start time.Time) []bot.Alert {
	var out []bot.Alert
	for i := range n {
		host := fmt.Sprintf("ip-10-%d-%d-%d.eu-west-1.compute.internal:9100", 20+i, 100+i, 200+i)
		a := alert("NodeFilesystemAlmostOutOfSpace", host, bot.StatusFiring, start)
		head := fmt.Sprintf("Filesystem on /dev/nvme%dn1 at %s has < 5%% space left & is filling > 1GB/h; ", i, host)
		a.Summary = head + strings.Repeat("x", 200-len(head))
		out = append(out, a)
	}
	return out
}

// checkFits fails the test when a rendered message breaks one of Slack's
// limits, as the fake Slack would refuse it.
func checkFits(t testing.TB, what string, m bot.Message) {
	t.Helper()
	blocks, err := json.Marshal(m.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	var atts []byte
	if m.Attachment != nil {
		if atts, err = json.Marshal([]*bot.Attachment{m.Attachment}); err != nil {
			t.Fatal(err)
		}
	}
	if code, err := slacktest.Check(m.Text, blocks, atts); err != nil {
		t.Fatalf("%s: Slack would answer %s: %v", what, code, err)
	}
}

// TestLongParentAccepted pins issue #13 item 1: ten alerts on EC2 host
// names with 200-character summaries holding &<> rendered a 3,348-character
// "Firing" section; Slack refused the parent with invalid_blocks and the
// incident never appeared. The budget now holds after escaping.
func TestLongParentAccepted(t *testing.T) {
	inc := &bot.Incident{
		Key: "alertmanager/web/{}:{alertname=\"NodeFilesystemAlmostOutOfSpace\"}", Generation: 1,
		Source: "alertmanager", Status: bot.StatusFiring, Severity: bot.SeverityCritical,
		Title: "NodeFilesystemAlmostOutOfSpace", Alerts: ec2Alerts(10, renderNow.Add(-time.Hour)),
		OpenedAt: renderNow.Add(-time.Hour),
	}
	checkFits(t, "parent", bot.RenderParent(inc, capacityLinks, renderNow))

	h := newHarness(t, fastOptions())
	h.accept(groupDelivery(inc.Key, ec2Alerts(10, time.Now().Add(-time.Minute))...))
	h.waitIdle(wait)
	parents := h.fake.Parents()
	if len(parents) != 1 {
		t.Fatalf("parents = %d, want 1 (refused?)\n%s", len(parents), h.fake.Dump())
	}
	if !strings.Contains(string(parents[0].Attachments), "see the thread") {
		t.Errorf("the parent does not say that alerts were left out: %s", parents[0].Attachments)
	}
}

// TestMergedReplyAccepted pins issue #13 item 2: 24 alerts flapping while
// Slack answered 429 merged into a 3,671-character reply that Slack
// refused, losing its changes. The merged reply now fits.
func TestMergedReplyAccepted(t *testing.T) {
	h := newHarness(t, fastOptions())
	key := `alertmanager/web/{}:{alertname="NodeFilesystemAlmostOutOfSpace"}`
	start := time.Now().Add(-time.Hour)
	alerts := ec2Alerts(24, start)
	h.accept(groupDelivery(key, alerts[0]))
	h.fake.WaitFor(t, wait, "parent", hasParent(1))
	h.fake.SetDown(true)
	// Every alert starts firing, then the group flaps: a third of the
	// alerts resolve and fire again, round after round, so the merged
	// reply has a long line of names per flap.
	h.accept(groupDelivery(key, alerts...))
	for round := range 8 {
		cur := append([]bot.Alert(nil), alerts...)
		for i := range cur {
			if i%3 == round%3 {
				cur[i].Status, cur[i].EndsAt = bot.StatusResolved, time.Now()
			}
		}
		h.accept(groupDelivery(key, cur...))
		for i := range alerts {
			alerts[i].StartsAt = start.Add(time.Duration(round+1) * time.Second)
		}
		h.accept(groupDelivery(key, alerts...))
	}
	h.fake.SetDown(false)
	h.waitIdle(wait)
	for _, c := range h.fake.Calls() {
		if c.Error == "invalid_blocks" || c.Error == "msg_too_long" {
			t.Fatalf("Slack refused a message: %s\n%s", c.Error, h.fake.Dump())
		}
	}
	replies := h.fake.Replies(h.fake.Parents()[0].TS)
	if len(replies) == 0 {
		t.Fatalf("no reply after Slack came back\n%s", h.fake.Dump())
	}
	summarised := false
	for _, r := range replies {
		summarised = summarised || moreChangesRE.Match(r.Blocks)
	}
	if !summarised {
		t.Errorf("no merged reply says that changes were left out; the test no longer renders a reply over the limit:\n%s", h.fake.Dump())
	}
}

// moreChangesRE finds a reply's summary of the changes it left out, as the
// last line of its text.
var moreChangesRE = regexp.MustCompile(`…and \d+ more changes"`)

// FuzzRenderFits: whatever alert group arrives (many alerts, long labels
// and summaries, &<>-heavy text, multi-byte runes, long links), every
// message the bot renders from it fits Slack's limits after escaping: the
// parent, the minimal parent, a reply and a merged reply of many changes.
func FuzzRenderFits(f *testing.F) {
	f.Add(uint16(10), "ip-10-0-12-34.eu-west-1.compute.internal", "disk < 5% & filling > 1GB/h", 3)
	f.Add(uint16(300), "&<>", "&&&&<<<<>>>>", 40)
	f.Add(uint16(24), "naïve-节点-🙂", "ünïcödé 漢字 🙂 &lt;", 20)
	f.Add(uint16(1), "@channel", "<!channel>", 100)
	f.Fuzz(renderAllFits)
}

// TestRenderFitsRandom runs FuzzRenderFits's check over random alert
// groups, so that every test run covers more than the seeds.
func TestRenderFitsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 2))
	pieces := []string{"&", "<", ">", "é", "漢", "🙂", "@here", "ip-10-0-1-2.eu-west-1.compute.internal", " ", "\u202e", "x"}
	word := func() string {
		var b strings.Builder
		for range rng.IntN(40) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	for range 60 {
		renderAllFits(t, uint16(rng.IntN(400)), word(), word(), rng.IntN(30))
	}
}

// renderAllFits renders an incident of n alerts built from label and text
// (each repeated rep times) in every way the bot renders one, and checks
// that each message fits.
func renderAllFits(t *testing.T, n uint16, label, text string, rep int) {
	rep = 1 + abs(rep)%60
	label, text = strings.Repeat(label, rep), strings.Repeat(text, rep)
	inc := &bot.Incident{
		Key: "alertmanager/" + label, Generation: 2, Source: label, Status: bot.StatusFiring,
		Severity: bot.Severity(label), Title: text, URL: "https://am.example/" + label,
		Labels: map[string]string{"cluster": label, "namespace": text, "service": label, "team": text, "node": label, "instance": text, "job": label},
		Owner:  text, Assignee: label, Priority: text, OpenedAt: renderNow.Add(-time.Hour),
	}
	var changes []bot.Change
	for i := range int(n % 400) {
		a := bot.Alert{
			Name: label, Fingerprint: fmt.Sprint(i), Status: bot.StatusFiring,
			Labels: map[string]string{"instance": fmt.Sprint(text, i)}, Summary: text,
		}
		if i%3 == 0 {
			a.Status = bot.StatusResolved
		}
		inc.Alerts = append(inc.Alerts, a)
		kind := []bot.ChangeKind{bot.ChangeAlertsFiring, bot.ChangeAlertsResolved, bot.ChangeNote, bot.ChangeReassigned}[i%4]
		changes = append(changes, bot.Change{Kind: kind, Alerts: []string{label, text}, Actor: label, Note: text})
	}
	links := []bot.Link{{Title: text, URL: "https://handbook.example/" + label, Why: text}, {Title: label, URL: "https://h.example/" + text, Why: label}}
	checkFits(t, "parent", bot.RenderParent(inc, links, renderNow))
	checkFits(t, "minimal parent", bot.RenderMinimalParent(inc))
	checkFits(t, "reply", bot.RenderReply(inc, bot.ReplyPayload{Changes: changes[:min(len(changes), 2)]}, links, renderNow))
	checkFits(t, "merged reply", bot.RenderReply(inc, bot.ReplyPayload{Changes: changes, Dropped: int(n)}, links, renderNow))
	inc.Status = bot.StatusResolved
	checkFits(t, "resolved parent", bot.RenderParent(inc, links, renderNow))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

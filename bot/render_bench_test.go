package bot_test

import (
	"testing"

	"github.com/compasshq/compass/bot"
)

// BenchmarkRender renders the golden parent and a three-change reply: the
// cost the outbox pays per message sent.
func BenchmarkRender(b *testing.B) {
	inc := capacityIncident()
	p := bot.ReplyPayload{Changes: []bot.Change{
		{Kind: bot.ChangeAlertsFiring, Alerts: []string{"KubeCPUOvercommit (node=worker-2)"}},
		{Kind: bot.ChangeNote, Actor: "Ana Lima", Note: "Rolled back deploy 4512 & <b>restarted</b>"},
		{Kind: bot.ChangeAlertsResolved, Alerts: []string{"KubeMemoryOvercommit (node=worker-1)"}},
	}}
	b.ReportAllocs()
	for b.Loop() {
		bot.RenderParent(inc, capacityLinks, renderNow)
		bot.RenderReply(inc, p, capacityLinks, renderNow)
	}
}

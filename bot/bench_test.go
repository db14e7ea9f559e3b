package bot_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
)

// benchDelivery is the i-th webhook of a steady stream: 100 alert groups,
// each notification adding one alert to its group, so most deliveries change
// an incident and queue Slack ops, as in a real stream.
func benchDelivery(i int) bot.Delivery {
	g := i % 100
	n := i/100 + 1
	alerts := make([]bot.Alert, 0, n)
	for j := range n {
		alerts = append(alerts, alert("KubeCPUOvercommit", fmt.Sprintf("node-%d", j), bot.StatusFiring, t0))
	}
	return groupDelivery(fmt.Sprintf("alertmanager/web/bench-%d", g), alerts...)
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

func reportLatencies(b *testing.B, lat []time.Duration, elapsed time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99_ms")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "webhooks/s")
}

// BenchmarkAcceptPaced offers webhooks at 500/s (open loop: a slow Accept
// does not slow the sender) while the outbox drains to the fake Slack, and
// reports accept latency p50/p99. Target: p99 under 20 ms.
func BenchmarkAcceptPaced(b *testing.B) {
	h := newBenchHarness(b)
	const rate = 500
	interval := time.Second / rate
	lat := make([]time.Duration, b.N)
	late := make([]time.Duration, b.N) // how late the sender itself ran: the machine's share of the tail
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		late[i] = max(0, time.Since(due)-time.Millisecond)
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.Now()
			if err := h.bot.Accept(context.Background(), benchDelivery(i)); err != nil {
				b.Error(err)
			}
			lat[i] = time.Since(t)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	reportLatencies(b, lat, elapsed)
	sort.Slice(late, func(i, j int) bool { return late[i] < late[j] })
	b.ReportMetric(float64(percentile(late, 0.99).Microseconds())/1000, "sender_late_p99_ms")
}

// BenchmarkAcceptThroughput sends webhooks from 16 concurrent senders as fast
// as Accept takes them and reports sustained webhooks per second.
func BenchmarkAcceptThroughput(b *testing.B) {
	h := newBenchHarness(b)
	lat := make([]time.Duration, b.N)
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				next.Lock()
				n := i
				i++
				next.Unlock()
				if n >= b.N {
					return
				}
				t := time.Now()
				if err := h.bot.Accept(context.Background(), benchDelivery(n)); err != nil {
					b.Error(err)
					return
				}
				lat[n] = time.Since(t)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	reportLatencies(b, lat, elapsed)
}

// BenchmarkStorm replays an alert storm: 5,000 alerts across 50 groups, each
// group's notification growing by 10 alerts (500 notifications), then every
// group resolving, and counts the Slack calls it took. Time is compressed 20×
// against the real storm (60 s → 3 s, Slack's 1 msg/s per channel → 20/s),
// so the ratio of notifications to Slack capacity is the real one.
func BenchmarkStorm(b *testing.B) {
	const groups, perGroup, step = 50, 100, 10
	for range b.N {
		b.StopTimer()
		opt := fastOptions()
		opt.ChannelRate, opt.ChannelBurst = 20, 1
		h := newHarness(b, opt)
		b.StartTimer()
		notifications := groups * perGroup / step
		interval := 3 * time.Second / time.Duration(notifications)
		start := time.Now()
		k := 0
		for n := step; n <= perGroup; n += step {
			for g := range groups {
				if d := time.Until(start.Add(time.Duration(k) * interval)); d > 0 {
					time.Sleep(d)
				}
				k++
				alerts := make([]bot.Alert, 0, n)
				for j := range n {
					alerts = append(alerts, alert("NodeFilesystemSpaceFillingUp", fmt.Sprintf("node-%d", j), bot.StatusFiring, t0))
				}
				if err := h.bot.Accept(context.Background(), groupDelivery(fmt.Sprintf("alertmanager/web/storm-%d", g), alerts...)); err != nil {
					b.Fatal(err)
				}
			}
		}
		for g := range groups {
			alerts := make([]bot.Alert, 0, perGroup)
			for j := range perGroup {
				alerts = append(alerts, alert("NodeFilesystemSpaceFillingUp", fmt.Sprintf("node-%d", j), bot.StatusResolved, t0))
			}
			if err := h.bot.Accept(context.Background(), groupDelivery(fmt.Sprintf("alertmanager/web/storm-%d", g), alerts...)); err != nil {
				b.Fatal(err)
			}
		}
		waitIdleB(b, h)
		b.StopTimer()
		parents := h.fake.Parents()
		posts := len(h.fake.SuccessfulCalls("chat.postMessage"))
		updates := len(h.fake.SuccessfulCalls("chat.update"))
		maxReplies := 0
		for _, p := range parents {
			maxReplies = max(maxReplies, len(h.fake.Replies(p.TS)))
		}
		b.ReportMetric(float64(len(h.fake.Calls())), "slack_calls")
		b.ReportMetric(float64(len(parents)), "parents")
		b.ReportMetric(float64(posts-len(parents)), "replies")
		b.ReportMetric(float64(updates), "updates")
		b.ReportMetric(float64(maxReplies), "max_replies/group")
		if len(parents) != groups {
			b.Errorf("parents = %d, want %d", len(parents), groups)
		}
		h.stop()
	}
}

func waitIdleB(b *testing.B, h *harness) {
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		var n int
		h.store.Update(context.Background(), func(tx bot.Tx) error {
			p, _ := tx.CountOps(context.Background(), bot.OpPending)
			s, _ := tx.CountOps(context.Background(), bot.OpSending)
			n = p + s
			return nil
		})
		if n == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatal("outbox did not drain")
}

// newBenchHarness is a harness with Slack's real rate limit (1 message per
// second per channel), so the outbox does what it would in production while
// webhooks pour in.
func newBenchHarness(b *testing.B) *harness {
	opt := fastOptions()
	opt.ChannelRate, opt.ChannelBurst = 1, 1
	return newHarness(b, opt)
}

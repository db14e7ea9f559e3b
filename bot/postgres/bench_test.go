package postgres_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/postgres"
	"github.com/compasshq/compass/bot/postgres/pgtest"
	"github.com/compasshq/compass/bot/slacktest"
)

// BenchmarkAcceptPaced offers webhooks at 500/s (open loop, like the bot
// package's benchmark of the same name on SQLite) while the outbox drains
// to the fake Slack at Slack's real 1 message/s per channel, and reports
// Accept latency p50/p99. The stream is 100 alert groups, each notification
// adding one alert. "replicas=2-ha" sends every webhook to both of two
// replicas at once, as Alertmanager in HA behind a load balancer can: the
// latency is each Accept's, duplicates included.
func BenchmarkAcceptPaced(b *testing.B) {
	for _, tc := range []struct {
		name     string
		replicas int
		both     bool
	}{
		{"replicas=1", 1, false},
		{"replicas=2-split", 2, false},
		{"replicas=2-ha", 2, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			dsn := pgtest.SchemaDSN(b)
			fake := slacktest.New(b)
			var reps []*bot.Bot
			for i := range tc.replicas {
				reps = append(reps, benchReplica(b, dsn, fmt.Sprint("r", i), fake))
			}
			const rate = 500
			interval := time.Second / rate
			var mu sync.Mutex
			var lat []time.Duration
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
					time.Sleep(d)
				}
				d := groupDelivery(fmt.Sprintf("alertmanager/web/bench-%d", i%100), i/100+1, bot.StatusFiring)
				targets := []*bot.Bot{reps[i%len(reps)]}
				if tc.both {
					targets = reps
				}
				for _, r := range targets {
					wg.Add(1)
					go func() {
						defer wg.Done()
						t := time.Now()
						if err := r.Accept(context.Background(), d); err != nil {
							b.Error(err)
						}
						mu.Lock()
						lat = append(lat, time.Since(t))
						mu.Unlock()
					}()
				}
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
			b.ReportMetric(pct(0.50), "p50_ms")
			b.ReportMetric(pct(0.99), "p99_ms")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "webhooks/s")
		})
	}
}

func benchReplica(b *testing.B, dsn, id string, fake *slacktest.Server) *bot.Bot {
	s := open(b, dsn, postgres.WithReplicaID(id))
	r, err := bot.New(bot.Options{
		Store: s, Poster: newPoster(fake), Logger: testLogger(),
		Channel: "#ops", ChannelRate: 1, ChannelBurst: 1, Senders: 4,
		BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond, CallTimeout: 5 * time.Second,
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	b.Cleanup(func() {
		cancel()
		<-done
	})
	return r
}

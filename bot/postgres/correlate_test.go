package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/postgres/pgtest"
	"github.com/compasshq/compass/bot/slacktest"
)

// TestReplicasCorrelateConcurrently: an alert group reaches one replica and
// the page Alertmanager sent about it reaches the other at the same moment,
// for many groups at once. The links table (locked, unique) must make each
// pair one incident with one parent, never two threads.
func TestReplicasCorrelateConcurrently(t *testing.T) {
	dsn := pgtest.SchemaDSN(t)
	fake := slacktest.New(t)
	reps := []*replica{startReplica(t, dsn, "a", fake, nil), startReplica(t, dsn, "b", fake, nil)}
	const groups = 16
	start := make(chan struct{})
	var wg sync.WaitGroup
	accept := func(r *replica, d bot.Delivery) {
		defer wg.Done()
		<-start
		var err error
		for try := 0; try < 40; try++ {
			if err = r.bot.Accept(context.Background(), d); !errors.Is(err, bot.ErrOverloaded) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			t.Errorf("Accept: %v", err)
		}
	}
	for g := range groups {
		dedup := fmt.Sprintf("%064x", g+1)
		group := groupDelivery(fmt.Sprintf("alertmanager/web/g%02d", g), 2, bot.StatusFiring)
		group.Events[0].DedupKey = dedup
		page := bot.Delivery{Source: "pagerduty", ID: fmt.Sprintf("pd-%02d", g), Events: []bot.Event{{
			Source: "pagerduty", Key: fmt.Sprintf("pagerduty/Q%02d", g), Kind: bot.KindTriggered, Status: bot.StatusFiring,
			Title: "capacity", Severity: bot.SeverityCritical, DedupKey: dedup, At: time.Now(),
		}}}
		wg.Add(2)
		go accept(reps[g%2], group)
		go accept(reps[(g+1)%2], page)
	}
	close(start)
	wg.Wait()
	waitDrained(t, fake, reps[0].store)
	if n := len(fake.Parents()); n != groups {
		t.Errorf("parent messages = %d, want %d: one per alert group and its page\n%s", n, groups, fake.Dump())
	}
	update(t, reps[1].store, func(tx bot.Tx) error {
		incs, err := tx.ListIncidents(context.Background(), false, 100)
		if err != nil {
			return err
		}
		if len(incs) != groups {
			t.Errorf("incidents = %d, want %d", len(incs), groups)
		}
		for _, inc := range incs {
			if len(inc.Members) != 2 {
				t.Errorf("%s has %d members, want the group and its page", inc.Key, len(inc.Members))
			}
		}
		return nil
	})
}

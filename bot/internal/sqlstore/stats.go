package sqlstore

import (
	"fmt"

	"github.com/compasshq/compass/bot"
)

// StatsOutbox counts the unfinished ops and finds the oldest one's creation
// time (0 when there is none); scan it with ScanOutboxStats.
const StatsOutbox = `SELECT count(*), coalesce(min(created_at), 0) FROM outbox WHERE state IN ('pending', 'sending')`

// StatsOpen counts the incidents not resolved by source; read it with
// CountOpen. A generation is resolved before the next one opens, so every
// row counted is the latest of its key.
const StatsOpen = `SELECT source, count(*) FROM incidents WHERE status <> 'resolved' GROUP BY source`

// Probe is the statement of the stores' Ping with parameters replica (p1)
// and the time (p2): one small committed write, the cheapest proof that the
// database takes writes.
func Probe(p1, p2 string) string {
	return `INSERT INTO probe (replica, at) VALUES (` + p1 + `, ` + p2 + `)
		ON CONFLICT (replica) DO UPDATE SET at = excluded.at`
}

// ScanOutboxStats reads the row of StatsOutbox into st.
func ScanOutboxStats(sc Scanner, st *bot.Stats) error {
	var oldest int64
	if err := sc.Scan(&st.Unfinished, &oldest); err != nil {
		return fmt.Errorf("outbox stats: %w", err)
	}
	st.Oldest = FromNanos(oldest)
	return nil
}

// CountOpen reads the rows of StatsOpen into st. The caller closes rows.
func CountOpen(rows Rows, st *bot.Stats) error {
	type count struct {
		source string
		n      int
	}
	counts, err := Collect(rows, "open incidents", func(sc Scanner) (count, error) {
		var c count
		err := sc.Scan(&c.source, &c.n)
		return c, err
	})
	if err != nil {
		return err
	}
	st.Open = make(map[string]int, len(counts))
	for _, c := range counts {
		st.Open[c.source] = c.n
	}
	return nil
}

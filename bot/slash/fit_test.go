package slash

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/slacktest"
	"github.com/compasshq/compass/build/handbook"
)

// heavy is outside text that grows five-fold when escaped and is
// multi-byte besides.
var heavy = strings.Repeat("&<> é漢🙂 @here ", 40)

// bigSource is the fixture handbook with 80 more teams on call (long
// missions, goals and people) and a meeting with 300 attendees.
func bigSource(t *testing.T) *handbook.Source {
	t.Helper()
	data, err := os.ReadFile(fixtureMap(t))
	if err != nil {
		t.Fatal(err)
	}
	var m handbook.Map
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	var base *handbook.Team
	for i := range m.Teams {
		if m.Teams[i].Oncall != nil {
			base = &m.Teams[i]
		}
	}
	if base == nil {
		t.Fatal("the fixture has no team on call")
	}
	for i := range 80 {
		tm := *base
		tm.ID, tm.Name, tm.Mission = fmt.Sprintf("team-%d", i), fmt.Sprintf("Team %d %s", i, heavy), heavy
		tm.Goals = []string{heavy, heavy, heavy, heavy, heavy, heavy, heavy, heavy, heavy, heavy, heavy, heavy}
		m.Teams = append(m.Teams, tm)
	}
	mt := m.Meetings[0]
	mt.Title, mt.Attendees, mt.Agenda = "Everyone "+heavy, nil, nil
	for i := range 300 {
		mt.Attendees = append(mt.Attendees, fmt.Sprintf("person-%d %s", i, heavy[:40]))
		mt.Agenda = append(mt.Agenda, heavy)
	}
	m.Meetings = append(m.Meetings, mt)
	out, err := json.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(filepath.Dir(fixtureMap(t)), "compass-big.json")
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	src := handbook.NewSource(p, handbook.SourceOptions{})
	if err := src.Load(context.Background()); err != nil {
		t.Fatalf("load big map: %v", err)
	}
	return src
}

// bigIncidents are 120 open incidents in 120 clusters, each with 50
// capacity alerts whose text is escape-heavy.
func bigIncidents() *fakeIncidents {
	f := &fakeIncidents{}
	for i := range 120 {
		inc := &bot.Incident{
			Key: fmt.Sprintf("alertmanager/ops/%d", i), Generation: 1, Source: "alertmanager",
			Status: bot.StatusFiring, Severity: bot.SeverityCritical, Title: heavy, Owner: heavy,
			OpenedAt: fixedNow.Add(-time.Duration(i) * time.Minute),
			Thread:   bot.Thread{Channel: "C0SRE00001", TS: fmt.Sprintf("1773830000.%06d", i)},
		}
		for j := range 50 {
			inc.Alerts = append(inc.Alerts, bot.Alert{
				Name: "KubeMemoryOvercommit", Fingerprint: fmt.Sprint(i, "/", j), Status: bot.StatusFiring,
				Labels:  map[string]string{"cluster": fmt.Sprintf("prod-%d %s", i, heavy[:30]), "node": heavy},
				Summary: heavy, StartsAt: fixedNow.Add(-time.Hour),
			})
		}
		f.incs = append(f.incs, inc)
	}
	return f
}

// TestAnswersFit pins the slash half of issue #13's limits: every answer
// fits Slack's limits after escaping however large
// the handbook and the incident board (80 teams on call, a meeting of 300,
// 120 clusters of capacity alerts). Before, the on-call and capacity
// answers grew a block per team or cluster past Slack's 50.
func TestAnswersFit(t *testing.T) {
	h := newTestHandler(t, Options{Handbook: bigSource(t), Incidents: bigIncidents(), CapacityAlerts: []string{"KubeMemoryOvercommit"}})
	for _, text := range []string{"oncall", "oncall team-3", "teams", "team team-3", "meeting everyone", "meetings", "incidents", "capacity", "search " + heavy, heavy, "help"} {
		t.Run(strings.Fields(text)[0], func(t *testing.T) {
			r := h.Answer(context.Background(), Command{Command: "/compass", Text: text})
			checkResponseFits(t, r)
		})
	}
}

func checkResponseFits(t *testing.T, r Response) {
	t.Helper()
	blocks, err := json.Marshal(r.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	if code, err := slacktest.Check(r.Text, blocks, nil); err != nil {
		t.Errorf("Slack would answer %s: %v", code, err)
	}
	checkNoInjectedMentions(t, rawJSON(t, r))
}

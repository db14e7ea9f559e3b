package slash

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/github"
	"github.com/compasshq/compass/bot/slack"
	"github.com/compasshq/compass/bot/slacktest"
)

// fakeProposer records proposals and, like GitHub, opens one pull request
// per branch.
type fakeProposer struct {
	mu    sync.Mutex
	props []github.Proposal
	pulls map[string]string // branch → URL
}

func (f *fakeProposer) Propose(_ context.Context, p github.Proposal) (string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.props = append(f.props, p)
	if u, ok := f.pulls[p.Branch]; ok {
		return u, false, nil
	}
	u := "https://github.com/team/handbook/pull/" + string(rune('0'+len(f.pulls)+1))
	f.pulls[p.Branch] = u
	return u, true, nil
}

// reviewRig is botRig with a handler that drafts reviews: it posts and
// reads threads through the fake Slack, and proposes to gh when not nil.
func reviewRig(t *testing.T, gh Proposer) (*botRig, slacktest.Message, string) {
	r := newBotRig(t)
	poster := slack.New(slack.Options{Token: "xoxb-test", APIURL: r.fake.URL()})
	opt := Options{Incidents: StoreIncidents(r.store), Sink: r.bot, Poster: poster, Threads: poster, Now: time.Now}
	if gh != nil {
		opt.GitHub = gh
	}
	r.h = newTestHandler(t, opt)
	r.srv = r.h.InteractionsHandler(Verifier{Secrets: []string{testSecret}})
	t.Cleanup(r.h.Wait)
	key := "alertmanager/ops/{}:{alertname=\"KubeCPUOvercommit\"}"
	parent := r.open(t, bot.Event{
		Source: "alertmanager", Key: key, Kind: bot.KindAlerts, Status: bot.StatusFiring, Title: "KubeCPUOvercommit",
		Severity: bot.SeverityWarning, Labels: map[string]string{"team": "sre"},
		Alerts: []bot.Alert{{Name: "KubeCPUOvercommit", Fingerprint: "f1", Status: bot.StatusFiring, StartsAt: time.Now()}},
	})
	r.click(t, parent, ActionAcknowledge, key, "1700000001.000001")
	r.fake.WaitFor(t, 20*time.Second, "acknowledged reply", replyWith(parent.TS, "Acknowledged"))
	r.fake.Say(parent.ChannelID, parent.TS, "U05A7F3RK2L", "requests are 180% of <https://x.example|the node>; scaling the pool")
	r.click(t, parent, ActionResolve, key, "1700000002.000001")
	r.fake.WaitFor(t, 20*time.Second, "resolved parent with Draft review", func(s *slacktest.Server) bool {
		for _, m := range s.Parents() {
			if m.TS == parent.TS && strings.Contains(string(m.Attachments), `"action_id":"compass_review","value":"1 `+strings.ReplaceAll(key, `"`, `\"`)+`"`) {
				parent = m
				return true
			}
		}
		return false
	})
	return r, parent, key
}

func TestDraftReviewInThread(t *testing.T) {
	r, parent, _ := reviewRig(t, nil)
	r.click(t, parent, ActionDraftReview, "1 alertmanager/ops/{}:{alertname=\"KubeCPUOvercommit\"}", "1700000003.000001")
	r.fake.WaitFor(t, 20*time.Second, "draft in the thread", replyWith(parent.TS, "Review draft"))
	var draft string
	for _, m := range r.fake.Replies(parent.TS) {
		if strings.Contains(m.Text, "Review draft") {
			draft = string(m.Blocks)
		}
	}
	for _, want := range []string{
		"content/reviews/", "kind: review", `severity: \"warning\"`, `owner: \"sre\"`, "/runbooks/cpu-overcommit/",
		"## Timeline", "ana acknowledged", "ana resolved it",
		// The person's note, named as the handbook knows them, Slack markup undone and escaped for Slack again.
		"wrote: requests are 180% of the node; scaling the pool", "## What to change",
	} {
		if !strings.Contains(draft, want) {
			t.Errorf("draft lacks %q:\n%s", want, draft)
		}
	}
	if !strings.Contains(draft, "Ana Ferreira wrote") {
		t.Errorf("the note is not credited to Ana Ferreira (U05A7F3RK2L in the handbook):\n%s", draft)
	}
	if got := r.resp.wait(t, 1); !strings.Contains(got.Text, "in the incident's thread") || got.ResponseType != Ephemeral {
		t.Errorf("clicker told %+v", got)
	}
}

func TestDraftReviewPullRequestOnce(t *testing.T) {
	gh := &fakeProposer{pulls: map[string]string{}}
	r, parent, key := reviewRig(t, gh)
	value := "1 " + key
	r.click(t, parent, ActionDraftReview, value, "1700000003.000001")
	if got := r.resp.wait(t, 1); !strings.Contains(got.Text, "Opened <https://github.com/team/handbook/pull/1|the review's pull request>") {
		t.Errorf("first click told %+v", got)
	}
	r.fake.WaitFor(t, 20*time.Second, "pull request link in the thread", replyWith(parent.TS, "Review drafted"))
	// Another click (a new action_ts), and /compass review in the channel.
	r.click(t, parent, ActionDraftReview, value, "1700000004.000001")
	if got := r.resp.wait(t, 2); !strings.Contains(got.Text, "already has <https://github.com/team/handbook/pull/1|") {
		t.Errorf("second click told %+v", got)
	}
	got := r.h.Answer(context.Background(), Command{Command: "/compass", Text: "review", ChannelID: parent.ChannelID, UserID: "U05A7F3RK2L"})
	if !strings.Contains(got.Text, "already has <https://github.com/team/handbook/pull/1|") {
		t.Errorf("/compass review told %+v", got)
	}
	r.h.Wait()
	gh.mu.Lock()
	defer gh.mu.Unlock()
	if len(gh.props) != 3 || len(gh.pulls) != 1 || gh.props[0].Branch != gh.props[2].Branch {
		t.Fatalf("proposals %d, pulls %v: want three of one branch", len(gh.props), gh.pulls)
	}
	p := gh.props[0]
	if !strings.HasPrefix(p.Path, "content/reviews/") || !strings.HasSuffix(p.Path, "-kubecpuovercommit.md") || !strings.Contains(string(p.Content), "kind: review") {
		t.Errorf("proposal path %q content:\n%s", p.Path, p.Content)
	}
	posts := 0
	for _, m := range r.fake.Replies(parent.TS) {
		if strings.Contains(m.Text, "Review drafted") {
			posts++
		}
	}
	if posts != 1 {
		t.Errorf("%d pull request links in the thread, want 1", posts)
	}
}

func TestReviewCommand(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	incs := &historyIncidents{fakeIncidents: fakeIncidents{incs: []*bot.Incident{
		{Key: "a", Generation: 1, Source: "alertmanager", Status: bot.StatusResolved, Title: "Older", OpenedAt: at, ResolvedAt: at.Add(time.Hour), Thread: bot.Thread{Channel: "C0OPS", TS: "1.1"}},
		{Key: "b", Generation: 1, Source: "alertmanager", Status: bot.StatusResolved, Title: "Newer", OpenedAt: at, ResolvedAt: at.Add(2 * time.Hour), Thread: bot.Thread{Channel: "C0OPS", TS: "1.2"}},
		{Key: "c", Generation: 1, Source: "alertmanager", Status: bot.StatusResolved, Title: "Elsewhere", OpenedAt: at, ResolvedAt: at.Add(3 * time.Hour), Thread: bot.Thread{Channel: "C0DEV", TS: "1.3"}},
		{Key: "d", Generation: 1, Source: "pagerduty", Status: bot.StatusFiring, Title: "Open", OpenedAt: at, Thread: bot.Thread{Channel: "C0OPS", TS: "1.4"}},
	}}}
	h := newTestHandler(t, Options{Incidents: incs})
	for _, tt := range []struct{ name, text, channel, want string }{
		{"last resolved in the channel", "review", "C0OPS", "save it as `content/reviews/2026-03-01-newer.md`"},
		{"named", "review a", "C0DEV", "content/reviews/2026-03-01-older.md"},
		{"open", "review d", "C0OPS", "`d` is not resolved yet"},
		{"unknown", "review zz", "C0OPS", "No incident `zz`"},
		{"none in channel", "review", "C0NONE", "No resolved incident has its thread in this channel"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := h.Answer(context.Background(), Command{Command: "/compass", Text: tt.text, ChannelID: tt.channel})
			if !strings.Contains(got.Text, tt.want) || got.ResponseType != Ephemeral {
				t.Errorf("answer %q, want it to contain %q", got.Text, tt.want)
			}
		})
	}
}

// historyIncidents adds History to fakeIncidents: no changes recorded.
type historyIncidents struct{ fakeIncidents }

func (f *historyIncidents) FindGeneration(ctx context.Context, key string, _ int) (*bot.Incident, error) {
	return f.Find(ctx, key)
}

func (f *historyIncidents) Recent(_ context.Context, _ int) ([]*bot.Incident, error) {
	return f.incs, nil
}

func (f *historyIncidents) Changes(context.Context, string, int) ([]bot.Change, int, error) {
	return nil, 0, nil
}

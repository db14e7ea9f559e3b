package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot/slacktest"
	"github.com/compasshq/compass/hooks/alertmanager/amtest"
)

// relay stands between Alertmanager and the bot's webhook: it counts the
// notifications Alertmanager sends and passes each on (with its
// credentials) once the bot is up, so that Alertmanager can start before
// the bot knows its address.
type relay struct {
	mu     sync.Mutex
	got    int
	target string // the bot's /hooks/alertmanager; "" answers 503 (Alertmanager retries)
}

func (n *relay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	n.mu.Lock()
	target := n.target
	if target != "" {
		n.got++
	}
	n.mu.Unlock()
	if target == "" {
		http.Error(w, "bot not up yet", http.StatusServiceUnavailable)
		return
	}
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, target, bytes.NewReader(b))
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
}

func (n *relay) count() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.got
}

func (n *relay) forwardTo(target string) {
	n.mu.Lock()
	n.target = target
	n.mu.Unlock()
}

// amSilence is a silence as GET /api/v2/silences lists it.
type amSilence struct {
	ID       string `json:"id"`
	Matchers []struct {
		Name, Value      string
		IsRegex, IsEqual bool
	} `json:"matchers"`
	EndsAt    time.Time `json:"endsAt"`
	CreatedBy string    `json:"createdBy"`
	Comment   string    `json:"comment"`
	Status    struct{ State string }
}

func silences(t *testing.T, am string) []amSilence {
	t.Helper()
	resp, err := http.Get("http://" + am + "/api/v2/silences")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []amSilence
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("decode silences: %v", err)
	}
	return out
}

func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestBotSilenceAlertmanager is the silence round trip against a real
// Alertmanager (issue 14): an alert group's parent offers the silence
// buttons; a click by someone outside the owning team's Slack user group
// is refused privately and creates nothing; a member's "Silence 1 h"
// creates the silence (through the second of two configured URLs, the
// first being down) with the group's labels as matchers, the member as
// createdBy and the thread in the comment, and the group stops notifying;
// "Expire silence" expires it and notifications resume; "Until resolved"
// is expired by the bot once the group resolved, although Alertmanager
// sends no resolved notification for a silenced group.
func TestBotSilenceAlertmanager(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Alertmanager and builds the handbook")
	}
	bin := amtest.Binary(t)
	tmp := t.TempDir()
	handbookMap := buildHandbook(t, tmp)
	fake := slacktest.New(t)
	// The SRE charter names slack_group: sre-oncall; the fake knows it.
	member := slacktest.User{ID: "U0MEMBER01", Username: "ana", Name: "Ana"}
	outsider := slacktest.User{ID: "U0OUTSIDE1", Username: "oscar", Name: "Oscar"}
	fake.AddUserGroup("S0SREONCALL", "sre-oncall", "U0OTHER001", member.ID)
	hook := &relay{}
	hookSrv := httptest.NewServer(hook)
	t.Cleanup(hookSrv.Close)
	const token, secret = "am-silence-token", "silence-signing-secret"
	am := amtest.Start(t, bin, amtest.Options{
		HookURL: hookSrv.URL, Token: token, GroupBy: []string{"alertname", "cluster"}, RepeatInterval: "2s",
	})
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-e2e")
	t.Setenv("SLACK_SIGNING_SECRET", secret)
	t.Setenv("COMPASS_ALERTMANAGER_TOKEN", token)
	t.Setenv("COMPASS_BOT_SILENCE_CHECK_INTERVAL", "500ms")
	// The first URL is down (nothing listens): the second must be used.
	t.Setenv("COMPASS_BOT_ALERTMANAGER_URLS", "http://"+amtest.FreeAddr(t)+",http://"+am)
	addr, _ := startBot(t,
		"--dir", tmp, "--listen", "127.0.0.1:0", "--store", filepath.Join(tmp, "bot.db"),
		"--channel", "#ops", "--slack-api-url", fake.URL(),
		"--handbook-map", handbookMap, "--handbook-url", handbookURL)
	hook.forwardTo("http://" + addr + "/hooks/alertmanager")
	interactions := "http://" + addr + "/slack/interactions"

	// A capacity alert of a production cluster: the SRE team owns it.
	alert := amAlert{
		Labels:       map[string]string{"alertname": "KubeCPUOvercommit", "cluster": "prod-eu-1", "severity": "warning", "node": "worker-1"},
		Annotations:  map[string]string{"summary": "Cluster has overcommitted CPU resource requests."},
		StartsAt:     time.Now().Add(-time.Minute).UTC().Format(time.RFC3339),
		EndsAt:       time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		GeneratorURL: "http://prometheus.invalid/graph",
	}
	amtest.PostAlerts(t, am, []amAlert{alert})
	const wait = 60 * time.Second
	fake.WaitFor(t, wait, "the parent with silence buttons", func(s *slacktest.Server) bool {
		p := s.Parents()
		return len(p) == 1 && strings.Contains(string(p[0].Attachments), `"compass_silence_1h"`)
	})
	parent := fake.Parents()[0]
	waitUntil(t, wait, "repeated notifications while firing", func() bool { return hook.count() >= 3 })

	// Someone outside @sre-oncall is refused, privately; nothing is created.
	fake.Click(t, interactions, secret, outsider, parent.ChannelID, parent.TS, "compass_silence_1h")
	waitUntil(t, wait, "the refusal", func() bool { return len(responsesTo(fake, outsider.ID)) == 1 })
	if r := responsesTo(fake, outsider.ID)[0]; r.ResponseType != "ephemeral" || !strings.Contains(r.Text, "only members of @sre-oncall") {
		t.Errorf("outsider was told %+v, want an ephemeral refusal naming @sre-oncall", r)
	}
	if got := silences(t, am); len(got) != 0 {
		t.Fatalf("a refused click created silences: %+v", got)
	}

	// A member silences the group for an hour.
	clicked := time.Now()
	fake.Click(t, interactions, secret, member, parent.ChannelID, parent.TS, "compass_silence_1h")
	waitUntil(t, wait, "the silence in Alertmanager", func() bool { return len(silences(t, am)) == 1 })
	sil := silences(t, am)[0]
	checkSilence(t, sil, member.Username, clicked.Add(time.Hour), parent)
	fake.WaitFor(t, wait, "the parent showing the silence", parentWith(parent.TS, "Silenced by *ana* until", `"compass_silence_expire"`))

	// The group stops notifying: nothing over three repeat intervals
	// (after one group interval for a notification already under way).
	time.Sleep(2 * time.Second)
	before := hook.count()
	time.Sleep(7 * time.Second)
	if after := hook.count(); after != before {
		t.Errorf("the silenced group notified %d more times", after-before)
	}

	// "Expire silence" expires it; the group notifies again.
	fake.Click(t, interactions, secret, member, parent.ChannelID, parent.TS, "compass_silence_expire")
	waitUntil(t, wait, "the silence expired", func() bool { return silences(t, am)[0].Status.State == "expired" })
	fake.WaitFor(t, wait, "the parent offering the silence buttons again", parentWith(parent.TS, `"compass_silence_1h"`))
	before = hook.count()
	waitUntil(t, wait, "notifications again", func() bool { return hook.count() > before })

	// "Until resolved": a long silence, expired by the bot once the
	// group's alerts are gone (Alertmanager sends no resolved
	// notification for a silenced group).
	fake.Click(t, interactions, secret, member, parent.ChannelID, parent.TS, "compass_silence_resolved")
	var long amSilence
	waitUntil(t, wait, "the until-resolved silence", func() bool {
		for _, s := range silences(t, am) {
			if s.Status.State == "active" {
				long = s
				return true
			}
		}
		return false
	})
	if d := time.Until(long.EndsAt); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("until-resolved silence ends in %v, want about bot.silence.until_resolved_max (24h)", d)
	}
	fake.WaitFor(t, wait, "the parent showing until resolved", parentWith(parent.TS, "until resolved"))
	alert.EndsAt = time.Now().Add(-time.Second).UTC().Format(time.RFC3339)
	amtest.PostAlerts(t, am, []amAlert{alert})
	waitUntil(t, wait, "the bot to expire the until-resolved silence", func() bool {
		for _, s := range silences(t, am) {
			if s.ID == long.ID {
				return s.Status.State == "expired"
			}
		}
		return false
	})
	fake.WaitFor(t, wait, "the parent resolved", parentWith(parent.TS, "[RESOLVED]"))
}

// responsesTo returns what the bot sent to user's clicks' response_urls.
func responsesTo(fake *slacktest.Server, user string) []slacktest.Response {
	var out []slacktest.Response
	for _, r := range fake.Responses() {
		if r.User == user {
			out = append(out, r)
		}
	}
	return out
}

// parentWith holds once the parent ts contains every one of wants (in its
// text or attachment).
func parentWith(ts string, wants ...string) func(*slacktest.Server) bool {
	return func(s *slacktest.Server) bool {
		for _, m := range s.Parents() {
			if m.TS != ts {
				continue
			}
			body := m.Text + string(m.Attachments)
			for _, w := range wants {
				if !strings.Contains(body, w) {
					return false
				}
			}
			return true
		}
		return false
	}
}

// checkSilence: the silence matches the group's labels (alertname and
// cluster, the route's group_by) by equality, names who set it, links the
// thread, and ends an hour after the click.
func checkSilence(t *testing.T, s amSilence, by string, end time.Time, parent slacktest.Message) {
	t.Helper()
	var ms []string
	for _, m := range s.Matchers {
		if m.IsRegex || !m.IsEqual {
			t.Errorf("matcher %+v is not an equality matcher", m)
		}
		ms = append(ms, m.Name+"="+m.Value)
	}
	if want := []string{"alertname=KubeCPUOvercommit", "cluster=prod-eu-1"}; !slices.Equal(ms, want) {
		t.Errorf("matchers = %v, want %v", ms, want)
	}
	if s.CreatedBy != by || s.Status.State != "active" {
		t.Errorf("createdBy %q state %q, want %q active", s.CreatedBy, s.Status.State, by)
	}
	link := "https://slack.com/archives/" + parent.ChannelID + "/p" + strings.ReplaceAll(parent.TS, ".", "")
	if !strings.Contains(s.Comment, link) {
		t.Errorf("comment %q does not link the thread %s", s.Comment, link)
	}
	if d := s.EndsAt.Sub(end); d < -time.Minute || d > time.Minute {
		t.Errorf("silence ends at %s, want about %s", s.EndsAt, end)
	}
}

package slash

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, text string
		want       Request
	}{
		{"empty", "", Request{Sub: SubHelp}},
		{"spaces", "   \t ", Request{Sub: SubHelp}},
		{"help", "help", Request{Sub: SubHelp}},
		{"help upper", "HELP", Request{Sub: SubHelp}},
		{"question mark", "?", Request{Sub: SubHelp}},
		{"bare words search", "disk filling up", Request{Sub: SubSearch, Args: "disk filling up"}},
		{"search", "search  disk filling ", Request{Sub: SubSearch, Args: "disk filling"}},
		{"search without words", "search", Request{Sub: SubHelp, Unknown: "search", Suggest: SubSearch}},
		{"oncall", "oncall", Request{Sub: SubOncall}},
		{"oncall team", "oncall sre", Request{Sub: SubOncall, Args: "sre"}},
		{"on-call alias", "On-Call sre", Request{Sub: SubOncall, Args: "sre"}},
		{"oncall channel markup", "oncall <#C0123ABCD|sre>", Request{Sub: SubOncall, Args: "sre"}},
		{"oncall channel id only", "oncall <#C0123ABCD>", Request{Sub: SubOncall, Args: "C0123ABCD"}},
		{"tab separated", "oncall\tsre", Request{Sub: SubOncall, Args: "sre"}},
		{"incidents", "incidents", Request{Sub: SubIncidents}},
		{"incident singular", "incident", Request{Sub: SubIncidents}},
		{"capacity", "capacity prod-eu-1", Request{Sub: SubCapacity, Args: "prod-eu-1"}},
		{"team", "team sre", Request{Sub: SubTeam, Args: "sre"}},
		{"teams", "teams", Request{Sub: SubTeam}},
		{"meeting", "meeting daily standup", Request{Sub: SubMeeting, Args: "daily standup"}},
		{"typo alone", "oncal", Request{Sub: SubHelp, Unknown: "oncal", Suggest: SubOncall}},
		{"transposed", "incidnets", Request{Sub: SubHelp, Unknown: "incidnets", Suggest: SubIncidents}},
		{"typo with args", "meting retro", Request{Sub: SubHelp, Unknown: "meting", Suggest: SubMeeting}},
		{"short word with args is a search", "helm upgrade", Request{Sub: SubSearch, Args: "helm upgrade"}},
		{"helm alone is a search", "helm", Request{Sub: SubSearch, Args: "helm"}},
		{"who is a search", "who approves changes", Request{Sub: SubSearch, Args: "who approves changes"}},
		{"escaped entities", "search a &amp; b &lt;x&gt;", Request{Sub: SubSearch, Args: "a & b <x>"}},
		{"user mention", "search <@U123|ana> runbook", Request{Sub: SubSearch, Args: "ana runbook"}},
		{"broadcast markup", "<!channel> disk", Request{Sub: SubSearch, Args: "channel disk"}},
		{"link markup", "<https://example.com|docs> page", Request{Sub: SubSearch, Args: "docs page"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Parse(tt.text); got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.text, got, tt.want)
			}
		})
	}
}

func TestCommandFromForm(t *testing.T) {
	f := url.Values{"command": {"/compass"}, "text": {"oncall sre"}, "user_id": {"U1"}, "response_url": {"https://hooks.slack.com/x"}, "channel_id": {"C1"}}
	c, err := CommandFromForm(f)
	if err != nil {
		t.Fatal(err)
	}
	if c.Command != "/compass" || c.Text != "oncall sre" || c.UserID != "U1" || c.ResponseURL != "https://hooks.slack.com/x" || c.ChannelID != "C1" {
		t.Errorf("CommandFromForm = %+v", c)
	}
	if _, err := CommandFromForm(url.Values{"text": {"x"}}); err == nil {
		t.Error("a form without a command field was accepted")
	}
}

// FuzzCommand feeds arbitrary command text through parsing and every
// answer: it must never panic, no answer may carry a <! (broadcast or
// special mention) or a bare @channel/@here/@everyone that came from the
// input (the only <! an answer may hold is a date token the handler made),
// and every answer fits Slack's limits.
func FuzzCommand(f *testing.F) {
	for _, s := range []string{
		"", "help", "oncall sre", "<!channel>", "&lt;!here&gt;", "search <!subteam^S1|@ops> x",
		"team <@U1|ana>", "meeting retro", "capacity <!everyone>", "@here disk", "<<!channel>>",
		"oncall &lt;#C1|x&gt;", "search \xff\xfe", "incidents", "search <https://x|<!channel>>",
		"search " + strings.Repeat("&<>", 600), "team " + strings.Repeat("é&", 900), "meeting \u202e\x00",
	} {
		f.Add(s)
	}
	h := newTestHandler(f, Options{Incidents: sampleIncidents(), InlineBudget: time.Minute})
	f.Fuzz(func(t *testing.T, text string) {
		req := Parse(text)
		if req.Sub == "" {
			t.Fatalf("Parse(%q) gave no subcommand", text)
		}
		r := h.Answer(context.Background(), Command{Command: "/compass", Text: text})
		checkResponseFits(t, r)
		if !strings.Contains(rawJSON(t, r), `"blocks"`) {
			t.Fatalf("answer to %q has no blocks", text)
		}
	})
}

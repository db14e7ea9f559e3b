package silence

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/bot"
)

// fakeGroups is a Slack user group directory that counts lookups.
type fakeGroups struct {
	mu      sync.Mutex
	members map[string][]string
	calls   int
	err     error
}

func (f *fakeGroups) UserGroupMembers(_ context.Context, group string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	ids, ok := f.members[group]
	if !ok {
		return nil, errors.New("usergroups.list: no user group with the handle @" + group)
	}
	return ids, nil
}

func TestGateAllow(t *testing.T) {
	groups := &fakeGroups{members: map[string][]string{
		"sre-oncall": {"U0SRE00001", "U0SRE00002"},
		"sre-leads":  {"U0LEAD0001"},
		"S0PAYMENTS": {"U0PAY00001"},
	}}
	tests := []struct {
		name      string
		allowed   []string
		user      string
		teamGroup string
		want      string // "" allowed; else a piece of the refusal
	}{
		{"member of the owning team's group", nil, "U0SRE00002", "sre-oncall", ""},
		{"handle written with @", nil, "U0SRE00001", "@sre-oncall", ""},
		{"team group by id", nil, "U0PAY00001", "S0PAYMENTS", ""},
		{"outsider", nil, "U0OUTSIDE1", "sre-oncall", "only members of @sre-oncall may"},
		{"user listed in allowed", []string{"U0ADMIN001"}, "U0ADMIN001", "sre-oncall", ""},
		{"member of a group listed in allowed", []string{"@sre-leads"}, "U0LEAD0001", "S0PAYMENTS", ""},
		{"outsider with allowed groups", []string{"sre-leads", "U0ADMIN001"}, "U0OUTSIDE1", "sre-oncall", "only members of @sre-oncall, @sre-leads may"},
		{"no team group, no list", nil, "U0SRE00001", "", "no team user group is known"},
		{"no team group, allowed user", []string{" U0SRE00001 "}, "U0SRE00001", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := NewGate(tt.allowed, groups, time.Minute, nil).Allow(context.Background(), tt.user, tt.teamGroup)
			var r *Refusal
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && !errors.As(err, &r):
				t.Errorf("err = %v, want a refusal", err)
			case tt.want != "" && !strings.Contains(r.Reason, tt.want):
				t.Errorf("reason %q, want %q", r.Reason, tt.want)
			}
		})
	}
}

// A failed lookup refuses (it is no Refusal: the clicker is told the check
// failed) and is not cached; a good one is cached for the TTL.
func TestGateCacheAndFailure(t *testing.T) {
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	groups := &fakeGroups{members: map[string][]string{"sre-oncall": {"U0SRE00001"}}, err: errors.New("slack: 503")}
	g := NewGate(nil, groups, time.Minute, func() time.Time { return now })
	ctx := context.Background()
	var r *Refusal
	if err := g.Allow(ctx, "U0SRE00001", "sre-oncall"); err == nil || errors.As(err, &r) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("with Slack failing: %v, want the lookup error", err)
	}
	groups.err = nil
	for range 3 {
		if err := g.Allow(ctx, "U0SRE00001", "sre-oncall"); err != nil {
			t.Fatal(err)
		}
	}
	if groups.calls != 2 {
		t.Errorf("%d lookups, want 2 (the failure, then one cached)", groups.calls)
	}
	groups.members["sre-oncall"] = nil // removed from the group
	now = now.Add(2 * time.Minute)
	if err := g.Allow(ctx, "U0SRE00001", "sre-oncall"); !errors.As(err, &r) {
		t.Errorf("after the TTL, a removed member: %v, want a refusal", err)
	}
}

func TestMatchers(t *testing.T) {
	tests := []struct {
		name string
		inc  bot.Incident
		want []string
	}{
		{"group labels", bot.Incident{GroupLabels: map[string]string{"cluster": "eu", "alertname": "Disk"}, Labels: map[string]string{"alertname": "Disk", "cluster": "eu", "node": "n1"}}, []string{`alertname="Disk"`, `cluster="eu"`}},
		{"no group labels: common labels", bot.Incident{Labels: map[string]string{"alertname": "Disk", "node": "n1", "empty": ""}}, []string{`alertname="Disk"`, `node="n1"`}},
		{"nothing", bot.Incident{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range Matchers(&tt.inc) {
				got = append(got, m.String())
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("Matchers = %v, want %v", got, tt.want)
			}
		})
	}
}

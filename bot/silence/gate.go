// Package silence holds the rules of silencing an Alertmanager incident
// from Slack: who may (Gate), what a silence matches (Matchers), and the
// Watcher that ends "until resolved" silences when their incident
// resolves. bot/slash answers the buttons with them.
package silence

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Groups looks up Slack user groups; bot/slack's Poster implements it with
// usergroups.list and usergroups.users.list.
type Groups interface {
	// UserGroupMembers returns the user ids in group (a handle or an id).
	UserGroupMembers(ctx context.Context, group string) ([]string, error)
}

// Gate decides who may silence: a user named in Allowed, a member of a user
// group named in Allowed, or a member of the owning team's user group.
// Memberships are cached for TTL, so a burst of clicks costs one Slack
// call per group; a failed lookup is not cached and refuses (fail closed).
type Gate struct {
	users  []string // user ids from Allowed
	groups []string // user group handles or ids from Allowed
	slack  Groups
	ttl    time.Duration
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]members
}

type members struct {
	ids []string
	at  time.Time
}

// slackUserID is the shape of a Slack user id ("U0123ABCD", "W0123ABCD").
var slackUserID = regexp.MustCompile(`^[UW][A-Z0-9]{6,}$`)

// NewGate returns a Gate. allowed holds Slack user ids and user group
// handles ("@sre-leads" or "sre-leads") or ids; slack may be nil when no
// user group is ever to be checked. ttl <= 0 means 5 minutes.
func NewGate(allowed []string, slack Groups, ttl time.Duration, now func() time.Time) *Gate {
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	if now == nil {
		now = time.Now
	}
	g := &Gate{slack: slack, ttl: ttl, now: now, cache: map[string]members{}}
	for _, a := range allowed {
		a = strings.TrimSpace(a)
		switch {
		case a == "":
		case slackUserID.MatchString(a):
			g.users = append(g.users, a)
		default:
			g.groups = append(g.groups, strings.TrimPrefix(a, "@"))
		}
	}
	return g
}

// Refusal is the answer to someone who may not silence: Reason says why,
// in words for them.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return r.Reason }

// Allow returns nil when user may silence an incident owned by the team
// whose user group is teamGroup ("" when the team has none, or no team
// is known), a *Refusal when they may not, or another error when a
// membership could not be checked (which refuses too).
func (g *Gate) Allow(ctx context.Context, user, teamGroup string) error {
	if slices.Contains(g.users, user) {
		return nil
	}
	groups := g.groups
	if teamGroup = strings.TrimPrefix(strings.TrimSpace(teamGroup), "@"); teamGroup != "" {
		groups = append([]string{teamGroup}, groups...)
	}
	if len(groups) == 0 {
		return &Refusal{Reason: "only the owning team may silence, and no team user group is known for this incident (a charter's slack_group, or bot.silence.allowed)"}
	}
	for _, grp := range groups {
		ids, err := g.members(ctx, grp)
		if err != nil {
			return fmt.Errorf("check membership of @%s: %w", grp, err)
		}
		if slices.Contains(ids, user) {
			return nil
		}
	}
	names := make([]string, len(groups))
	for i, grp := range groups {
		names[i] = "@" + grp
	}
	return &Refusal{Reason: "only members of " + strings.Join(names, ", ") + " may silence this incident"}
}

// members returns a group's members, cached for ttl.
func (g *Gate) members(ctx context.Context, group string) ([]string, error) {
	now := g.now()
	key := strings.ToLower(group)
	g.mu.Lock()
	m, ok := g.cache[key]
	g.mu.Unlock()
	if ok && now.Sub(m.at) < g.ttl {
		return m.ids, nil
	}
	if g.slack == nil {
		return nil, fmt.Errorf("no Slack client to look up user groups")
	}
	ids, err := g.slack.UserGroupMembers(ctx, group)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.cache[key] = members{ids: ids, at: now}
	g.mu.Unlock()
	return ids, nil
}

package slack

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// userGroupID is the shape of a Slack user group id ("S0123ABCD").
var userGroupID = regexp.MustCompile(`^S[A-Z0-9]{6,}$`)

// UserGroupMembers returns the user ids of a Slack user group, named by its
// id or its handle (with or without "@"): a handle is looked up with
// usergroups.list first, since usergroups.users.list takes only ids. It
// needs the bot token's usergroups:read scope.
func (p *Poster) UserGroupMembers(ctx context.Context, group string) ([]string, error) {
	id := strings.TrimPrefix(strings.TrimSpace(group), "@")
	if !userGroupID.MatchString(id) {
		groups, err := p.api.GetUserGroupsContext(ctx)
		if err != nil {
			return nil, classify("usergroups.list", err)
		}
		handle := id
		id = ""
		for _, g := range groups {
			if strings.EqualFold(g.Handle, handle) && g.DateDelete == 0 {
				id = g.ID
				break
			}
		}
		if id == "" {
			return nil, fmt.Errorf("usergroups.list: no user group with the handle @%s", handle)
		}
	}
	members, err := p.api.GetUserGroupMembersContext(ctx, id)
	if err != nil {
		return nil, classify("usergroups.users.list", err)
	}
	return members, nil
}

package slacktest

import (
	"slices"
	"strings"
)

// userGroup is a Slack user group as the fake keeps it.
type userGroup struct {
	ID, Handle string
	Members    []string
}

// AddUserGroup defines a user group (id "S…", handle without "@") with its
// members' user ids, for usergroups.list and usergroups.users.list.
func (s *Server) AddUserGroup(id, handle string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groups == nil {
		s.groups = map[string]*userGroup{}
	}
	s.groups[id] = &userGroup{ID: id, Handle: handle, Members: append([]string(nil), members...)}
}

// listUserGroups serves usergroups.list: every group, users included only
// with include_users=true, as Slack does.
func (s *Server) listUserGroups(withUsers bool) map[string]any {
	groups := []map[string]any{}
	for _, g := range s.sortedGroups() {
		ug := map[string]any{
			"id": g.ID, "team_id": "T1", "is_usergroup": true, "name": g.Handle, "handle": g.Handle,
			"date_delete": 0, "user_count": len(g.Members),
		}
		if withUsers {
			ug["users"] = g.Members
		}
		groups = append(groups, ug)
	}
	return map[string]any{"ok": true, "usergroups": groups}
}

// listGroupMembers serves usergroups.users.list, which takes a group id
// (not a handle) and answers no_such_subteam for an unknown one.
func (s *Server) listGroupMembers(c *Call, id string) map[string]any {
	g, ok := s.groups[id]
	if !ok || id == "" {
		c.Error = "no_such_subteam"
		return map[string]any{"ok": false, "error": c.Error}
	}
	return map[string]any{"ok": true, "users": append([]string{}, g.Members...)}
}

func (s *Server) sortedGroups() []*userGroup {
	var out []*userGroup
	for _, g := range s.groups {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b *userGroup) int { return strings.Compare(a.ID, b.ID) })
	return out
}

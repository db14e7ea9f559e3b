package slack

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/compasshq/compass/bot/slacktest"
)

func TestUserGroupMembers(t *testing.T) {
	fake := slacktest.New(t)
	fake.AddUserGroup("S0SREONCALL", "sre-oncall", "U0SRE00001", "U0SRE00002")
	fake.AddUserGroup("S0PAYMENTS", "payments", "U0PAY00001")
	p := New(Options{Token: "xoxb-test", APIURL: fake.URL()})
	tests := []struct {
		group   string
		want    []string
		wantErr string
	}{
		{"sre-oncall", []string{"U0SRE00001", "U0SRE00002"}, ""},
		{"@SRE-Oncall", []string{"U0SRE00001", "U0SRE00002"}, ""},
		{"S0PAYMENTS", []string{"U0PAY00001"}, ""},
		{"nobody", nil, "no user group with the handle @nobody"},
		{"S0UNKNOWN1", nil, "no_such_subteam"},
	}
	for _, tt := range tests {
		t.Run(tt.group, func(t *testing.T) {
			got, err := p.UserGroupMembers(context.Background(), tt.group)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("members = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	// An id goes straight to usergroups.users.list; a handle is looked up first.
	var methods []string
	for _, c := range fake.Calls() {
		methods = append(methods, c.Method)
	}
	if got := strings.Join(methods[:3], " "); got != "usergroups.list usergroups.users.list usergroups.list" {
		t.Errorf("calls %v", methods)
	}
}

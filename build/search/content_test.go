package search_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compasshq/compass/build"
	"github.com/compasshq/compass/build/search"
	"github.com/compasshq/compass/internal/testutil"
)

// exampleSite builds the project's own handbook (content/).
func exampleSite(t *testing.T) string {
	return testutil.ExampleSite(t, func(ctx context.Context, source, out string) error {
		_, err := build.Build(ctx, build.Options{Source: source, Out: out})
		return err
	})
}

// openContent builds the project's own handbook and opens its search index.
func openContent(t *testing.T) (*search.Index, string) {
	t.Helper()
	dir := filepath.Join(exampleSite(t), "search")
	ix, err := search.OpenIndexDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ix, dir
}

func TestRankingContent(t *testing.T) {
	ix, _ := openContent(t)
	tests := []struct {
		name  string
		query string
		first string // URL prefix of the top hit
	}{
		{"memory alert name", "KubeMemoryOvercommit", "/runbooks/memory-overcommit/"},
		{"cpu alert name", "KubeCPUOvercommit", "/runbooks/cpu-overcommit/"},
		{"cpu alert by parts", "cpu overcommit", "/runbooks/cpu-overcommit/"},
		{"memory alert by parts", "memory overcommit", "/runbooks/memory-overcommit/"},
		{"disk alert name", "NodeFilesystemSpaceFillingUp", "/runbooks/disk-filling-up/"},
		{"prefix while typing", "KubeMemoryOver", "/runbooks/memory-overcommit/"},
		{"crashloop", "CrashLoopBackOff", "/runbooks/pod-crashlooping/"},
		{"typo", "overcomit memory ", "/runbooks/memory-overcommit/"},
		{"filter kind", "overcommit kind:runbook", "/runbooks/"},
		{"filter kind policy", "on-call kind:policy", "/policies/"},
		{"team charter", "sre kind:charter", "/teams/sre/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := ix.Search(tt.query, 5)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 0 || !strings.HasPrefix(hits[0].URL, tt.first) {
				t.Errorf("Search(%q) = %v, want first under %s", tt.query, urls(hits), tt.first)
			}
		})
	}
}

func TestSearchJSAgreementContent(t *testing.T) {
	ix, dir := openContent(t)
	compareWithJS(t, ix, dir, []string{
		"KubeMemoryOvercommit", "KubeCPUOvercommit", "cpu overcommit", "memory", "on-call handoff",
		"NodeFilesystemSpaceFillingUp", "disk full", `"error budget"`, "incident review", "retro",
		"standup kind:meeting", "team:sre", "tag:oncall escalation", "pagerduty", "time off",
		"onboarding first week", "crashloop", "quota", "node not ready", "escalte ", "writing pages",
		"kubernetes",
	})
}

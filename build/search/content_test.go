package search_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/compasshq/compass/build"
	"github.com/compasshq/compass/build/search"
)

// contentIndex builds the project's own handbook (content/) once and opens its
// search index.
var contentIndex = sync.OnceValues(func() (string, error) {
	out, err := osMkdirTemp()
	if err != nil {
		return "", err
	}
	if _, err := build.Build(context.Background(), build.Options{Source: filepath.Join("..", ".."), Out: out}); err != nil {
		return "", err
	}
	return filepath.Join(out, "search"), nil
})

func openContent(t *testing.T) (*search.Index, string) {
	t.Helper()
	dir, err := contentIndex()
	if err != nil {
		t.Skipf("content/ does not build yet: %v", err)
	}
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

// osMkdirTemp makes the shared output folder of contentIndex; it lives for the
// whole test binary, so it cannot come from one test's TempDir.
func osMkdirTemp() (string, error) { return os.MkdirTemp("", "compass-search-content-") }

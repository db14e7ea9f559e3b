// Package axetest runs axe-core, the accessibility checker, in a page a
// chromedp test has open, and fails the test on serious or critical
// violations. axe-core comes from npm: .ci/run installs it into this
// folder's node_modules (ignored by git, about 600 KB); without it the test
// skips, or fails under COMPASS_E2E=1. Only tests import this package.
package axetest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/compasshq/compass/internal/testutil"
)

// Install is the command that provides axe-core, as .ci/run runs it.
const Install = "npm install --no-save --no-package-lock --prefix internal/axetest axe-core@4.14.1"

// Violation is one rule axe-core found broken, with the elements that
// break it.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"` // minor, moderate, serious, critical
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

func (v Violation) String() string {
	var targets []string
	for _, n := range v.Nodes {
		targets = append(targets, fmt.Sprint(n.Target...))
	}
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(targets, ", "))
}

// Source returns axe.min.js, skipping the test (or failing it under
// COMPASS_E2E=1) when it is not installed.
func Source(tb testing.TB) string {
	tb.Helper()
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "node_modules", "axe-core", "axe.min.js")
	b, err := os.ReadFile(p)
	if err != nil {
		if testutil.E2E() {
			tb.Fatalf("COMPASS_E2E=1 but axe-core is missing (%s): %v", Install, err)
		}
		tb.Skipf("axe-core not installed (%s); set COMPASS_E2E=1 to make this a failure", Install)
	}
	return string(b)
}

// Run checks the page open in ctx with axe-core (src from Source) and
// returns every violation.
func Run(ctx context.Context, src string) ([]Violation, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](src+"\n;true")); err != nil {
		return nil, fmt.Errorf("load axe-core: %w", err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	var vs []Violation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		return nil, fmt.Errorf("read axe-core results: %w", err)
	}
	return vs, nil
}

// Check fails the test for every serious or critical violation on the page
// open in ctx, and logs the minor and moderate ones.
func Check(tb testing.TB, ctx context.Context, src, page string) {
	tb.Helper()
	vs, err := Run(ctx, src)
	if err != nil {
		tb.Fatalf("%s: %v", page, err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			tb.Errorf("%s: %s", page, v)
		} else {
			tb.Logf("%s: %s", page, v)
		}
	}
}

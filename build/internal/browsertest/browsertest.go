// Package browsertest starts headless Chromium for end-to-end tests and runs
// axe-core accessibility checks in its pages. Tests skip without Chromium
// or axe-core, unless COMPASS_E2E=1 (set in CI), where either missing is a
// failure rather than a silently skipped test.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/compasshq/compass/internal/testutil"
)

// need skips the test, or fails it under COMPASS_E2E=1, when what is missing.
func need(tb testing.TB, what string, err error) {
	tb.Helper()
	if testutil.E2E() {
		tb.Fatalf("COMPASS_E2E=1 but %s is missing: %v", what, err)
	}
	tb.Skipf("no %s (%v); set COMPASS_E2E=1 to make this a failure", what, err)
}

// Start runs headless Chromium with a window of width×height and returns a
// browser context; it is closed when the test ends.
func Start(tb testing.TB, width, height int) context.Context {
	tb.Helper()
	// The tests bound their own steps; the session lasts as long as the test.
	ctx := testutil.Browser(tb, time.Hour, chromedp.Headless, chromedp.WindowSize(width, height))
	var viewport []chromedp.EmulateViewportOption
	if width < 600 {
		viewport = append(viewport, chromedp.EmulateMobile, chromedp.EmulatePortrait)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height), viewport...)); err != nil {
		tb.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Scheme emulates the system colour scheme, "light" or "dark".
func Scheme(scheme string) chromedp.Action[chromedp.Void] { return Media("", scheme) }

// Media emulates a media type ("print", or "" for the screen) with the
// system colour scheme, "light" or "dark".
func Media(media, scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Media:    media,
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	})
}

// AxeScript returns axe-core's browser script, installed by .ci/run with
// `npm ci --prefix .ci/npm`.
func AxeScript(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), ".ci", "npm", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		need(tb, "axe-core (npm ci --prefix .ci/npm)", err)
	}
	return string(b)
}

// Violation is one axe-core rule broken on a page.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"` // minor, moderate, serious, critical
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

func (v Violation) String() string {
	var where []string
	for i, n := range v.Nodes {
		if i == 3 {
			where = append(where, fmt.Sprintf("… %d more", len(v.Nodes)-3))
			break
		}
		where = append(where, fmt.Sprint(n.Target...))
	}
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(where, ", "))
}

// Axe runs axe-core (script from AxeScript) over the current page and
// returns the violations of at least moderate impact.
func Axe(ctx context.Context, script string) ([]Violation, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!window.axe || ((0, eval)(`+jsString(script)+`), true)`)); err != nil {
		return nil, fmt.Errorf("load axe-core: %w", err)
	}
	all, err := chromedp.Run(ctx, chromedp.Evaluate[[]Violation](
		`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe: %w", err)
	}
	var out []Violation
	for _, v := range all {
		if v.Impact == "moderate" || v.Impact == "serious" || v.Impact == "critical" {
			out = append(out, v)
		}
	}
	return out, nil
}

func jsString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

package testutil

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium is the browser of the end-to-end tests: Debian's chromium, which
// .ci/run installs.
const Chromium = "/usr/bin/chromium"

// Browser starts a headless Chromium with a fresh profile for the test and
// returns its context, cancelled after timeout or when the test ends.
// Without Chromium the test skips, or fails under COMPASS_E2E=1. opts are
// added to the defaults (e.g. chromedp.WindowSize).
func Browser(tb testing.TB, timeout time.Duration, opts ...chromedp.ExecAllocatorOption) context.Context {
	tb.Helper()
	path := Tool(tb, Chromium, "apt-get install chromium")
	all := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(tb.TempDir()),
	}, opts...)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), all...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, timeout)
	tb.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

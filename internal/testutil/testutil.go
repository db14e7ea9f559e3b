// Package testutil holds the helpers that tests in several packages share:
// the gate for end-to-end tools (COMPASS_E2E), golden files and building the
// example handbook. Only tests import it.
package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// E2E reports whether end-to-end tests must run: with COMPASS_E2E=1 (as in
// CI) a missing browser, Node or Alertmanager fails the test instead of
// skipping it, so a green run means they ran.
func E2E() bool { return os.Getenv("COMPASS_E2E") == "1" }

// Tool returns the path of an external program a test drives: name is a
// command looked up in PATH ("node") or an absolute path
// ("/usr/bin/chromium"). When it is missing the test is skipped, or fails
// under COMPASS_E2E=1; install says how to get it.
func Tool(tb testing.TB, name, install string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if E2E() {
		tb.Fatalf("COMPASS_E2E=1 but %s is missing (%s): %v", name, install, err)
	}
	tb.Skipf("%s not installed (%s); set COMPASS_E2E=1 to make this a failure", name, install)
	return ""
}

package metrics_test

import (
	"os"
	"os/exec"
	"regexp"
	"sort"
	"testing"

	"github.com/compasshq/compass/internal/testutil"
	"go.yaml.in/yaml/v3"
)

// The rules file shipped for operators, and its promtool unit tests.
const (
	rulesDir  = "../deploy"
	rulesFile = "compass-bot.rules.yml"
	rulesTest = "compass-bot.rules.test.yml"
)

// TestRulesPromtool checks the shipped rules with Prometheus's own tool:
// syntax and templates (promtool check rules), and that each alert fires on
// the series meant to raise it and not on a healthy bot (promtool test
// rules). Without promtool it skips, except under COMPASS_E2E=1 (CI), where
// it fails: the Debian package prometheus provides it.
func TestRulesPromtool(t *testing.T) {
	bin := testutil.Tool(t, "promtool", "Debian package prometheus")
	for _, args := range [][]string{{"check", "rules", rulesFile}, {"test", "rules", rulesTest}} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = rulesDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}

// metricName finds the metrics an expression names: the bot's (compass_…)
// and Prometheus's own up.
var metricName = regexp.MustCompile(`\b(compass_[a-z0-9_]+|up)\b`)

// TestRulesNameExportedMetrics: every compass_ metric an alert uses is one
// the bot's /metrics exports, so a renamed metric cannot leave an alert
// silently watching nothing (up comes from Prometheus, not the bot).
func TestRulesNameExportedMetrics(t *testing.T) {
	data, err := os.ReadFile(rulesDir + "/" + rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(data, &rules); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	_, exported := scrape(t, f.m.Handler())
	used := map[string][]string{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			names := metricName.FindAllString(r.Expr, -1)
			if len(names) == 0 {
				t.Errorf("alert %s: expression %q names no metric", r.Alert, r.Expr)
			}
			for _, n := range names {
				used[n] = append(used[n], r.Alert)
			}
		}
	}
	if len(used) < 5 {
		t.Fatalf("found only %d metrics in %s; is the file read right?", len(used), rulesFile)
	}
	var missing []string
	for name, alerts := range used {
		if name != "up" && !exported[name] {
			missing = append(missing, name+" (used by "+alerts[0]+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("the rules use %s, which /metrics does not export", m)
	}
}

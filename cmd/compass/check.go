package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/compasshq/compass/build"
	"github.com/compasshq/compass/build/check"
	"github.com/compasshq/compass/build/gitinfo"
	"github.com/spf13/cobra"
)

// checkLong is compass check's help text.
const checkLong = `Check loads and validates the site as build does, without writing it, and
adds handbook hygiene rules. Each finding names its rule; compass.yaml's
check.rules changes a rule's severity (off, warning, error), check.ignore
skips paths, and a comment in the page silences one finding with a reason:

  <!-- compass-ignore orphan-page: linked from the onboarding email -->
  # compass-ignore review-overdue: owner on leave until May   (in front matter)

Exit status: 0 no errors (warnings allowed), 1 errors (or warnings with
--strict), 2 usage or internal error. Under GitHub Actions (GITHUB_ACTIONS=true)
the default format is github, which annotates the pull request diff.`

func newCheckCmd(a *app) *cobra.Command {
	var (
		source, format, changedSince string
		external, strict, listRules  bool
		timeout                      time.Duration
		concurrency                  int
	)
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the handbook for broken links, incomplete pages and overdue reviews",
		Long:  checkLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if listRules {
				return writeRules(a.stdout)
			}
			f := cmd.Flags()
			if !f.Changed("format") && os.Getenv("GITHUB_ACTIONS") == "true" {
				format = string(check.GitHub)
			}
			fmtv, err := check.ParseFormat(format)
			if err != nil {
				return usageError(err)
			}
			bopts, cfg, err := siteOptions(cmd, source)
			if err != nil {
				return err
			}
			if cfg.Check.WarnDays < 0 {
				if f.Changed("warn-days") {
					return usageError(fmt.Errorf("--warn-days must not be negative"))
				}
				return usageError(fmt.Errorf("check.warn_days must not be negative"))
			}
			logger, err := newLogger(cfg.Log, a.stderr, siteLog)
			if err != nil {
				return usageError(err)
			}
			opts := check.Options{
				Build: bopts, WarnDays: cfg.Check.WarnDays, External: external, Logger: logger,
				Config: check.Config{Rules: cfg.Check.Rules, Ignore: cfg.Check.Ignore},
				HTTP:   check.ExternalOptions{Timeout: timeout, Concurrency: concurrency},
			}
			if changedSince != "" {
				changed, err := gitinfo.Changed(cmd.Context(), source, changedSince)
				if err != nil {
					return usageError(fmt.Errorf("--changed-since: %w", err))
				}
				opts.Changed = changed
			}
			rep, err := check.Run(cmd.Context(), opts)
			switch {
			case errors.Is(err, check.ErrConfig), errors.Is(err, build.ErrNoContent):
				return usageError(err)
			case err != nil:
				return &exitError{code: 2, err: err}
			}
			return writeReport(a.stdout, fmtv, rep, strict)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&source, "source", ".", "site root holding content/ and compass.yaml")
	fl.StringVar(&format, "format", string(check.Human), "output format: human, json or github (default github under GitHub Actions)")
	keyFlag(fl, "warn-days", "check.warn_days", "also report review_by dates that pass within this many days (check.warn_days)")
	fl.StringVar(&changedSince, "changed-since", "", "check only pages changed since this git ref (and pages linking to them), e.g. origin/main")
	fl.BoolVar(&external, "external", false, "also request every http(s) link (slow; meant for scheduled runs, not CI on every push)")
	fl.DurationVar(&timeout, "timeout", 10*time.Second, "per-request timeout for --external")
	fl.IntVar(&concurrency, "concurrency", 8, "requests in flight for --external (at most 2 per host)")
	fl.BoolVar(&strict, "strict", false, "exit 1 on warnings too")
	fl.BoolVar(&listRules, "list-rules", false, "list the rules and their default severities, then exit")
	keyFlag(fl, "drafts", "drafts", "also check pages with draft: true")
	return cmd
}

// useColor reports whether w is a terminal that wants colour: NO_COLOR
// (https://no-color.org) unset and TERM not dumb.
func useColor(w io.Writer) bool {
	return os.Getenv("NO_COLOR") == "" && !strings.EqualFold(os.Getenv("TERM"), "dumb") && isTerminal(w)
}

// writeRules lists the rules and their default severities (--list-rules).
func writeRules(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tDEFAULT\tFINDS")
	for _, r := range check.Rules {
		def := r.Default.String()
		if r.Default == check.Off {
			def = "as built"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, def, r.Description)
	}
	return tw.Flush()
}

// writeReport writes rep to w in format f and returns the exit status it
// calls for: 1 on errors (or warnings with strict), 2 when it cannot write.
func writeReport(w io.Writer, f check.Format, rep *check.Report, strict bool) error {
	if err := check.Write(w, f, rep, useColor(w)); err != nil {
		return &exitError{code: 2, err: fmt.Errorf("write report: %w", err)}
	}
	errs, warns := rep.Count()
	if errs > 0 || strict && warns > 0 {
		// The report already says what is wrong; exit 1 quietly.
		return &exitError{code: 1, err: errors.New("")}
	}
	return nil
}

// Package check reviews a handbook the way a careful reviewer would: it runs
// every validation of build.Load without writing the site, adds hygiene rules
// (orphans, duplicates, incomplete charters, overdue reviews, …) and reports
// each problem as a Finding with a rule id that compass.yaml can switch off,
// downgrade or silence in the page with a reason.
package check

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/compasshq/compass/build"
	"github.com/compasshq/compass/build/gitinfo"
)

// Severity is how much a finding matters: errors fail the check (exit 1),
// warnings are reported only. Off disables a rule.
type Severity int

// Severities, in increasing order.
const (
	Off Severity = iota
	Warning
	Error
)

// String returns the name used in output and in compass.yaml.
func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "off"
}

// ParseSeverity reads "off", "warning" or "error" (also "warn", "none").
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off", "none", "false", "ignore":
		return Off, nil
	case "warning", "warn":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return Off, fmt.Errorf("severity %q is not one of off, warning, error", s)
}

// MarshalText writes the severity's name, so JSON output reads "error".
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Finding is one problem at a place in the handbook's source.
type Finding struct {
	File     string   `json:"file"` // site-relative, "content/policies/oncall.md"; "" for the site as a whole
	Line     int      `json:"line"` // 1-based; 0 when the whole file is meant
	Col      int      `json:"col"`  // 1-based; 0 when unknown
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"`
	Message  string   `json:"message"`
}

// Pos returns the finding's place as "file:line:col", leaving out unknown
// parts the way compilers do.
func (f Finding) Pos() string {
	return build.Position{File: f.File, Line: f.Line, Col: f.Col}.String()
}

func compareFindings(a, b Finding) int {
	return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col),
		strings.Compare(a.Rule, b.Rule), strings.Compare(a.Message, b.Message))
}

// Config is the `check:` block of compass.yaml.
type Config struct {
	// Rules changes the severity of rules by id: "off", "warning", "error".
	Rules map[string]string
	// Ignore lists site-relative path globs whose findings are dropped;
	// "**" matches any number of folders: "content/archive/**".
	Ignore []string
}

// Options configure one check run. cmd/compass fills them from flags and
// compass.yaml.
type Options struct {
	Build  build.Options // the site, as `compass build` would load it
	Config Config
	// WarnDays reports review_by dates that pass within this many days
	// (rule review-due-soon); 0 turns that off.
	WarnDays int
	// Changed, when not nil, limits the check to these site-relative files
	// (from gitinfo.Changed) and the pages that link to them. A change
	// outside content/ (compass.yaml, layouts/, static/) checks everything.
	Changed []string
	// External checks http(s) links over the network.
	External bool
	HTTP     ExternalOptions
	Logger   *slog.Logger
}

// Report is the outcome of a run.
type Report struct {
	Findings []Finding // sorted by file, line, column
	Pages    int       // pages in the site
	Checked  int       // pages whose findings are reported (all, unless Changed)
	Full     bool      // the whole site was checked
}

// Count returns the number of error and warning findings.
func (r *Report) Count() (errs, warnings int) {
	for _, f := range r.Findings {
		switch f.Severity {
		case Error:
			errs++
		case Warning:
			warnings++
		}
	}
	return errs, warnings
}

// ErrConfig is wrapped by errors in the check configuration (an unknown
// rule, a bad severity or glob), which are usage errors.
var ErrConfig = errors.New("check configuration")

// Run checks the site and returns every finding. It returns an error only
// when the check itself cannot run: no content folder, a broken theme or
// configuration; content problems are findings.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	sev, err := opts.Config.severities()
	if err != nil {
		return nil, err
	}
	ignore, err := compileGlobs(opts.Config.Ignore)
	if err != nil {
		return nil, err
	}
	now := opts.Build.Now
	if now.IsZero() {
		now = time.Now()
	}
	start := time.Now()
	srcs, err := scanSources(ctx, opts.Build.Source, readFilter(ctx, opts))
	if err != nil {
		return nil, err
	}
	opts.Logger.Debug("sources scanned", "files", len(srcs.byFile), "duration", time.Since(start))

	bopts := opts.Build
	bopts.Now = now
	var sc *scope
	if opts.Changed != nil {
		sc = srcs.scopeFor(opts.Changed)
	}
	if sc != nil {
		bopts.Only = func(file string) bool { return sc.render[file] }
	}
	site, err := build.Load(ctx, bopts)
	if site == nil {
		return nil, err
	}
	opts.Logger.Debug("site loaded", "pages", len(site.Pages), "duration", time.Since(start))

	var fs []Finding
	fs = append(fs, fromBuild(err, site.Warnings, srcs)...)
	r := &rules{site: site, srcs: srcs, now: now, warnDays: opts.WarnDays, scope: sc}
	fs = append(fs, r.all()...)
	fs = append(fs, srcs.malformedLinks(sc)...)
	fs = append(fs, srcs.todoMarkers(sc)...)
	if opts.External {
		ext, err := checkExternal(ctx, srcs.externalLinks(sc), opts.HTTP)
		if err != nil {
			return nil, err
		}
		fs = append(fs, ext...)
	}
	fs = append(fs, srcs.directiveProblems()...)

	rep := &Report{Pages: len(site.Pages), Checked: len(site.Pages), Full: sc == nil}
	if sc != nil {
		rep.Checked = len(sc.report)
	}
	rep.Findings = reported(fs, sc, ignore, srcs, sev)
	return rep, nil
}

// reported is what is left of fs to report, sorted and without repeats:
// findings outside the scope, in ignored files or silenced in the source
// are dropped, and the configured severities applied (Off drops the rule).
func reported(fs []Finding, sc *scope, ignore globs, srcs *sources, sev map[string]Severity) []Finding {
	var out []Finding
	for _, f := range fs {
		if sc != nil && f.File != "" && !sc.report[f.File] {
			continue
		}
		if f.File != "" && ignore.match(f.File) {
			continue
		}
		if srcs.silenced(f) {
			continue
		}
		if s, ok := sev[f.Rule]; ok {
			f.Severity = s
		}
		if f.Severity == Off {
			continue
		}
		out = append(out, f)
	}
	slices.SortFunc(out, compareFindings)
	out = slices.CompactFunc(out, func(a, b Finding) bool { return compareFindings(a, b) == 0 })
	if out == nil {
		out = []Finding{}
	}
	return out
}

// severities validates the configured rule severities.
func (c Config) severities() (map[string]Severity, error) {
	out := map[string]Severity{}
	for id, s := range c.Rules {
		if _, ok := ruleByID[id]; !ok {
			return nil, fmt.Errorf("%w: rules: %q is not a rule (see compass check --list-rules)", ErrConfig, id)
		}
		v, err := ParseSeverity(s)
		if err != nil {
			return nil, fmt.Errorf("%w: rules: %s: %w", ErrConfig, id, err)
		}
		out[id] = v
	}
	return out, nil
}

// ExternalOptions tune the --external link checker.
type ExternalOptions struct {
	Client      *http.Client  // nil means a client with Timeout
	Timeout     time.Duration // per request; 0 means 10s
	Concurrency int           // requests in flight overall; 0 means 8
	PerHost     int           // requests in flight per host; 0 means 2
	UserAgent   string        // "" means "compass-check (+https://github.com/compasshq/compass)"
}

// readFilter decides which pages check reads itself. A full run reads all;
// a --changed-since run reads only the pages git grep finds mentioning a
// changed page (the only possible referrers) and the changed pages, which
// on a 10,000-page handbook saves reading almost every file twice.
func readFilter(ctx context.Context, opts Options) func(string) bool {
	if opts.Changed == nil {
		return nil
	}
	fixed, dirs, all := mentions(opts.Changed)
	if all {
		return nil
	}
	hits, err := gitinfo.Grep(ctx, cmp.Or(opts.Build.Source, "."), "content", fixed)
	if err != nil {
		opts.Logger.Debug("git grep failed, reading every page", "error", err)
		return nil
	}
	read := map[string]bool{}
	for _, f := range slices.Concat(hits, opts.Changed) {
		read[f] = true
	}
	return func(file string) bool {
		if read[file] {
			return true
		}
		for _, d := range dirs {
			if rest, ok := strings.CutPrefix(file, d); ok && strings.Count(rest, "/") <= 1 {
				return true
			}
		}
		return false
	}
}

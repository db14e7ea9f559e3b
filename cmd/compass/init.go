package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/compasshq/compass"
	"github.com/compasshq/compass/build/scaffold"
	"github.com/spf13/cobra"
)

// newInitCmd is `compass init`: a new handbook repository in five minutes.
func newInitCmd(a *app) *cobra.Command {
	var (
		force, example bool
		from, title    string
	)
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Start a handbook: starter pages, compass.yaml, Netlify and GitHub Actions set up",
		Long: `Init writes a new handbook into DIR (default the working directory):
content/ with a home page, a policy, a team charter, the meeting plan with
two meetings and a runbook, each with TODO markers compass check reports as
warnings; compass.yaml with every option and its default; netlify.toml (a
deploy preview for every pull request); .github/workflows/handbook.yml
(check on pull requests, build on main); and .gitignore. It refuses to
overwrite a file unless --force is given.

--example writes the full example handbook instead of the starter pages.

--from KIND sets a compass up in the working directory around DIR, a
handbook written for MkDocs, MyST, Hugo or Docusaurus, in place: content/
links to its pages and compass.yaml has its heading-id rule. Then it runs a
check and prints what remains to fix.`,
		Example: `  compass init my-handbook
  compass init --example demo
  compass init --from mkdocs .
  compass init --from myst ../team-compass`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			s := scaffoldSettings(title, time.Now())
			var (
				written []string
				err     error
			)
			switch {
			case from != "" && example:
				return usageError(errors.New("--from and --example do not go together"))
			case from != "":
				return initFrom(cmd, a, from, dir, s, force)
			case example:
				written, err = scaffold.Example(dir, s, compass.ExampleHandbook, force)
			default:
				written, err = scaffold.Init(dir, s, force, nil)
			}
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			for _, f := range written {
				fmt.Fprintln(a.stdout, "wrote", filepath.ToSlash(filepath.Join(dir, f)))
			}
			fmt.Fprintf(a.stdout, "\nNext: cd %s, then compass serve to read it, and compass check to see the TODOs left.\n", dir)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&force, "force", false, "overwrite files that exist")
	f.BoolVar(&example, "example", false, "write the full example handbook instead of the starter pages")
	f.StringVar(&from, "from", "", "set a compass up around DIR, a handbook written for "+strings.Join(scaffold.Dialects, ", "))
	f.StringVar(&title, "title", DefaultConfig().Site.Title, "the site title in compass.yaml")
	return cmd
}

// initFrom is compass init --from: the compass in the working directory
// around src, then a check, whose findings are what remains to fix.
func initFrom(cmd *cobra.Command, a *app, dialect, src string, s scaffold.Settings, force bool) error {
	e, err := scaffold.Inspect(dialect, src)
	if err != nil {
		return usageError(err)
	}
	if !cmd.Flags().Changed("title") {
		s.Title = "" // "" lets mkdocs.yml's site_name or myst.yml's project.title name the site
	}
	written, err := scaffold.From(".", e, s, force)
	if errors.Is(err, scaffold.ErrPagesAtRoot) {
		return usageError(fmt.Errorf("%w: run compass init --from %s in the folder above it, so content/ can link to it", err, dialect))
	}
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	for _, f := range written {
		fmt.Fprintln(a.stdout, "wrote", f)
	}
	// The existing .gitignore is the site's; the build output must not be
	// committed.
	if b, err := os.ReadFile(".gitignore"); err != nil || !strings.Contains(string(b), "public") {
		fmt.Fprintln(a.stdout, "\nAdd public/ (compass build's output) to .gitignore.")
	}
	fmt.Fprintf(a.stdout, "\nChecking the handbook (heading_ids: %s):\n\n", e.HeadingIDs)
	code := run(cmd.Context(), []string{"check"}, a.stdout, a.stderr)
	switch code {
	case 0:
		fmt.Fprintln(a.stdout, "\nNo errors: compass build writes the site, compass serve shows it.")
	case 1:
		fmt.Fprintln(a.stdout, "\nFix the errors above (compass build --keep-going writes the site meanwhile, broken links marked).")
	default:
		return &exitError{code: code, err: errors.New("")}
	}
	return nil
}

// scaffoldSettings fills the starter files with this binary's version and
// Go, and compass's defaults.
func scaffoldSettings(title string, now time.Time) scaffold.Settings {
	def := DefaultConfig()
	return scaffold.Settings{
		Title:          title,
		Today:          now,
		HeadingIDs:     "compass",
		Version:        installVersion(),
		GoVersion:      strings.TrimPrefix(runtime.Version(), "go"),
		MaxConnections: def.Bot.MaxConnections,
		Lease:          shortDuration(def.Bot.Lease),
		SlackAPI:       def.Slack.APIURL,
		PagerDutyAPI:   def.PagerDuty.APIURL,
		GitHubAPI:      def.Bot.GitHub.APIURL,
	}
}

// installVersion is the version of compass that netlify.toml and the
// workflow install: this binary's release, else latest.
func installVersion() string {
	if strings.HasPrefix(version, "v") {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && strings.HasPrefix(info.Main.Version, "v") {
		return info.Main.Version
	}
	return "latest"
}

package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/compasshq/compass/build"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"
)

func init() { subcommands = append(subcommands, newBuildCmd) }

// siteDefaults are the compass.yaml keys of the site and their defaults.
func siteDefaults(v *viper.Viper) {
	v.SetDefault("title", "Handbook")
	v.SetDefault("base_url", "")
	v.SetDefault("out", "public")
	v.SetDefault("theme", "")
	v.SetDefault("unsafe_html", false)
	v.SetDefault("repo_url", "")
	v.SetDefault("slack_workspace", "")
	v.SetDefault("edit_branch", "")
	v.SetDefault("drafts", false)
	v.SetDefault("strict", false)
}

// siteOptions reads the build options of the site rooted at source from
// flags (when set), COMPASS_* environment, compass.yaml and defaults. A
// relative out from the config or environment is under the site root; one
// from --out is relative to the working directory, like any path argument.
func siteOptions(cmd *cobra.Command, source string) (build.Options, error) {
	v, err := loadConfig(source, siteDefaults)
	if err != nil {
		return build.Options{}, usageError(err)
	}
	return siteOptionsFrom(cmd, source, v)
}

// siteOptionsFrom is siteOptions with compass.yaml already loaded into v
// (with siteDefaults), for commands that read more keys from it.
func siteOptionsFrom(cmd *cobra.Command, source string, v *viper.Viper) (build.Options, error) {
	for key, flag := range map[string]string{"out": "out", "base_url": "base-url", "drafts": "drafts", "strict": "strict"} {
		if f := cmd.Flags().Lookup(flag); f != nil {
			if err := v.BindPFlag(key, f); err != nil {
				return build.Options{}, usageError(err)
			}
		}
	}
	out := v.GetString("out")
	if f := cmd.Flags().Lookup("out"); (f == nil || !f.Changed) && !filepath.IsAbs(out) {
		out = filepath.Join(source, out)
	}
	return build.Options{
		Source:     source,
		Out:        out,
		BaseURL:    v.GetString("base_url"),
		Title:      v.GetString("title"),
		Theme:      v.GetString("theme"),
		UnsafeHTML: v.GetBool("unsafe_html"),
		RepoURL:    v.GetString("repo_url"),
		EditBranch: v.GetString("edit_branch"),
		Drafts:     v.GetBool("drafts"),
		Strict:     v.GetBool("strict"),
		// People's Slack names link to their profiles in this workspace.
		SlackWorkspace: v.GetString("slack_workspace"),
	}, nil
}

// tuneGC lets a build's heap grow to three times the live data before
// collecting, unless GOGC is set. A build allocates heavily and briefly
// (parsing and rendering thousands of pages), so fewer collections make it
// markedly faster for a bounded amount of extra memory.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
}

func newBuildCmd(a *app) *cobra.Command {
	var source string
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Build the handbook site from content/ into public/",
		Long: `Build reads the site root's content/ folder, validates every page's front
matter and links, and writes the site, compass.json and the search index.

Every content problem is printed as path:line:col: message; the build exits 1
if there are errors (or warnings, with --strict) and writes nothing then.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := siteOptions(cmd, source)
			if err != nil {
				return err
			}
			tuneGC()
			opts.Logger = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			res, err := build.Build(cmd.Context(), opts)
			if res != nil {
				for _, w := range res.Warnings {
					fmt.Fprintln(a.stderr, w)
				}
			}
			var ce build.ContentErrors
			var se *build.StrictError
			switch {
			case errors.As(err, &ce):
				for _, e := range ce {
					fmt.Fprintln(a.stderr, e)
				}
				return &exitError{code: 1, err: fmt.Errorf("%d content error(s), nothing written", len(ce))}
			case errors.As(err, &se):
				return &exitError{code: 1, err: fmt.Errorf("%w, nothing written", se)}
			case errors.Is(err, build.ErrNoContent):
				return usageError(err)
			case err != nil:
				return &exitError{code: 1, err: err}
			}
			fmt.Fprintf(a.stdout, "built %d pages, %d sections in %s → %s\n",
				res.Pages, res.Sections, res.Duration.Round(time.Millisecond), opts.Out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&source, "source", ".", "site root holding content/, compass.yaml and layouts/")
	f.String("out", "public", "output folder (default public under --source)")
	f.String("base-url", "", "base URL of the published site, e.g. https://handbook.example.com/")
	f.Bool("drafts", false, "also build pages with draft: true")
	f.Bool("strict", false, "fail on warnings too")
	return cmd
}

package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/compasshq/compass/build"
	"github.com/spf13/cobra"
)

// siteOptions reads the build options of the site rooted at source from
// flags (when set), COMPASS_* environment, compass.yaml and defaults, with
// the rest of the configuration.
func siteOptions(cmd *cobra.Command, source string) (build.Options, Config, error) {
	c, err := loadConfig(source, cmd.Flags(), siteBlocks...)
	if err != nil {
		return build.Options{}, c, usageError(err)
	}
	return buildOptions(cmd, source, c.Site), c, nil
}

// buildOptions are the build options of the site rooted at source. A
// relative out from the config or environment is under the site root; one
// from --out is relative to the working directory, like any path argument.
func buildOptions(cmd *cobra.Command, source string, c SiteConfig) build.Options {
	out := c.Out
	if f := cmd.Flags().Lookup("out"); (f == nil || !f.Changed) && !filepath.IsAbs(out) {
		out = filepath.Join(source, out)
	}
	return build.Options{
		Source:     source,
		Out:        out,
		BaseURL:    c.BaseURL,
		Title:      c.Title,
		Theme:      c.Theme,
		UnsafeHTML: c.UnsafeHTML,
		RepoURL:    c.RepoURL,
		EditBranch: c.EditBranch,
		Drafts:     c.Drafts,
		Strict:     c.Strict,
		KeepGoing:  c.KeepGoing,
		HeadingIDs: c.HeadingIDs,
		// People's Slack names link to their profiles in this workspace.
		SlackWorkspace: c.SlackWorkspace,
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
if there are errors (or warnings, with --strict) and writes nothing then,
unless --keep-going: then the whole site is written with its broken links
marked, and the build still exits 1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, cfg, err := siteOptions(cmd, source)
			if err != nil {
				return err
			}
			if opts.Logger, err = newLogger(cfg.Log, a.stderr, siteLog); err != nil {
				return usageError(err)
			}
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
				if opts.KeepGoing {
					return &exitError{code: 1, err: fmt.Errorf("%d content error(s); built %d pages anyway (--keep-going), broken links marked → %s", len(ce), res.Pages, opts.Out)}
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
	keyFlag(f, "out", "out", "output folder (default public under --source)")
	keyFlag(f, "base-url", "base_url", "base URL of the published site, e.g. https://handbook.example.com/")
	keyFlag(f, "drafts", "drafts", "also build pages with draft: true")
	keyFlag(f, "strict", "strict", "fail on warnings too")
	keyFlag(f, "keep-going", "keep_going", "write the site even with content errors, broken links marked (still exits 1)")
	return cmd
}

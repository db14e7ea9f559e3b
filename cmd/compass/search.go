package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/compasshq/compass/build/search"
	"github.com/spf13/cobra"
)

// newSearchCmd is `compass search`: the site's search from the command line,
// with the same index and ranking as the browser and the bot.
func newSearchCmd(a *app) *cobra.Command {
	var source, index string
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "search [flags] QUERY...",
		Short: "Search the built handbook's index",
		Long: `Search queries the search index that compass build wrote to public/search
(or --index DIR) and prints the best sections with their URLs and snippets.

Query syntax: words (stemmed; the last word also matches as a prefix unless
the query ends with a space; words of 5+ letters tolerate one typo),
"quoted phrases", and the filters kind:runbook, team:sre, tag:oncall.`,
		Example: `  compass search KubeMemoryOvercommit
  compass search --json "disk full" kind:runbook`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 1 {
				return usageError(fmt.Errorf("--limit must be at least 1"))
			}
			cfg, err := loadConfig(source, nil, "site")
			if err != nil {
				return usageError(err)
			}
			dir := index
			if dir == "" {
				out := cfg.Site.Out
				if !filepath.IsAbs(out) {
					out = filepath.Join(source, out)
				}
				dir = filepath.Join(out, "search")
			}
			ix, err := search.OpenIndexDir(dir)
			if errors.Is(err, fs.ErrNotExist) {
				return &exitError{code: 1, err: fmt.Errorf("no search index in %s: run compass build first", dir)}
			}
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			query := strings.Join(args, " ")
			hits, err := ix.Search(query, limit)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			base := strings.TrimSuffix(cfg.Site.BaseURL, "/")
			for i := range hits {
				if strings.HasPrefix(hits[i].URL, "/") {
					hits[i].URL = base + hits[i].URL
					hits[i].Page = base + hits[i].Page
				}
				hits[i].Marks = nil
			}
			return writeHits(a.stdout, query, hits, asJSON)
		},
	}
	f := cmd.Flags()
	f.StringVar(&source, "source", ".", "site root; the index is read from its public/search (or the configured out folder)")
	f.StringVar(&index, "index", "", "search index folder, instead of <source>/public/search")
	f.BoolVar(&asJSON, "json", false, "print a JSON array of hits (url, title, section, score, snippet, …)")
	f.IntVar(&limit, "limit", 10, "maximum number of results")
	return cmd
}

// writeHits prints hits for query to w: a numbered list with URLs and
// snippets, or a JSON array (never null) when asJSON.
func writeHits(w io.Writer, query string, hits []search.Hit, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if hits == nil {
			hits = []search.Hit{}
		}
		return enc.Encode(hits)
	}
	if len(hits) == 0 {
		fmt.Fprintf(w, "No results for %q.\n", query)
		return nil
	}
	for i, h := range hits {
		title := h.Title
		if h.Section != "" {
			title += " › " + h.Section
		}
		fmt.Fprintf(w, "%d. %s  (%.2f)\n   %s\n", i+1, title, h.Score, h.URL)
		if h.Snippet != "" {
			fmt.Fprintf(w, "   %s\n", h.Snippet)
		}
	}
	return nil
}

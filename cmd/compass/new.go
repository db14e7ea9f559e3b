package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/spf13/cobra"

	"github.com/compasshq/compass/build/handbook"
	"go.yaml.in/yaml/v3"
)

// pageKinds are the kinds compass new writes, with the front matter and
// skeleton each starts with. TODO marks what the author fills in.
var pageKinds = map[string]string{
	"policy": `effective: {{.Today}}
applies_to: [everyone]
---

TODO: one paragraph: what this policy is for and whom it protects.

## Policy

TODO

## Exceptions

TODO
`,
	"charter": `team: {{.Slug}}
mission: "TODO: why this team exists, in one sentence."
channel: "#{{.Slug}}"
goals:
  - TODO
roles:
  - name: Team lead
    description: TODO
systems: []
people: []
---

TODO: how to reach the team, and how it works.
`,
	"meeting": `cadence:
  every: weekly
  days: [monday]
  time: "15:00"
  timezone: UTC
duration: 30m
attendees: [{{if .Owner}}{{.Owner}}{{end}}]
agenda:
  - TODO
---

TODO: what the meeting decides, and what to read before it.
`,
	"runbook": `alerts:
  - TODO
services: []
severity: warning
---

TODO: what the alert means, in one paragraph.

## Triage

TODO

## Diagnose

TODO

## Mitigate

TODO

## Escalate

TODO
`,
	// An incident review: the times come from the incident's Slack thread;
	// the headings are the ones the bot's drafts have.
	"review": `incident: "TODO: the incident's key, as the bot's thread shows it"
sources: [alertmanager]
severity: critical
started: {{.Now}}
acknowledged: {{.Now}}
resolved: {{.Now}}
duration: 0m
runbooks: []
---

TODO: what happened, in one paragraph. Set the times above from the
incident's thread (duration is resolved minus started), and list the
runbooks that helped (or should have) in runbooks, like /runbooks/disk-full/.
The bot's Draft review button writes all of this for you.

## Timeline

TODO: when the alert fired, who acknowledged it, what was tried (times UTC).
` + reviewSections(),
	"guide": `---

TODO
`,
}

// reviewSections are the headings of an incident review left for people
// to fill, each with a TODO.
func reviewSections() string {
	var b strings.Builder
	for _, h := range handbook.ReviewHeadings {
		b.WriteString("\n## " + h + "\n\nTODO\n")
	}
	return b.String()
}

// newPage is what a kind's template sees.
type newPage struct {
	Title, Kind, Owner, Slug, Today, ReviewBy string
	Now                                       string // RFC 3339, to the minute, for a review's times
}

var pageHead = template.Must(template.New("head").Parse(`---
title: {{printf "%q" .Title}}
description: "TODO: one sentence for lists and search results."
kind: {{.Kind}}
{{if .Owner}}owner: {{.Owner}}
{{end}}review_by: {{.ReviewBy}}
`))

func newNewCmd(a *app) *cobra.Command {
	var source, title string
	kinds := slices.Sorted(func(yield func(string) bool) {
		for k := range pageKinds {
			if !yield(k) {
				return
			}
		}
	})
	cmd := &cobra.Command{
		Use:   "new KIND PATH",
		Short: "Add a page of a kind, with the front matter that kind needs",
		Long: `New writes content/PATH (".md" is added when missing) with the front matter
KIND requires, pre-filled: the owner from the charter in the page's folder or
the owner of the nearest _index.md, review_by one year out, a meeting's
cadence, a runbook's alerts. TODO marks what is left to write. It prints the
path, and refuses to replace an existing file.

Kinds: ` + strings.Join(kinds, ", ") + `.`,
		Example: `  compass new runbook runbooks/disk-full
  compass new meeting meetings/planning.md --title "Iteration planning"`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, rel := args[0], filepath.ToSlash(filepath.Clean(args[1]))
			body, ok := pageKinds[kind]
			if !ok {
				return usageError(fmt.Errorf("kind %q is not one of %s", kind, strings.Join(kinds, ", ")))
			}
			rel = strings.TrimPrefix(rel, "content/")
			if filepath.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, "../") {
				return usageError(fmt.Errorf("%s is not inside content/", args[1]))
			}
			if !strings.HasSuffix(rel, ".md") {
				rel += ".md"
			}
			content := filepath.Join(source, "content")
			if _, err := os.Stat(content); err != nil {
				return usageError(fmt.Errorf("%s does not exist; run compass in the site root, pass --source, or start with compass init", content))
			}
			p := pageFor(kind, rel, title, time.Now())
			p.Owner = ownerFor(content, filepath.Dir(rel))
			if kind == "charter" {
				p.Owner = p.Slug // a charter is owned by its own team
			}
			var b bytes.Buffer
			if err := pageHead.Execute(&b, p); err != nil {
				return &exitError{code: 2, err: err}
			}
			if err := template.Must(template.New(kind).Parse(body)).Execute(&b, p); err != nil {
				return &exitError{code: 2, err: err}
			}
			path := filepath.Join(content, filepath.FromSlash(rel))
			if err := writeNew(path, b.Bytes()); err != nil {
				return &exitError{code: 1, err: err}
			}
			fmt.Fprintln(a.stdout, path)
			return nil
		},
	}
	cmd.Flags().StringVar(&source, "source", ".", "site root holding content/")
	cmd.Flags().StringVar(&title, "title", "", "the page's title (default: from the file name)")
	return cmd
}

// pageFor fills in what the page's path and the date give.
func pageFor(kind, rel, title string, now time.Time) newPage {
	slug := strings.TrimSuffix(filepath.Base(rel), ".md")
	if slug == "_index" || slug == "index" {
		slug = filepath.Base(filepath.Dir(rel))
	}
	slug = strings.ToLower(strings.ReplaceAll(slug, " ", "-"))
	if title == "" {
		words := strings.ReplaceAll(strings.ReplaceAll(slug, "-", " "), "_", " ")
		title = strings.ToUpper(words[:1]) + words[1:]
	}
	return newPage{
		Title: title, Kind: kind, Slug: slug,
		Today: now.Format(time.DateOnly), ReviewBy: now.AddDate(1, 0, 0).Format(time.DateOnly),
		Now: now.UTC().Truncate(time.Minute).Format(time.RFC3339),
	}
}

// writeNew writes data to path, making its folder, unless path exists.
func writeNew(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists; not replacing it", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ownerFor is the owner of a new page in folder dir (relative to content):
// the team of a charter in that folder, else the owner of its _index.md,
// else the same of the folder above, up to content/. "" when none is found.
func ownerFor(content, dir string) string {
	for {
		folder := filepath.Join(content, filepath.FromSlash(dir))
		entries, _ := os.ReadDir(folder)
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".md") {
				continue
			}
			fm := frontMatterOf(filepath.Join(folder, e.Name()))
			if fm["kind"] == "charter" && fm["team"] != "" {
				return fm["team"]
			}
		}
		if o := frontMatterOf(filepath.Join(folder, "_index.md"))["owner"]; o != "" {
			return o
		}
		if dir == "." || dir == "" || dir == "/" {
			return ""
		}
		dir = filepath.Dir(dir)
	}
}

// frontMatterOf returns the string values of a page's front matter; nil
// when the page is missing or has none.
func frontMatterOf(path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() || strings.TrimSpace(sc.Text()) != "---" {
		return nil
	}
	var yml strings.Builder
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "---" {
			var m map[string]any
			if yaml.Unmarshal([]byte(yml.String()), &m) != nil {
				return nil
			}
			out := map[string]string{}
			for k, v := range m {
				if s, ok := v.(string); ok {
					out[k] = s
				}
			}
			return out
		}
		yml.WriteString(sc.Text() + "\n")
	}
	return nil
}

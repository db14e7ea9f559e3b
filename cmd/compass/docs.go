package main

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// cliDocsDir is where `compass docs` writes the command-line reference, in
// the documentation site's content.
const cliDocsDir = "docs/content/cli"

// newDocsCmd is `compass docs`: the command-line reference as pages of the
// documentation site, generated from the commands themselves so it cannot
// drift (TestCLIReference fails when the committed pages are stale).
func newDocsCmd(a *app) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:    "docs",
		Short:  "Write the command-line reference into the documentation site",
		Args:   cobra.NoArgs,
		Hidden: true, // a maintainer's tool; its output is the reference
		RunE: func(cmd *cobra.Command, _ []string) error {
			pages := cliPages(cmd.Root())
			if err := os.MkdirAll(out, 0o755); err != nil {
				return &exitError{code: 1, err: err}
			}
			for name, data := range pages {
				if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
					return &exitError{code: 1, err: err}
				}
			}
			fmt.Fprintf(a.stdout, "wrote %d pages to %s\n", len(pages), out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", cliDocsDir, "folder to write the pages to")
	return cmd
}

// cliPages renders the reference of root and its visible subcommands: an
// index page (file name "_index.md") and one page per command.
func cliPages(root *cobra.Command) map[string][]byte {
	root.InitDefaultCompletionCmd() // cobra adds it when run; the reference shows it either way
	pages := map[string][]byte{}
	var index bytes.Buffer
	frontMatter(&index, "Command line", "Every compass command and flag, generated from the binary by compass docs.")
	fmt.Fprintf(&index, "%s\n\n", mdText(root.Short))
	fmt.Fprintf(&index, "| command | what it does |\n| --- | --- |\n")
	for _, c := range root.Commands() {
		if !c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand() {
			continue
		}
		name := c.Name() + ".md"
		fmt.Fprintf(&index, "| [%s](%s) | %s |\n", c.CommandPath(), name, mdCell(c.Short))
		pages[name] = commandPage(c)
	}
	index.WriteString("\nFlags every command takes:\n\n")
	flagTable(&index, root.PersistentFlags())
	index.WriteString("\nEvery configuration key, with its environment variable, flag and default: [Configuration keys](keys.md).\n")
	pages["keys.md"] = keysPage(root)
	index.WriteString("\nThese pages are written by `go run ./cmd/compass docs`; `go test ./cmd/compass` fails when they are out of date.\n")
	pages["_index.md"] = index.Bytes()
	return pages
}

// commandPage is the reference page of one command.
func commandPage(c *cobra.Command) []byte {
	var b bytes.Buffer
	frontMatter(&b, c.CommandPath(), c.Short)
	fmt.Fprintf(&b, "```\n%s\n```\n\n", c.UseLine())
	if c.Long != "" {
		b.WriteString(mdLong(c.Long))
	}
	if c.Example != "" {
		fmt.Fprintf(&b, "## Examples\n\n```sh\n%s\n```\n\n", strings.TrimRight(dedent(c.Example), "\n"))
	}
	if c.HasAvailableSubCommands() {
		b.WriteString("## Commands\n\n")
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				fmt.Fprintf(&b, "- `%s`: %s\n", sub.CommandPath(), mdText(sub.Short))
			}
		}
		b.WriteString("\n")
	}
	if c.HasAvailableLocalFlags() {
		b.WriteString("## Flags\n\n")
		flagTable(&b, c.LocalFlags())
		b.WriteString("\n")
	}
	b.WriteString("[All commands](_index.md)\n")
	return markTodoMentions(b.Bytes())
}

// markTodoMentions silences the todo rule on a page whose help text names
// the TODO markers compass init and new leave: it describes them, it has
// none.
func markTodoMentions(page []byte) []byte {
	fm, body, ok := bytes.Cut(page, []byte("\n---\n\n"))
	if !ok || !bytes.Contains(body, []byte("TODO")) {
		return page
	}
	return slices.Concat(fm, []byte("\n---\n\n<!-- compass-ignore-file todo: the help text names TODO markers; it leaves none -->\n\n"), body)
}

// keysPage lists every configuration key from DefaultConfig with the
// environment variable and flag that set it, so a key added to Config is
// documented by running compass docs.
func keysPage(root *cobra.Command) []byte {
	flags := map[string]map[string][]string{} // key → flag → commands
	var visit func(c *cobra.Command)
	visit = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if k := f.Annotations[flagKey]; len(k) == 1 {
				if flags[k[0]] == nil {
					flags[k[0]] = map[string][]string{}
				}
				flags[k[0]][f.Name] = append(flags[k[0]][f.Name], c.Name())
			}
		})
		for _, sub := range c.Commands() {
			visit(sub)
		}
	}
	visit(root)
	flagList := func(key string) string {
		var out []string
		for _, name := range slices.Sorted(maps.Keys(flags[key])) {
			s := "`--" + name + "`"
			if cmds := flags[key][name]; !slices.Contains(cmds, root.Name()) {
				s += " (" + strings.Join(cmds, ", ") + ")"
			}
			out = append(out, s)
		}
		return strings.Join(out, ", ")
	}
	var b bytes.Buffer
	frontMatter(&b, "Configuration keys", "Every compass.yaml key with its environment variable, flag and default, generated from the binary.")
	b.WriteString("What each key means is in [Configuration](../configuration.md). A flag wins over the environment, which wins over `compass.yaml`, which wins over the default. Secrets are read from their own environment variables only.\n\n")
	b.WriteString("| key | environment | flags | default |\n| --- | --- | --- | --- |\n")
	defaults := defaultValues()
	for _, key := range slices.Sorted(maps.Keys(defaults)) {
		def, env := "", "`COMPASS_"+strings.ToUpper(strings.ReplaceAll(key, ".", "_"))+"`"
		switch v := defaults[key].(type) {
		case time.Duration:
			def = "`" + shortDuration(v) + "`"
		case string, bool, int:
			if s := fmt.Sprint(v); s != "" {
				def = "`" + s + "`"
			}
		case ruleSeverities:
			env = "(`compass.yaml` only)"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", key, env, flagList(key), def)
	}
	b.WriteString("\n[All commands](_index.md)\n")
	return b.Bytes()
}

// shortDuration writes d as it is written in compass.yaml: 4h, not 4h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func frontMatter(b *bytes.Buffer, title, desc string) {
	fmt.Fprintf(b, "---\ntitle: %q\ndescription: %q\nkind: guide\n---\n\n", title, desc)
}

// flagTable writes fs as a table; a flag bound to a config key names it.
func flagTable(b *bytes.Buffer, fs *pflag.FlagSet) {
	b.WriteString("| flag | default | config key | meaning |\n| --- | --- | --- | --- |\n")
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Name == "help" {
			return
		}
		name := "`--" + f.Name + "`"
		if f.Shorthand != "" {
			name = "`-" + f.Shorthand + "`, " + name
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "[]" {
			def = "`" + f.DefValue + "`"
		}
		key := ""
		if k := f.Annotations[flagKey]; len(k) == 1 {
			key = "`" + k[0] + "`"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", name, def, key, mdCell(f.Usage))
	})
}

// mdLong renders a command's Long help: paragraphs as text, and indented
// paragraphs (examples) as code blocks.
func mdLong(long string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.TrimSpace(long), "\n\n") {
		lines := strings.Split(para, "\n")
		code := true
		for _, l := range lines {
			code = code && strings.HasPrefix(l, "  ")
		}
		if code {
			fmt.Fprintf(&b, "```\n%s\n```\n\n", dedent(para))
			continue
		}
		fmt.Fprintf(&b, "%s\n\n", mdText(para))
	}
	return b.String()
}

// dedent removes the indentation common to every line of s.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if n := len(l) - len(strings.TrimLeft(l, " ")); indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent && indent > 0 {
			lines[i] = l[indent:]
		}
	}
	return strings.Join(lines, "\n")
}

// mdSpecial are the characters help text may hold that Markdown would read
// as markup or raw HTML.
var mdSpecial = regexp.MustCompile("[\\\\`*_\\[\\]<>|#]")

// mdText escapes help text for Markdown prose.
func mdText(s string) string { return mdSpecial.ReplaceAllString(s, `\$0`) }

// mdCell escapes help text for a table cell, on one line.
func mdCell(s string) string { return strings.ReplaceAll(mdText(s), "\n", " ") }

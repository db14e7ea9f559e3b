package check

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/compasshq/compass/build"
	"golang.org/x/sync/errgroup"
)

// sources is what check reads from the Markdown files itself, besides what
// build.Load tells it: where front matter ends, compass-ignore comments, and
// every link destination with its position (build only reports internal
// links, and only of the pages it renders).
type sources struct {
	byFile map[string]*source // "content/a.md" → source
	files  map[string]bool    // every file under content/, Markdown or not
	byURL  map[string]string  // page URL → file, for resolving links roughly
}

// source is one Markdown file as check scanned it.
type source struct {
	file       string
	fmEnd      int // line of the closing ---, 0 without front matter
	directives []directive
	links      []rawLink
	todos      []position // TODO markers, the first of each line
}

// position is a place in a source file.
type position struct{ line, col int }

// rawLink is a link destination as written.
type rawLink struct {
	dest      string
	line, col int
	external  bool // has a URL scheme or starts with //
}

// directive is a compass-ignore comment.
type directive struct {
	line, col int
	rule      string
	reason    string
	file      bool // compass-ignore-file: the whole file
	target    int  // the line it silences
}

// scanSources lists the files under root/content and reads the Markdown
// files that read accepts (all when read is nil), in parallel.
func scanSources(ctx context.Context, root string, read func(file string) bool) (*sources, error) {
	if root == "" {
		root = "."
	}
	dir := filepath.Join(root, "content")
	// WalkDir does not follow a symlinked root: walk what it points to, as
	// build.Load does, and name files as under content/.
	walkDir := dir
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		walkDir = real
	}
	s := &sources{byFile: map[string]*source{}, files: map[string]bool{}, byURL: map[string]string{}}
	var md []string
	err := filepath.WalkDir(walkDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != walkDir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(walkDir, p)
		rel = "content/" + filepath.ToSlash(rel)
		s.files[rel] = true
		if strings.EqualFold(path.Ext(rel), ".md") {
			if read == nil || read(rel) {
				md = append(md, rel)
			}
			s.byURL[build.URLFor(strings.TrimPrefix(rel, "content/"))] = rel
		}
		return nil
	})
	if err != nil {
		// A missing content/ is reported by build.Load with its own advice.
		if os.IsNotExist(err) {
			return s, nil
		}
		return nil, fmt.Errorf("list content: %w", err)
	}
	out := make([]*source, len(md))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, f := range md {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
			if err != nil {
				return fmt.Errorf("read %s: %w", f, err)
			}
			out[i] = scanFile(f, b)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, src := range out {
		s.byFile[src.file] = src
	}
	return s, nil
}

var (
	directiveRe = regexp.MustCompile(`compass-ignore(-file)?\b[ \t]*([A-Za-z0-9_-]*)[ \t]*(?::[ \t]*(.*?))?[ \t]*(?:-->)?[ \t]*$`)
	refDefRe    = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:[ \t]*<?([^\s>]+)`)
	schemeRe    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
	todoRe      = regexp.MustCompile(`\bTODO\b`)
	codeSpanRe  = regexp.MustCompile("`+[^`]*`+")
)

// scanFile finds front matter, directives and links in one file. It is a
// line scanner, not a Markdown parser: it skips fenced code blocks and code
// spans, which is what matters for links and comments.
func scanFile(file string, b []byte) *source {
	src := &source{file: file}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	lines := strings.Split(string(b), "\n")
	inFM := len(lines) > 0 && strings.TrimRight(lines[0], " \t\r") == "---"
	fence := ""
	for i, l := range lines {
		l = strings.TrimRight(l, "\r")
		n := i + 1
		if inFM {
			if n > 1 && (strings.TrimRight(l, " \t") == "---" || strings.TrimRight(l, " \t") == "...") {
				inFM = false
				src.fmEnd = n
				continue
			}
			if c := strings.Index(l, "#"); c >= 0 && strings.Contains(l[c:], "compass-ignore") && (c == 0 || l[c-1] == ' ' || l[c-1] == '\t') {
				src.addDirective(l, n, c, strings.TrimSpace(l[:c]) == "")
			}
			src.addTodo(l, n)
			continue
		}
		t := strings.TrimLeft(l, " ")
		if fence != "" {
			if strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]+" \t") == "" {
				fence = ""
			}
			continue
		}
		if len(l)-len(t) < 4 && (strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")) {
			c := t[0]
			k := 0
			for k < len(t) && t[k] == c {
				k++
			}
			fence = t[:k]
			continue
		}
		if c := strings.Index(l, "<!--"); c >= 0 && strings.Contains(l[c:], "compass-ignore") {
			src.addDirective(l, n, c, strings.TrimSpace(l[:c]) == "")
		}
		src.addTodo(l, n)
		if len(t) > 0 && t[0] == '[' {
			if m := refDefRe.FindStringSubmatchIndex(l); m != nil {
				src.addLink(l[m[2]:m[3]], n, col(l, m[2]))
				continue
			}
		}
		if strings.Contains(l, "](") || strings.Contains(l, "://") {
			src.scanLinks(l, n)
		}
	}
	// A directive alone on its line silences the next line that is not
	// blank and not another directive, so several can stack.
	for i := range src.directives {
		d := &src.directives[i]
		if d.target != 0 {
			continue
		}
		for j := d.line; j < len(lines); j++ { // lines[j] is line j+1
			t := strings.TrimSpace(lines[j])
			if t == "" || strings.Contains(t, "compass-ignore") && (strings.HasPrefix(t, "<!--") || strings.HasPrefix(t, "#")) {
				continue
			}
			d.target = j + 1
			break
		}
	}
	return src
}

// addTodo records the first TODO marker of line l outside code spans
// (where TODO is usually an example, not a note).
func (src *source) addTodo(l string, line int) {
	if !strings.Contains(l, "TODO") {
		return
	}
	spans := codeSpanRe.FindAllStringIndex(l, -1)
	for _, m := range todoRe.FindAllStringIndex(l, -1) {
		if !slices.ContainsFunc(spans, func(s []int) bool { return s[0] <= m[0] && m[0] < s[1] }) {
			src.todos = append(src.todos, position{line, col(l, m[0])})
			return
		}
	}
}

func (src *source) addDirective(l string, line, c int, alone bool) {
	m := directiveRe.FindStringSubmatch(l[c:])
	if m == nil {
		return
	}
	d := directive{line: line, col: col(l, c), rule: m[2], reason: strings.TrimSpace(m[3]), file: m[1] != ""}
	if !alone {
		d.target = line
	}
	src.directives = append(src.directives, d)
}

func (src *source) addLink(dest string, line, c int) {
	if dest == "" {
		return
	}
	ext := schemeRe.MatchString(dest) || strings.HasPrefix(dest, "//")
	if ext && !isWebScheme(dest) && !looksLikeMistypedHTTP(dest) {
		return // mailto:, tel:, slack:// …
	}
	src.links = append(src.links, rawLink{dest: dest, line: line, col: c, external: ext})
}

func isWebScheme(dest string) bool {
	l := strings.ToLower(dest)
	return strings.HasPrefix(l, "http:") || strings.HasPrefix(l, "https:") || strings.HasPrefix(l, "//")
}

// scanLinks finds inline links ](dest), autolinks <http…> and bare URLs on
// one line outside code spans.
func (src *source) scanLinks(l string, line int) {
	covered := -1 // bare URLs before this byte offset were part of a link
	for i := 0; i < len(l); i++ {
		switch {
		case l[i] == '`':
			k := i
			for k < len(l) && l[k] == '`' {
				k++
			}
			if end := strings.Index(l[k:], l[i:k]); end >= 0 {
				i = k + end + (k - i) - 1
			} else {
				i = k - 1
			}
		case l[i] == ']' && i+1 < len(l) && l[i+1] == '(':
			start := i + 2
			for start < len(l) && l[start] == ' ' {
				start++
			}
			dest, end := linkDest(l[start:])
			src.addLink(dest, line, col(l, start))
			covered = start + end
			i = start + end - 1
		case l[i] == '<' && (hasPrefixFold(l[i+1:], "http://") || hasPrefixFold(l[i+1:], "https://")):
			end := strings.IndexByte(l[i:], '>')
			if end < 0 {
				end = len(l) - i
			}
			src.addLink(l[i+1:i+end], line, col(l, i+1))
			covered = i + end
			i += end
		case i > covered && (hasPrefixFold(l[i:], "http://") || hasPrefixFold(l[i:], "https://")) && (i == 0 || !isWordByte(l[i-1])):
			end := i
			for end < len(l) && !strings.ContainsRune(" \t<>\"`", rune(l[end])) {
				end++
			}
			u := strings.TrimRight(l[i:end], ".,:;!?*_~'")
			// Linkify leaves an unbalanced closing parenthesis outside.
			for strings.HasSuffix(u, ")") && strings.Count(u, "(") < strings.Count(u, ")") {
				u = u[:len(u)-1]
			}
			src.addLink(u, line, col(l, i))
			i = i + len(u) - 1
		}
	}
}

// linkDest reads an inline link destination (with optional <…>), returning
// it and the offset just past it.
func linkDest(s string) (string, int) {
	if strings.HasPrefix(s, "<") {
		if end := strings.IndexByte(s, '>'); end > 0 {
			return s[1:end], end + 1
		}
	}
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth == 0 {
				return s[:i], i
			}
			depth--
		case ' ', '\t':
			return s[:i], i
		case '\\':
			i++
		}
	}
	return s, len(s)
}

func hasPrefixFold(s, p string) bool { return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) }

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '_'
}

// col converts a byte offset to a 1-based column in characters, as the
// build's Markdown positions count.
func col(l string, off int) int { return utf8.RuneCountInString(l[:off]) + 1 }

// silenced reports whether a compass-ignore comment with a reason covers f.
func (s *sources) silenced(f Finding) bool {
	src := s.byFile[f.File]
	if src == nil || f.Rule == "invalid-ignore" {
		return false
	}
	for _, d := range src.directives {
		if d.rule != f.Rule || d.reason == "" {
			continue
		}
		if d.file || d.target == f.Line {
			return true
		}
	}
	return false
}

// directiveProblems reports compass-ignore comments without a reason or
// with an unknown rule; they silence nothing.
func (s *sources) directiveProblems() []Finding {
	var out []Finding
	for _, src := range s.byFile {
		for _, d := range src.directives {
			msg := ""
			switch {
			case d.rule == "":
				msg = "compass-ignore needs a rule id and a reason: compass-ignore orphan-page: why this is fine"
			case ruleByID[d.rule].ID == "":
				msg = fmt.Sprintf("compass-ignore: %q is not a rule", d.rule)
			case d.reason == "":
				msg = fmt.Sprintf("compass-ignore %s needs a reason after a colon: compass-ignore %s: why this is fine", d.rule, d.rule)
			default:
				continue
			}
			out = append(out, Finding{File: src.file, Line: d.line, Col: d.col, Severity: Error, Rule: "invalid-ignore", Message: msg})
		}
	}
	return out
}

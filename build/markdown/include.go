package markdown

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"
)

// Files gives one page's {include} and {literalinclude} directives the
// site's files. Paths are read from FS, rooted at the content folder: a
// path starting "/" is from that root, any other from the page's folder;
// one that leaves the root is refused.
type Files struct {
	FS   fs.FS
	Page string // the page's own path in FS, slash-separated ("policies/oncall.md")
}

// kindIncludedCode is the node of a {literalinclude}: a code block whose
// text comes from another file, so it has no segments in the page source.
var kindIncludedCode = ast.NewNodeKind("IncludedCode")

type includedCode struct {
	ast.BaseBlock
	lang, code string
}

func (n *includedCode) Kind() ast.NodeKind { return kindIncludedCode }

func (n *includedCode) IsRaw() bool { return true }

func (n *includedCode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Lang": n.lang}, nil)
}

// includeFile expands an {include} or {literalinclude} directive: the
// first is rendered in place (its HTML kept on the node, its headings,
// labels, links and problems merged into the page's), the second is
// replaced by a code block. Problems are errors at the directive.
func (s *renderState) includeFile(d *directiveNode) {
	name, content, ok := s.readInclude(d)
	if !ok {
		return
	}
	text, first, err := selectLines(content, d.opts)
	if err != nil {
		s.fail(d.at, "%s %s: %v", d.name, name, err)
		return
	}
	if d.name == "literalinclude" {
		code := &includedCode{lang: strings.TrimSpace(d.opts["language"]), code: text}
		if code.lang == "" {
			code.lang = strings.TrimPrefix(path.Ext(name), ".")
		}
		for _, k := range []string{"caption", "emphasize-lines", "linenos", "lineno-start"} {
			if v, set := d.opts[k]; set {
				code.SetAttributeString(k, []byte(v))
			}
		}
		copyPos(code, d)
		d.Parent().ReplaceChild(d.Parent(), d, code)
		return
	}
	sub, err := s.renderer.render([]byte(text), first, s.resolve, s.files, append(slices.Clip(s.stack), name))
	if err != nil {
		s.fail(d.at, "include %s: %v", name, err)
		return
	}
	d.included = sub
	line, col := s.position(d.at)
	for _, l := range sub.Links {
		l.Line, l.Col = line, col // the page's position: the included file is not the page
		s.links = append(s.links, l)
	}
	for _, dg := range sub.Diagnostics {
		msg := fmt.Sprintf("in %s:%d:%d: %s", name, dg.Line, dg.Col, dg.Message)
		if dg.Error {
			s.fail(d.at, "%s", msg)
		} else {
			s.warn(d.at, "%s", msg)
		}
	}
}

// readInclude reads the file directive d names, reporting why not at d.
func (s *renderState) readInclude(d *directiveNode) (name, content string, ok bool) {
	arg := strings.TrimSpace(d.arg)
	switch {
	case arg == "":
		s.fail(d.at, "%s: no file given", d.name)
		return "", "", false
	case s.files == nil || s.files.FS == nil:
		s.fail(d.at, "%s %s: files cannot be included here", d.name, arg)
		return "", "", false
	}
	if strings.HasPrefix(arg, "/") {
		name = path.Clean(strings.TrimLeft(arg, "/"))
	} else {
		name = path.Join(path.Dir(s.files.Page), arg)
	}
	if !fs.ValidPath(name) || name == "." {
		s.fail(d.at, "%s %s: outside the content folder; refused", d.name, arg)
		return "", "", false
	}
	if d.name == "include" && slices.Contains(s.stack, name) {
		s.fail(d.at, "include %s: include cycle %s", arg, strings.Join(append(slices.Clip(s.stack), name), " -> "))
		return "", "", false
	}
	b, err := fs.ReadFile(s.files.FS, name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		s.fail(d.at, "%s %s: %v", d.name, arg, err)
		return "", "", false
	}
	s.includes = append(s.includes, name)
	return name, string(b), true
}

// selectLines applies :lines:, or :start-line: and :end-line: then
// :start-after: and :end-before:, to an included file, returning the text
// kept and the file line it starts on. :start-line: and :end-line: are
// docutils' 0-based slice bounds (negative counts from the end); the
// markers match whole lines containing them, which are left out.
func selectLines(content string, opts map[string]string) (string, int, error) {
	lines := strings.SplitAfter(content, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	after, hasAfter := opts["start-after"]
	before, hasBefore := opts["end-before"]
	spec, hasLines := opts["lines"]
	_, hasStart := opts["start-line"]
	_, hasEnd := opts["end-line"]
	if hasLines && (hasAfter || hasBefore || hasStart || hasEnd) {
		return "", 0, errors.New("the :lines: option cannot be combined with the :start-line:, :end-line:, :start-after: and :end-before: options")
	}
	if hasLines {
		keep, err := parseLineSpec(spec, len(lines))
		if err != nil {
			return "", 0, err
		}
		var b strings.Builder
		for _, i := range keep {
			b.WriteString(lines[i-1])
		}
		return b.String(), keep[0], nil
	}
	from, to, err := lineSlice(opts, len(lines))
	if err != nil {
		return "", 0, err
	}
	if hasAfter {
		i := slices.IndexFunc(lines[from:to], func(l string) bool { return strings.Contains(l, after) })
		if after == "" || i < 0 {
			return "", 0, fmt.Errorf(":start-after: text %q not found", after)
		}
		from += i + 1
	}
	if hasBefore {
		i := slices.IndexFunc(lines[from:to], func(l string) bool { return strings.Contains(l, before) })
		if before == "" || i < 0 {
			return "", 0, fmt.Errorf(":end-before: text %q not found", before)
		}
		to = from + i
	}
	return strings.Join(lines[from:to], ""), from + 1, nil
}

// parseLineSpec reads a :lines: value such as "2-5,8", "10-" or "-3" into
// the 1-based line numbers it selects, in order.
func parseLineSpec(spec string, n int) ([]int, error) {
	var keep []int
	for f := range strings.SplitSeq(spec, ",") {
		f = strings.TrimSpace(f)
		lo, hi, isRange := strings.Cut(f, "-")
		a, b := 1, n
		var err error
		if lo != "" || !isRange {
			if a, err = strconv.Atoi(strings.TrimSpace(lo)); err != nil {
				return nil, fmt.Errorf(":lines: %q is not a line number or range", f)
			}
		}
		if !isRange {
			b = a
		} else if hi != "" {
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil {
				return nil, fmt.Errorf(":lines: %q is not a line number or range", f)
			}
		}
		if a < 1 || b < a || b > n {
			return nil, fmt.Errorf(":lines: %q is outside the file's lines 1-%d", f, n)
		}
		for i := a; i <= b; i++ {
			keep = append(keep, i)
		}
	}
	return keep, nil
}

// lineSlice reads :start-line: and :end-line: as Python slice bounds over
// n lines: 0-based, the end excluded, negative from the end, clamped.
func lineSlice(opts map[string]string, n int) (from, to int, err error) {
	bound := func(key string, def int) (int, error) {
		v, ok := opts[key]
		if !ok {
			return def, nil
		}
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return 0, fmt.Errorf(":%s: %q is not a line number", key, v)
		}
		if i < 0 {
			i += n
		}
		return min(max(i, 0), n), nil
	}
	if from, err = bound("start-line", 0); err != nil {
		return 0, 0, err
	}
	if to, err = bound("end-line", n); err != nil {
		return 0, 0, err
	}
	return from, max(from, to), nil
}

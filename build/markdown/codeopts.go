package markdown

import (
	"strconv"
	"strings"
)

// codeOptions are the presentation options of one code block, read from
// its fence's info string and from attributes set on the node.
//
// Info strings of the tools handbooks come from are understood:
//
//	```go title="main.go" hl_lines="2 4-5" linenums="10"   MkDocs Material
//	```go {hl_lines=[2,"4-5"], linenos=true, linenostart=10} Hugo
//	```go title="main.go" {2,4-5} showLineNumbers            Docusaurus
//
// Parsers of other syntaxes (MyST's ":emphasize-lines:", ":linenos:",
// ":lineno-start:", ":caption:") set the same options as attributes on the
// *ast.FencedCodeBlock, named by the keys below ("emphasize-lines",
// "linenos", "lineno-start", "caption" …), with string or []byte values.
type codeOptions struct {
	title     string
	lineNos   bool
	start     int      // number of the first line; 1 unless set
	highlight [][2]int // inclusive line ranges, in the block's own numbering from 1
}

// setOption applies one key/value pair; unknown keys are ignored, as the
// tools that wrote them ignore keys they do not know.
func (o *codeOptions) setOption(key, val string) {
	switch strings.ToLower(key) {
	case "title", "filename", "caption":
		o.title = val
	case "hl_lines", "hl-lines", "emphasize-lines", "highlight", "hl":
		o.highlight = append(o.highlight, lineRanges(val)...)
	case "linenums", "linenos", "shownumbers", "showlinenumbers", "linenumbers", "number-lines", "lineno":
		switch v := strings.ToLower(val); {
		case v == "false" || v == "0" || v == "no":
			o.lineNos = false
		default:
			o.lineNos = true
			if n, err := strconv.Atoi(v); err == nil && n > 1 {
				o.start = n
			}
		}
	case "linenostart", "lineno-start", "start":
		if n, err := strconv.Atoi(strings.TrimSpace(val)); err == nil && n > 0 {
			o.lineNos, o.start = true, n
		}
	}
}

// parseCodeInfo reads the options that follow the language in a fence's
// info string.
func parseCodeInfo(rest string) codeOptions {
	var o codeOptions
	s := strings.TrimSpace(rest)
	for s != "" {
		switch c := s[0]; {
		case c == '{' || c == '}' || c == ',' || c == ' ' || c == '\t':
			if c == '{' {
				// Docusaurus writes highlighted lines as a bare "{1,4-6}".
				if end := strings.IndexByte(s, '}'); end > 0 && isLineList(s[1:end]) {
					o.highlight = append(o.highlight, lineRanges(s[1:end])...)
					s = s[end+1:]
					continue
				}
			}
			s = s[1:]
			continue
		}
		key, val, n := infoPair(s)
		o.setOption(key, val)
		s = s[n:]
	}
	return o
}

// infoPair scans `key`, `key=value`, `key="quoted value"` or
// `key=[list, "of items"]` at the start of s, returning how much it read.
func infoPair(s string) (key, val string, n int) {
	for n < len(s) && !strings.ContainsRune("= \t,{}", rune(s[n])) {
		n++
	}
	key = s[:n]
	if n == 0 { // a stray '=': skip it
		return "", "", 1
	}
	if n >= len(s) || s[n] != '=' {
		return key, "", n
	}
	n++
	if n >= len(s) {
		return key, "", n
	}
	switch q := s[n]; q {
	case '"', '\'', '[':
		end := byte(q)
		if q == '[' {
			end = ']'
		}
		if i := strings.IndexByte(s[n+1:], end); i >= 0 {
			return key, s[n+1 : n+1+i], n + i + 2
		}
		return key, s[n+1:], len(s)
	}
	start := n
	for n < len(s) && !strings.ContainsRune(" \t,}", rune(s[n])) {
		n++
	}
	return key, s[start:n], n
}

func isLineList(s string) bool {
	return strings.TrimSpace(s) != "" && strings.Trim(s, "0123456789,- ") == ""
}

// lineRanges reads "2 4-5", "2,4-5" or `2,"4-5"` into inclusive ranges.
func lineRanges(s string) [][2]int {
	var out [][2]int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '"' || r == '\'' }) {
		lo, hi, isRange := strings.Cut(f, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 1 {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				continue
			}
		}
		out = append(out, [2]int{a, b})
	}
	return out
}

// highlighted reports whether line (1-based, in the block) is in a range.
func (o *codeOptions) highlighted(line int) bool {
	for _, r := range o.highlight {
		if line >= r[0] && line <= r[1] {
			return true
		}
	}
	return false
}

// key distinguishes blocks rendered with different options in the cache.
func (o *codeOptions) key() string {
	if o.title == "" && !o.lineNos && len(o.highlight) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(o.title)
	b.WriteByte(0)
	if o.lineNos {
		b.WriteString(strconv.Itoa(max(o.start, 1)))
	}
	for _, r := range o.highlight {
		b.WriteString("," + strconv.Itoa(r[0]) + "-" + strconv.Itoa(r[1]))
	}
	return b.String()
}

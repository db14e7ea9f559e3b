package check

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Format is an output format of `compass check`.
type Format string

// Formats.
const (
	Human  Format = "human"  // path:line:col: severity: message [rule], grouped by file
	JSON   Format = "json"   // an array of findings
	GitHub Format = "github" // GitHub Actions workflow commands, shown on the pull request diff
)

// ParseFormat validates a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Human, JSON, GitHub:
		return f, nil
	}
	return "", fmt.Errorf("format %q is not one of human, json, github", s)
}

// Write prints the report in format f. color adds ANSI colours to the
// human format (callers decide: a terminal, and NO_COLOR unset).
func Write(w io.Writer, f Format, r *Report, color bool) error {
	switch f {
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r.Findings)
	case GitHub:
		return writeGitHub(w, r)
	}
	return writeHuman(w, r, color)
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiDim    = "\x1b[2m"
)

func writeHuman(w io.Writer, r *Report, color bool) error {
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return code + s + ansiReset
	}
	var b strings.Builder
	files := 0
	for i, f := range r.Findings {
		if i == 0 || f.File != r.Findings[i-1].File {
			if i > 0 {
				b.WriteByte('\n')
			}
			files++
		}
		sev := paint(ansiYellow, "warning")
		if f.Severity == Error {
			sev = paint(ansiRed, "error")
		}
		pos := f.Pos()
		if pos == "" {
			pos = "site"
		}
		fmt.Fprintf(&b, "%s: %s: %s %s\n", paint(ansiBold, pos), sev, f.Message, paint(ansiDim, "["+f.Rule+"]"))
	}
	errs, warns := r.Count()
	if len(r.Findings) > 0 {
		b.WriteByte('\n')
	}
	scope := fmt.Sprintf("%s checked", plural(r.Checked, "page"))
	if !r.Full {
		scope = fmt.Sprintf("%s of %d checked (changed and the pages linking to them)", plural(r.Checked, "page"), r.Pages)
	}
	fmt.Fprintf(&b, "%s, %s in %s; %s\n", plural(errs, "error"), plural(warns, "warning"), plural(files, "file"), scope)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeGitHub prints one ::error or ::warning workflow command per finding,
// escaped as the Actions runner expects: "%", CR and LF in the message;
// also ":" and "," in property values.
func writeGitHub(w io.Writer, r *Report) error {
	var b strings.Builder
	for _, f := range r.Findings {
		cmd := "warning"
		if f.Severity == Error {
			cmd = "error"
		}
		var props []string
		if f.File != "" {
			props = append(props, "file="+escapeProperty(f.File))
			if f.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", f.Line))
				if f.Col > 0 {
					props = append(props, fmt.Sprintf("col=%d", f.Col))
				}
			}
		}
		props = append(props, "title="+escapeProperty(f.Rule))
		fmt.Fprintf(&b, "::%s %s::%s\n", cmd, strings.Join(props, ","), escapeData(f.Message+" ["+f.Rule+"]"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func escapeData(s string) string     { return dataEscaper.Replace(s) }
func escapeProperty(s string) string { return propertyEscaper.Replace(s) }

package check

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// extLink is one http(s) link occurrence.
type extLink struct {
	url       string
	file      string
	line, col int
}

// mistypedHTTP matches schemes that are almost certainly http or https
// misspelt: "htps:", "htttp:", "hhtps:", "http;" is not a scheme at all.
var mistypedHTTP = regexp.MustCompile(`(?i)^(h?t{1,3}p{1,2}s?|h{2}t{1,3}p{1,2}s?|https?s+):`)

func looksLikeMistypedHTTP(dest string) bool { return mistypedHTTP.MatchString(dest) }

// malformed says what is wrong with an external link, or "".
func malformed(dest string) string {
	lower := strings.ToLower(dest)
	if strings.HasPrefix(dest, "//") {
		return "" // protocol-relative: fine on the web
	}
	if !strings.HasPrefix(lower, "http:") && !strings.HasPrefix(lower, "https:") {
		return fmt.Sprintf("%q has a misspelt scheme; use http:// or https://", dest)
	}
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return fmt.Sprintf("%q needs // after the scheme", dest)
	}
	if strings.ContainsAny(dest, " \t") {
		return fmt.Sprintf("%q contains spaces; encode them as %%20", dest)
	}
	u, err := url.Parse(dest)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Sprintf("%q is not a valid URL: %v", dest, err)
	}
	host := u.Hostname()
	switch {
	case host == "":
		return fmt.Sprintf("%q has no host", dest)
	case net.ParseIP(host) != nil:
	case !validHost(host):
		return fmt.Sprintf("%q has an invalid host name %q", dest, host)
	}
	if p := u.Port(); p == "" && strings.HasSuffix(u.Host, ":") {
		return fmt.Sprintf("%q has an empty port", dest)
	}
	return ""
}

// validHost accepts DNS names (letters, digits, hyphens, dots, and
// non-ASCII for IDNs) with at least one dot or "localhost".
func validHost(h string) bool {
	if h == "localhost" {
		return true
	}
	if !strings.Contains(h, ".") || strings.HasPrefix(h, ".") || strings.Contains(h, "..") {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r > 127) {
				return false
			}
		}
	}
	return true
}

// malformedLinks reports invalid external links of the pages in scope.
func (s *sources) malformedLinks(sc *scope) []Finding {
	var out []Finding
	for file, src := range s.byFile {
		if sc != nil && !sc.report[file] {
			continue
		}
		for _, l := range src.links {
			if !l.external {
				continue
			}
			if msg := malformed(l.dest); msg != "" {
				out = append(out, Finding{File: file, Line: l.line, Col: l.col, Severity: Error, Rule: "malformed-external-link", Message: "link " + msg})
			}
		}
	}
	return out
}

// todoMarkers reports the TODO markers of the pages in scope.
func (s *sources) todoMarkers(sc *scope) []Finding {
	var out []Finding
	for file, src := range s.byFile {
		if sc != nil && !sc.report[file] {
			continue
		}
		for _, p := range src.todos {
			out = append(out, Finding{File: file, Line: p.line, Col: p.col, Severity: Warning, Rule: "todo", Message: "TODO marker: finish this part of the page, then remove the marker"})
		}
	}
	return out
}

// externalLinks lists the well-formed http(s) links of the pages in scope.
func (s *sources) externalLinks(sc *scope) []extLink {
	var out []extLink
	for file, src := range s.byFile {
		if sc != nil && !sc.report[file] {
			continue
		}
		for _, l := range src.links {
			if l.external && malformed(l.dest) == "" && !strings.HasPrefix(l.dest, "//") {
				out = append(out, extLink{url: l.dest, file: file, line: l.line, col: l.col})
			}
		}
	}
	return out
}

package check

import (
	"fmt"
	"path"
	"strings"
)

// globs are compass.yaml's check.ignore patterns.
type globs [][]string

// compileGlobs validates patterns: slash paths relative to the site root
// where "**" matches any number of folders and other segments use
// path.Match syntax.
func compileGlobs(patterns []string) (globs, error) {
	var g globs
	for _, p := range patterns {
		segs := strings.Split(strings.Trim(path.Clean(strings.TrimPrefix(p, "./")), "/"), "/")
		for _, s := range segs {
			if _, err := path.Match(s, ""); err != nil {
				return nil, fmt.Errorf("%w: ignore: %q: %v", ErrConfig, p, err)
			}
		}
		g = append(g, segs)
	}
	return g, nil
}

func (g globs) match(file string) bool {
	segs := strings.Split(file, "/")
	for _, p := range g {
		if matchSegs(p, segs) {
			return true
		}
	}
	return false
}

func matchSegs(p, s []string) bool {
	for len(p) > 0 {
		if p[0] == "**" {
			for i := 0; i <= len(s); i++ {
				if matchSegs(p[1:], s[i:]) {
					return true
				}
			}
			return false
		}
		if len(s) == 0 {
			return false
		}
		if ok, _ := path.Match(p[0], s[0]); !ok {
			return false
		}
		p, s = p[1:], s[1:]
	}
	return len(s) == 0
}

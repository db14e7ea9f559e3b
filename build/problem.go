package build

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Position is a place in a source file, as an editor shows it: the path
// relative to the site root ("content/policies/oncall.md"), 1-based line and
// column (column in bytes). Line or Col is 0 when unknown.
type Position struct {
	File string
	Line int
	Col  int
}

// String formats the position the way compilers do, so editors and CI
// annotations can jump to it: "content/x.md:3:8".
func (p Position) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// ContentError is a problem in the content, found while loading, validating
// or rendering the site. Its message reads like a compiler's so that a writer
// can fix it without reading Compass's code.
type ContentError struct {
	Pos Position
	Err error
}

// Error returns "path:line:col: message".
func (e *ContentError) Error() string { return e.Pos.String() + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *ContentError) Unwrap() error { return e.Err }

// Warning is a content problem that does not stop the build (an unknown
// front matter key, an unknown directive) unless the build is strict.
type Warning struct {
	Pos     Position
	Message string
}

// String returns "path:line:col: warning: message".
func (w Warning) String() string { return w.Pos.String() + ": warning: " + w.Message }

// ContentErrors is every content error of one build, sorted by position. It
// is returned as an error so callers can print each on its own line; it
// unwraps to the individual *ContentError values for errors.As.
type ContentErrors []*ContentError

// Error joins the errors one per line.
func (es ContentErrors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap exposes the individual errors to errors.Is and errors.As.
func (es ContentErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// problems collects errors and warnings for one file or the whole site.
// It is not safe for concurrent use; workers keep their own and merge.
type problems struct {
	errs     []*ContentError
	warnings []Warning
}

func (p *problems) errorf(pos Position, format string, args ...any) {
	p.errs = append(p.errs, &ContentError{Pos: pos, Err: fmt.Errorf(format, args...)})
}

func (p *problems) warnf(pos Position, format string, args ...any) {
	p.warnings = append(p.warnings, Warning{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

func (p *problems) merge(q *problems) {
	p.errs = append(p.errs, q.errs...)
	p.warnings = append(p.warnings, q.warnings...)
}

func comparePos(a, b Position) int {
	return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
}

// sort orders problems by position and drops exact duplicates (the same
// broken link written twice on one line is reported once).
func (p *problems) sort() {
	slices.SortStableFunc(p.errs, func(a, b *ContentError) int {
		return cmp.Or(comparePos(a.Pos, b.Pos), strings.Compare(a.Err.Error(), b.Err.Error()))
	})
	p.errs = slices.CompactFunc(p.errs, func(a, b *ContentError) bool {
		return a.Pos == b.Pos && a.Err.Error() == b.Err.Error()
	})
	slices.SortStableFunc(p.warnings, func(a, b Warning) int {
		return cmp.Or(comparePos(a.Pos, b.Pos), strings.Compare(a.Message, b.Message))
	})
	p.warnings = slices.Compact(p.warnings)
}

// err returns the collected errors as one error, or nil.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	return ContentErrors(slices.Clone(p.errs))
}

// ErrNoContent is wrapped when the site root has no content/ folder.
var ErrNoContent = errors.New("no content folder")

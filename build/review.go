package build

import (
	"time"

	"go.yaml.in/yaml/v3"
)

// reviewKeys decode the keys of an incident review's front matter.
var reviewKeys = map[string]keyDecoder{
	"incident": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Review.Incident, _ = d.str(key, v) },
	"sources":  func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Review.Sources = d.strList(key, v) },
	"severity": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) {
		m.Review.Severity = d.oneOf(key, v, "critical", "warning", "info")
	},
	"started":      func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Review.Started = d.timestamp(key, v) },
	"acknowledged": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Review.Acknowledged = d.timestamp(key, v) },
	"resolved":     func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Review.Resolved = d.timestamp(key, v) },
	"runbooks":     func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Review.Runbooks = d.strList(key, v) },
}

// checkReview reports a review without its incident or start, and times
// out of order: an incident is acknowledged and resolved after it started.
func (d *fmDecoder) checkReview(r *Review, root *yaml.Node) {
	for _, req := range []struct{ key, val string }{{"incident", r.Incident}, {"started", r.Started}} {
		if req.val == "" && valueOf(root, req.key).Kind == 0 {
			d.p.errorf(d.pos(root), "review has no %s (required)", req.key)
		}
	}
	if r.Started == "" {
		return
	}
	start, _ := time.Parse(time.RFC3339, r.Started)
	for _, later := range []struct{ key, val string }{{"acknowledged", r.Acknowledged}, {"resolved", r.Resolved}} {
		if t, err := time.Parse(time.RFC3339, later.val); err == nil && t.Before(start) {
			d.p.errorf(d.pos(valueOf(root, later.key)), "%s: %s is before started (%s)", later.key, later.val, r.Started)
		}
	}
}

// timestamp accepts an RFC 3339 time with its offset, 2025-01-31T14:05:00Z,
// so a review's times mean the same instant for every reader.
func (d *fmDecoder) timestamp(name string, v *yaml.Node) string {
	if v.Kind == yaml.ScalarNode {
		if _, err := time.Parse(time.RFC3339, v.Value); err == nil {
			return v.Value
		}
	}
	d.p.errorf(d.pos(v), "%s: want a time with its offset like 2025-01-31T14:05:00Z, got %s", name, describe(v))
	return ""
}

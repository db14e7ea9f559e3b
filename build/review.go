package build

import (
	"time"

	"go.yaml.in/yaml/v3"
)

// reviewKey decodes a key of an incident review's front matter; it reports
// false for keys reviews do not have.
func (d *fmDecoder) reviewKey(r *Review, key string, v *yaml.Node) bool {
	switch key {
	case "incident":
		r.Incident, _ = d.str(key, v)
	case "sources":
		r.Sources = d.strList(key, v)
	case "severity":
		r.Severity = d.oneOf(key, v, "critical", "warning", "info")
	case "started":
		r.Started = d.timestamp(key, v)
	case "acknowledged":
		r.Acknowledged = d.timestamp(key, v)
	case "resolved":
		r.Resolved = d.timestamp(key, v)
	case "runbooks":
		r.Runbooks = d.strList(key, v)
	default:
		return false
	}
	return true
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

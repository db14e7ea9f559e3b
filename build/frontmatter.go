package build

// Front matter is decoded with go.yaml.in/yaml/v3 into yaml.Node trees rather
// than through goldmark-meta: goldmark-meta hands back a map[string]any,
// which has already thrown away where each key and value was written, so a
// wrong type could only be reported as "somewhere in the front matter".
// Nodes keep line and column, so every error and warning points at the exact
// value in the YAML, and unknown keys, duplicate keys and nested problems are
// all found in one pass.

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // validate time zones on machines without a zoneinfo database

	"github.com/compasshq/compass/build/handbook"
	"go.yaml.in/yaml/v3"
)

// splitFrontMatter separates YAML front matter, written between a first line
// "---" and the next line "---" (or "..."), from the Markdown body. bodyLine
// is the 1-based line in src on which body starts. has is false when src has
// no front matter; then body is src.
func splitFrontMatter(src []byte) (fm, body []byte, bodyLine int, has bool, err error) {
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	first, rest, _ := bytes.Cut(src, []byte("\n"))
	switch strings.TrimRight(string(first), " \t\r") {
	case "---":
	case "+++":
		return nil, src, 1, false, fmt.Errorf("TOML front matter (+++) is not supported: write it as YAML between --- lines")
	default:
		return nil, src, 1, false, nil
	}
	line := 2
	off := 0
	for off <= len(rest) {
		end := bytes.IndexByte(rest[off:], '\n')
		var l []byte
		next := len(rest) + 1
		if end < 0 {
			l = rest[off:]
		} else {
			l = rest[off : off+end]
			next = off + end + 1
		}
		if t := strings.TrimRight(string(l), " \t\r"); t == "---" || t == "..." {
			if next > len(rest) {
				return rest[:off], nil, line + 1, true, nil
			}
			return rest[:off], rest[next:], line + 1, true, nil
		}
		line++
		off = next
	}
	return nil, src, 1, false, fmt.Errorf("front matter opened with --- has no closing --- line")
}

// yamlErrLine matches yaml.v3's syntax errors, "yaml: line 3: ...".
var yamlErrLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// unclosedQuote finds the first value in fm that opens a quote it never
// closes on its line, returning the quote's 1-based line and column.
// Quoted values that span lines are rare in front matter; a quote left
// open by mistake is common and yaml.v3 only notices at the end.
func unclosedQuote(fm []byte) (line, col int, ok bool) {
	for i, l := range strings.Split(string(fm), "\n") {
		start := -1
		for _, lead := range []string{": ", "- "} {
			if j := strings.Index(l, lead); j >= 0 && j+2 < len(l) && (l[j+2] == '"' || l[j+2] == '\'') {
				if start < 0 || j+2 < start {
					start = j + 2
				}
			}
		}
		if start < 0 {
			continue
		}
		q, rest, closed := l[start], l[start+1:], false
		for k := 0; k < len(rest); k++ {
			if q == '"' && rest[k] == '\\' {
				k++
				continue
			}
			if rest[k] == q {
				if q == '\'' && k+1 < len(rest) && rest[k+1] == '\'' {
					k++ // '' is an escaped quote
					continue
				}
				closed = true
				break
			}
		}
		if !closed {
			return i + 1, start + 1, true
		}
	}
	return 0, 0, false
}

// lineStart is the byte offset of 1-based line n of b.
func lineStart(b []byte, n int) int {
	off := 0
	for ; n > 1; n-- {
		off += bytes.IndexByte(b[off:], '\n') + 1
	}
	return off
}

// fmDecoder decodes one page's front matter, recording every problem.
type fmDecoder struct {
	file string
	off  int // added to YAML line numbers: the opening --- is line 1
	p    *problems
}

func (d *fmDecoder) pos(n *yaml.Node) Position {
	return Position{File: d.file, Line: n.Line + d.off, Col: n.Column}
}

// decodeFrontMatter parses and validates fm. It returns the Meta it could
// decode even when there are errors, so later checks still run.
func decodeFrontMatter(file string, fm []byte, p *problems) Meta {
	d := &fmDecoder{file: file, off: 1, p: p}
	var m Meta
	m.pos = map[string]Position{}
	root, ok := d.parse(fm)
	if !ok {
		return m
	}
	kind := d.kind(&m, root)
	if kind != nil && kind.init != nil {
		kind.init(&m)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], resolveAlias(root.Content[i+1])
		key := k.Value
		if seen[key] {
			p.errorf(d.pos(k), "key %q is set twice", key)
			continue
		}
		seen[key] = true
		m.pos[key] = d.pos(v)
		if isNull(v) && key != "title" {
			continue
		}
		if f, ok := commonKeys[key]; ok {
			f(d, &m, key, v)
		} else if f, ok := kind.key(key); ok {
			f(d, &m, key, v)
		} else {
			d.misplacedKey(m.Kind, key, k)
		}
	}
	// A missing title is taken from the first # heading (as MkDocs, MyST
	// and Docusaurus do); render warns when there is none either.
	if kind != nil && kind.check != nil {
		kind.check(d, &m, root)
	}
	return m
}

// parse parses fm into its root mapping node, reporting why when it is not
// one: a YAML syntax error, an empty document or some other value.
func (d *fmDecoder) parse(fm []byte) (*yaml.Node, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(fm, &doc); err != nil {
		pos := Position{File: d.file, Line: 1, Col: 1}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if sub := yamlErrLine.FindStringSubmatch(err.Error()); sub != nil {
			n, _ := strconv.Atoi(sub[1])
			pos.Line = n + d.off
			msg = sub[2]
		}
		if line, col, ok := unclosedQuote(fm); ok && strings.Contains(msg, "end of stream") {
			// yaml.v3 reports an unclosed quote where the text ends, lines
			// below the quote (issue #12): point at the quote instead.
			pos.Line, pos.Col = line+d.off, col
			msg = "this quoted value is never closed (missing " + string(fm[lineStart(fm, line)+col-1]) + ")"
		}
		d.p.errorf(pos, "front matter: %s", msg)
		return nil, false
	}
	if len(doc.Content) == 0 {
		d.p.errorf(Position{File: d.file, Line: 1, Col: 1}, "front matter is empty: it needs at least a title")
		return nil, false
	}
	root := resolveAlias(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		d.p.errorf(d.pos(root), "front matter must be a mapping of keys to values, got %s", describe(root))
		return nil, false
	}
	return root, true
}

// kind finds the page's kind, setting m.Kind, before any other key is
// decoded: kind decides which keys are known, and it may come after them.
// It returns nil for a page without a (valid) kind.
func (d *fmDecoder) kind(m *Meta, root *yaml.Node) *pageKind {
	var kind *pageKind
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "kind" {
			continue
		}
		v := resolveAlias(root.Content[i+1])
		s, ok := d.str("kind", v)
		if !ok {
			continue
		}
		if k := kindNamed(s); k != nil {
			kind, m.Kind = k, s
		} else {
			d.p.errorf(d.pos(v), "kind: %q is not one of %s", s, strings.Join(kindNames(), ", "))
		}
	}
	return kind
}

// misplacedKey warns about a key the page's kind does not have, naming the
// kind that does when there is one.
func (d *fmDecoder) misplacedKey(kind, key string, k *yaml.Node) {
	switch owner := kindOfKey[key]; {
	case owner == "":
		d.p.warnf(d.pos(k), "unknown key %q", key)
	case kind == "":
		d.p.warnf(d.pos(k), "key %q is only used by kind %s pages, and this page has no kind", key, owner)
	default:
		d.p.warnf(d.pos(k), "key %q is only used by kind %s pages, not %s", key, owner, kind)
	}
}

// keyDecoder decodes the value v of one front-matter key into m, reporting
// what is wrong with it.
type keyDecoder func(d *fmDecoder, m *Meta, key string, v *yaml.Node)

// commonKeys are the keys every page may have, whatever its kind.
var commonKeys = map[string]keyDecoder{
	"kind": func(*fmDecoder, *Meta, string, *yaml.Node) {}, // decoded first, by fmDecoder.kind
	"title": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) {
		if s, ok := d.str(key, v); ok {
			if strings.TrimSpace(s) == "" {
				d.p.errorf(d.pos(v), "title must not be empty")
			}
			m.Title = strings.TrimSpace(s)
		}
	},
	"description": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Description, _ = d.str(key, v) },
	"owner":       func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Owner, _ = d.str(key, v) },
	"tags": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) {
		m.Tags = d.strList(key, v)
		for j, t := range m.Tags {
			if t != strings.ToLower(t) || strings.ContainsAny(t, " /#?") {
				d.p.warnf(d.pos(v.Content[j]), "tags: %q should be lowercase words joined by hyphens, it is used as %q", t, tagSlug(t))
			}
		}
	},
	"review_by": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.ReviewBy = d.date(key, v) },
	"aliases": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) {
		for j, a := range d.strList(key, v) {
			if !strings.HasPrefix(a, "/") || strings.Contains(a, "..") || strings.ContainsAny(a, "?#") {
				d.p.errorf(d.pos(v.Content[j]), "aliases: %q must be a site path starting with / (like /old/path/)", a)
				continue
			}
			m.Aliases = append(m.Aliases, a)
		}
	},
	"redirect_from": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) {
		// Jekyll's and Eleventy's name for aliases: one path or a list,
		// relative to the site root.
		items := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			items = v.Content
		}
		for _, n := range items {
			a, ok := d.str(key, n)
			if !ok {
				continue
			}
			if a = "/" + strings.TrimPrefix(a, "/"); strings.Contains(a, "..") || strings.ContainsAny(a, "?#") {
				d.p.errorf(d.pos(n), "redirect_from: %q must be a site path like /old/path/", a)
				continue
			}
			m.Aliases = append(m.Aliases, a)
		}
	},
	"weight": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Weight = d.int(key, v) },
	"draft":  func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Draft = d.bool(key, v) },
}

// pageKind is what one kind of page adds to the front matter: the struct in
// Meta that holds its keys, a decoder per key, and the checks that need all
// of its keys at once.
type pageKind struct {
	name  string
	init  func(m *Meta) // allocates the kind's struct in m; nil when it has none
	keys  map[string]keyDecoder
	check func(d *fmDecoder, m *Meta, root *yaml.Node) // nil when there is nothing to check
}

// key returns the decoder of a key of kind k; a nil k (no kind) has none.
func (k *pageKind) key(key string) (keyDecoder, bool) {
	if k == nil {
		return nil, false
	}
	f, ok := k.keys[key]
	return f, ok
}

// pageKinds lists the kinds in the order error messages name them. A key
// two kinds share (severity) is credited to the first in kindOfKey.
var pageKinds = []pageKind{
	{name: KindPolicy, init: func(m *Meta) { m.Policy = &Policy{} }, keys: policyKeys},
	{name: KindCharter, init: func(m *Meta) { m.Charter = &Charter{} }, keys: charterKeys, check: checkCharterMeta},
	{name: KindMeeting, init: func(m *Meta) { m.Meeting = &Meeting{} }, keys: meetingKeys},
	{name: KindRunbook, init: func(m *Meta) { m.Runbook = &Runbook{} }, keys: runbookKeys},
	{name: KindGuide},
	{name: KindReview, init: func(m *Meta) { m.Review = &Review{} }, keys: reviewKeys,
		check: func(d *fmDecoder, m *Meta, root *yaml.Node) { d.checkReview(m.Review, root) }},
}

// kindNamed returns the kind called name, or nil.
func kindNamed(name string) *pageKind {
	for i := range pageKinds {
		if pageKinds[i].name == name {
			return &pageKinds[i]
		}
	}
	return nil
}

func kindNames() []string {
	names := make([]string, len(pageKinds))
	for i, k := range pageKinds {
		names[i] = k.name
	}
	return names
}

// kindOfKey names the kind each kind-specific key belongs to, so a key on
// the wrong kind of page gets a helpful warning instead of "unknown".
var kindOfKey = func() map[string]string {
	owners := map[string]string{}
	for _, k := range pageKinds {
		for key := range k.keys {
			if owners[key] == "" {
				owners[key] = k.name
			}
		}
	}
	return owners
}()

var policyKeys = map[string]keyDecoder{
	"effective":  func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Policy.Effective = d.date(key, v) },
	"applies_to": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Policy.AppliesTo = d.strList(key, v) },
}

var charterKeys = map[string]keyDecoder{
	"team": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) {
		c := m.Charter
		c.Team, _ = d.str(key, v)
		if c.Team != "" && !isID(c.Team) {
			d.p.errorf(d.pos(v), "team: %q must be an id of lowercase letters, digits and hyphens, like sre", c.Team)
		}
	},
	"mission": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Charter.Mission, _ = d.str(key, v) },
	"goals":   func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Charter.Goals = d.strList(key, v) },
	"systems": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Charter.Systems = d.strList(key, v) },
	"channel": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Charter.Channel, _ = d.str(key, v) },
	"slack_group": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) {
		m.Charter.SlackGroup, _ = d.str(key, v)
	},
	"roles": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) {
		d.list(key, v, func(name string, n *yaml.Node) {
			var r handbook.Role
			d.mapping(name, n, map[string]func(string, *yaml.Node){
				"name":        func(k string, v *yaml.Node) { r.Name, _ = d.str(k, v) },
				"description": func(k string, v *yaml.Node) { r.Description, _ = d.str(k, v) },
			}, "name")
			m.Charter.Roles = append(m.Charter.Roles, r)
		})
	},
	"people": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) {
		d.list(key, v, func(name string, n *yaml.Node) {
			m.Charter.People = append(m.Charter.People, d.person(name, n))
		})
	},
	"oncall": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Charter.Oncall = d.rotation(key, v) },
}

// checkCharterMeta checks what a charter needs once all its keys are read.
func checkCharterMeta(d *fmDecoder, m *Meta, root *yaml.Node) {
	if m.Charter.Team == "" {
		d.p.errorf(d.pos(root), "charter has no team (required): the team id, like team: sre")
	}
	d.checkCharter(m.Charter, root)
}

// person decodes one entry of a charter's people.
func (d *fmDecoder) person(name string, n *yaml.Node) handbook.Person {
	var pe handbook.Person
	d.mapping(name, n, map[string]func(string, *yaml.Node){
		"id":    func(k string, v *yaml.Node) { pe.ID = d.id(k, v) },
		"name":  func(k string, v *yaml.Node) { pe.Name, _ = d.str(k, v) },
		"slack": func(k string, v *yaml.Node) { pe.Slack, _ = d.str(k, v) },
		"roles": func(k string, v *yaml.Node) { pe.Roles = d.strList(k, v) },
		"skills": func(k string, v *yaml.Node) {
			d.mapping(k, v, nil, "")
			if v.Kind != yaml.MappingNode {
				return
			}
			pe.Skills = map[string]int{}
			for i := 0; i+1 < len(v.Content); i += 2 {
				sk, sv := v.Content[i].Value, resolveAlias(v.Content[i+1])
				lvl := d.int(k+"."+sk, sv)
				if lvl < 1 || lvl > 5 {
					d.p.errorf(d.pos(sv), "%s.%s: skill level %d is not between 1 and 5", k, sk, lvl)
					continue
				}
				pe.Skills[sk] = lvl
			}
		},
	}, "id", "name")
	return pe
}

var meetingKeys = map[string]keyDecoder{
	"cadence": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { d.cadence(&m.Meeting.Cadence, key, v) },
	"duration": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) {
		if s, ok := d.str(key, v); ok {
			dur, err := time.ParseDuration(s)
			if err != nil || dur <= 0 {
				d.p.errorf(d.pos(v), "duration: %q is not a duration like 30m or 1h30m", s)
			} else {
				m.Meeting.Duration = s
			}
		}
	},
	"attendees": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Meeting.Attendees = d.strList(key, v) },
	"agenda":    func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Meeting.Agenda = d.strList(key, v) },
}

// cadence decodes a meeting's cadence block into cad.
func (d *fmDecoder) cadence(cad *handbook.Cadence, key string, v *yaml.Node) {
	d.mapping(key, v, map[string]func(string, *yaml.Node){
		"every": func(k string, v *yaml.Node) {
			cad.Every = d.oneOf(k, v, "weekly", "daily", "biweekly", "monthly")
		},
		"days": func(k string, v *yaml.Node) {
			d.list(k, v, func(name string, n *yaml.Node) {
				if day := d.weekday(name, n); day != "" {
					cad.Days = append(cad.Days, day)
				}
			})
		},
		"time":     func(k string, v *yaml.Node) { cad.Time = d.clock(k, v) },
		"timezone": func(k string, v *yaml.Node) { cad.TimeZone = d.zone(k, v) },
		"note":     func(k string, v *yaml.Node) { cad.Note, _ = d.str(k, v) },
		"start":    func(k string, v *yaml.Node) { cad.Start = d.date(k, v) },
	}, "every")
	if _, err := cad.Series(); cad.Every != "" && errors.Is(err, handbook.ErrNoStart) {
		// Still a valid page: only the meeting week and calendar feeds
		// leave it out.
		d.p.warnf(d.pos(v), "cadence: %v; the meeting week and calendar leave this meeting out", err)
	}
}

var runbookKeys = map[string]keyDecoder{
	"alerts": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) {
		rb := m.Runbook
		rb.Alerts = d.strList(key, v)
		for j, a := range rb.Alerts {
			if _, err := path.Match(a, ""); err != nil {
				d.p.errorf(d.pos(v.Content[j]), "alerts: %q is not a valid glob pattern", a)
			}
		}
	},
	"services": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) { m.Runbook.Services = d.strList(key, v) },
	"severity": func(d *fmDecoder, m *Meta, key string, v *yaml.Node) {
		m.Runbook.Severity = d.oneOf(key, v, "critical", "warning", "info")
	},
}

// rotation decodes a charter's oncall block.
func (d *fmDecoder) rotation(key string, v *yaml.Node) *handbook.Rotation {
	r := &handbook.Rotation{}
	d.mapping(key, v, map[string]func(string, *yaml.Node){
		"members": func(k string, v *yaml.Node) {
			d.list(k, v, func(name string, n *yaml.Node) {
				if id := d.id(name, n); id != "" {
					r.Members = append(r.Members, id)
				}
			})
		},
		"start": func(k string, v *yaml.Node) { r.Start = d.date(k, v) },
		"handoff": func(k string, v *yaml.Node) {
			d.mapping(k, v, map[string]func(string, *yaml.Node){
				"day":  func(k string, v *yaml.Node) { r.Handoff.Day = d.weekday(k, v) },
				"time": func(k string, v *yaml.Node) { r.Handoff.Time = d.clock(k, v) },
			}, "day", "time")
		},
		"timezone": func(k string, v *yaml.Node) { r.TimeZone = d.zone(k, v) },
		"length":   func(k string, v *yaml.Node) { r.Length = d.oneOf(k, v, "weekly", "daily") },
		"overrides": func(k string, v *yaml.Node) {
			d.list(k, v, func(name string, n *yaml.Node) {
				var o handbook.Override
				d.mapping(name, n, map[string]func(string, *yaml.Node){
					"from":   func(k string, v *yaml.Node) { o.From = d.date(k, v) },
					"to":     func(k string, v *yaml.Node) { o.To = d.date(k, v) },
					"person": func(k string, v *yaml.Node) { o.Person = d.id(k, v) },
				}, "from", "to", "person")
				if o.From != "" && o.To != "" && o.To < o.From {
					d.p.errorf(d.pos(n), "%s: ends (%s) before it starts (%s)", name, o.To, o.From)
				}
				r.Overrides = append(r.Overrides, o)
			})
		},
	}, "members", "start", "handoff", "timezone")
	if r.Length == "" {
		r.Length = "weekly"
	}
	return r
}

// checkCharter cross-checks a charter: unique person ids, rotation members
// and overrides naming people of the team, hats naming declared roles.
func (d *fmDecoder) checkCharter(c *Charter, root *yaml.Node) {
	people := map[string]bool{}
	peopleNode := valueOf(root, "people")
	for i, pe := range c.People {
		if pe.ID == "" {
			continue
		}
		if people[pe.ID] {
			d.p.errorf(d.pos(peopleNode.Content[i]), "people[%d]: id %q is used twice", i, pe.ID)
		}
		people[pe.ID] = true
	}
	roles := map[string]bool{}
	for _, r := range c.Roles {
		roles[r.Name] = true
	}
	if len(c.Roles) > 0 {
		for i, pe := range c.People {
			for j, hat := range pe.Roles {
				if !roles[hat] {
					n := valueOf(peopleNode.Content[i], "roles").Content[j]
					d.p.warnf(d.pos(n), "people[%d].roles: %q is not one of the charter's roles", i, hat)
				}
			}
		}
	}
	if c.Oncall == nil {
		return
	}
	oc := valueOf(root, "oncall")
	if members := valueOf(oc, "members"); members != nil {
		for i, id := range c.Oncall.Members {
			if !people[id] && i < len(members.Content) {
				d.p.errorf(d.pos(members.Content[i]), "oncall.members: %q is not the id of anyone in people", id)
			}
		}
		if len(c.Oncall.Members) == 0 {
			d.p.errorf(d.pos(members), "oncall.members: the rotation needs at least one member")
		}
	}
	if ovs := valueOf(oc, "overrides"); ovs != nil {
		for i, o := range c.Oncall.Overrides {
			if o.Person != "" && !people[o.Person] && i < len(ovs.Content) {
				d.p.errorf(d.pos(valueOf(ovs.Content[i], "person")), "oncall.overrides[%d].person: %q is not the id of anyone in people", i, o.Person)
			}
		}
	}
}

// valueOf returns the value node of key in mapping n, or a zero node.
func valueOf(n *yaml.Node, key string) *yaml.Node {
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return resolveAlias(n.Content[i+1])
			}
		}
	}
	return &yaml.Node{}
}

// mapping walks mapping node v: each known key goes to its func, unknown
// keys are warnings, missing required keys are errors at the mapping.
func (d *fmDecoder) mapping(name string, v *yaml.Node, fields map[string]func(string, *yaml.Node), required ...string) {
	if v.Kind != yaml.MappingNode {
		d.p.errorf(d.pos(v), "%s: want a mapping of keys to values, got %s", name, describe(v))
		return
	}
	if fields == nil {
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], resolveAlias(v.Content[i+1])
		if seen[k.Value] {
			d.p.errorf(d.pos(k), "%s: key %q is set twice", name, k.Value)
			continue
		}
		seen[k.Value] = true
		f, ok := fields[k.Value]
		if !ok {
			d.p.warnf(d.pos(k), "%s: unknown key %q", name, k.Value)
			continue
		}
		if isNull(val) {
			continue
		}
		f(name+"."+k.Value, val)
	}
	for _, r := range required {
		if !seen[r] {
			d.p.errorf(d.pos(v), "%s: missing %s (required)", name, r)
		}
	}
}

// list walks sequence node v, calling f with "name[i]" and each item.
func (d *fmDecoder) list(name string, v *yaml.Node, f func(string, *yaml.Node)) {
	if v.Kind != yaml.SequenceNode {
		d.p.errorf(d.pos(v), "%s: want a list, got %s", name, describe(v))
		return
	}
	for i, n := range v.Content {
		f(fmt.Sprintf("%s[%d]", name, i), resolveAlias(n))
	}
}

// str accepts any non-null scalar: `team: 42` is a fine string.
func (d *fmDecoder) str(name string, v *yaml.Node) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		d.p.errorf(d.pos(v), "%s: want a string, got %s", name, describe(v))
		return "", false
	}
	return v.Value, true
}

func (d *fmDecoder) strList(name string, v *yaml.Node) []string {
	var out []string
	d.list(name, v, func(item string, n *yaml.Node) {
		if s, ok := d.str(item, n); ok {
			out = append(out, s)
		}
	})
	return out
}

func (d *fmDecoder) int(name string, v *yaml.Node) int {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!int" {
		if n, err := strconv.Atoi(v.Value); err == nil {
			return n
		}
	}
	d.p.errorf(d.pos(v), "%s: want a whole number, got %s", name, describe(v))
	return 0
}

func (d *fmDecoder) bool(name string, v *yaml.Node) bool {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!bool" {
		b, err := strconv.ParseBool(strings.ToLower(v.Value))
		if err == nil {
			return b
		}
	}
	d.p.errorf(d.pos(v), "%s: want true or false, got %s", name, describe(v))
	return false
}

// date accepts YYYY-MM-DD (YAML may tag it !!timestamp or !!str).
func (d *fmDecoder) date(name string, v *yaml.Node) string {
	if v.Kind == yaml.ScalarNode {
		if _, err := time.Parse(time.DateOnly, v.Value); err == nil {
			return v.Value
		}
	}
	d.p.errorf(d.pos(v), "%s: want a date like 2025-01-31, got %s", name, describe(v))
	return ""
}

func (d *fmDecoder) oneOf(name string, v *yaml.Node, allowed ...string) string {
	s, ok := d.str(name, v)
	if !ok {
		return ""
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	d.p.errorf(d.pos(v), "%s: %q is not one of %s", name, s, strings.Join(allowed, ", "))
	return ""
}

func (d *fmDecoder) weekday(name string, v *yaml.Node) string {
	s, ok := d.str(name, v)
	if !ok {
		return ""
	}
	l := strings.ToLower(s)
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		if l == strings.ToLower(wd.String()) {
			return l
		}
	}
	d.p.errorf(d.pos(v), "%s: %q is not a day of the week", name, s)
	return ""
}

// clock accepts a 24-hour local time "09:00".
func (d *fmDecoder) clock(name string, v *yaml.Node) string {
	s, ok := d.str(name, v)
	if !ok {
		return ""
	}
	if _, err := time.Parse("15:04", s); err != nil || len(s) != 5 {
		d.p.errorf(d.pos(v), "%s: %q is not a 24-hour time like 09:30 (quote it in YAML)", name, s)
		return ""
	}
	return s
}

func (d *fmDecoder) zone(name string, v *yaml.Node) string {
	s, ok := d.str(name, v)
	if !ok {
		return ""
	}
	if _, err := time.LoadLocation(s); err != nil || s == "" || s == "Local" {
		d.p.errorf(d.pos(v), "%s: %q is not an IANA time zone like Europe/Berlin or UTC", name, s)
		return ""
	}
	return s
}

func (d *fmDecoder) id(name string, v *yaml.Node) string {
	s, ok := d.str(name, v)
	if !ok {
		return ""
	}
	if !isID(s) {
		d.p.errorf(d.pos(v), "%s: %q must be an id of lowercase letters, digits, '-' and '_'", name, s)
		return ""
	}
	return s
}

// isID reports whether s is a usable id: lowercase ASCII letters, digits,
// '-' and '_', starting with a letter or digit.
func isID(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case (r == '-' || r == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n == nil {
		return &yaml.Node{}
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// describe names what a node is, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing"
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return n.Value
		}
		return strconv.Quote(n.Value)
	}
	return "nothing"
}

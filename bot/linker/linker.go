// Package linker picks the handbook links that go with an incident: the
// runbook for its alerts, the charter of the team that owns it, the on-call
// policy for its severity, the alerts' own runbook_url annotations and, when
// no runbook matches, the best search hits for its title.
//
// Every lookup table is built once per handbook map (and rebuilt when the map
// reloads), so a call costs a few map lookups, not a scan of the handbook.
package linker

import (
	"net/url"
	"path"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"unicode"

	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/build/search"
)

// Link is one handbook (or runbook_url) link for a message.
type Link struct {
	Title string // link text: "CPU overcommit › Triage"
	URL   string // absolute http(s) URL, safe inside Slack's <url|text>
	Why   string // WhyRunbook, WhyTeam, WhyPolicy, WhyRunbookURL or WhySearch
}

// Reasons a link was chosen, in Link.Why. The bot may label or group links by
// them.
const (
	WhyRunbook    = "runbook"     // a handbook runbook whose alerts match an alert name
	WhyTeam       = "team"        // the charter of the owning team
	WhyPolicy     = "policy"      // the on-call policy section for the severity
	WhyRunbookURL = "runbook_url" // an alert's runbook_url annotation
	WhySearch     = "search"      // a search hit for the title, when no runbook matched
)

// Limits on the links returned by Links.
const (
	MaxLinks       = 6
	MaxRunbooks    = 2
	MaxRunbookURLs = 2
	MaxSearchHits  = 3
)

// Query is what the bot knows about an incident when it links it.
type Query struct {
	AlertNames  []string          // alertname of each alert (or the page's alert), in the order shown
	Labels      map[string]string // common labels: team, service, severity, cluster, …
	Severity    string            // critical, warning or info; "" falls back to Labels["severity"]
	RunbookURLs []string          // runbook_url annotations, as given
	Title       string            // the incident title, searched when no runbook matches
}

// MapSource gives the current handbook map and search index. *handbook.Source
// implements it; tests pass a fixed map.
type MapSource interface {
	Map() *handbook.Map
	Index() *search.Index // nil when there is no search index
}

var _ MapSource = (*handbook.Source)(nil)

// Linker answers link and routing questions against the current map. It is
// safe for concurrent use.
type Linker struct {
	src     MapSource
	baseURL string
	cur     atomic.Pointer[tables]
}

// New returns a Linker over src. baseURL is the site's public base URL
// (handbook.url), joined with the site-relative URLs of compass.json; when it
// is empty the map's base_url is used. Handbook links are left out when
// neither is an absolute http(s) URL, since Slack cannot open relative links.
func New(src MapSource, baseURL string) *Linker {
	return &Linker{src: src, baseURL: baseURL}
}

// tables are the lookups derived from one map.
type tables struct {
	m    *handbook.Map
	base string // absolute base URL without a trailing slash; "" if none

	teams    map[string]*handbook.Team // by ID, and by lower-case ID
	services map[string]*handbook.Team // lower-case service or system → owner

	exact      map[string][]int     // alert name → runbook indexes
	patterns   map[string][]pattern // literal prefix of the pattern → patterns
	prefixLens []int                // the distinct prefix lengths, ascending

	runbooks []runbookInfo // by index in m.Runbooks
	policy   *handbook.Page
}

type pattern struct {
	glob    string
	runbook int
}

type runbookInfo struct {
	rb    *handbook.Runbook
	page  *handbook.Page // nil when the map lacks the runbook's page
	owner *handbook.Team
	link  Link // to the triage section, or the page
}

// tablesFor returns the lookups for the current map, building them on the
// first call after a reload.
func (l *Linker) tablesFor() *tables {
	m := l.src.Map()
	if m == nil {
		m = &handbook.Map{}
	}
	if t := l.cur.Load(); t != nil && t.m == m {
		return t
	}
	t := build(m, l.baseURL)
	l.cur.Store(t)
	return t
}

func build(m *handbook.Map, baseURL string) *tables {
	t := &tables{
		m:        m,
		base:     normalizeBase(baseURL, m.BaseURL),
		teams:    map[string]*handbook.Team{},
		services: map[string]*handbook.Team{},
		exact:    map[string][]int{},
		patterns: map[string][]pattern{},
	}
	for i := range m.Teams {
		tm := &m.Teams[i]
		if _, ok := t.teams[tm.ID]; !ok {
			t.teams[tm.ID] = tm
		}
		if low := strings.ToLower(tm.ID); t.teams[low] == nil {
			t.teams[low] = tm
		}
	}
	pages := make(map[string]*handbook.Page, len(m.Pages))
	for i := range m.Pages {
		p := &m.Pages[i]
		pages[p.URL] = p
		if t.policy == nil && p.Kind == "policy" && slices.Contains(p.Tags, "oncall") {
			t.policy = p
		}
	}
	lens := map[int]bool{}
	t.runbooks = make([]runbookInfo, len(m.Runbooks))
	for i := range m.Runbooks {
		rb := &m.Runbooks[i]
		info := runbookInfo{rb: rb, page: pages[rb.URL], owner: t.team(rb.Owner)}
		if info.owner == nil && info.page != nil {
			info.owner = t.team(info.page.Owner)
		}
		info.link = t.runbookLink(info, "")
		t.runbooks[i] = info
		for _, a := range rb.Alerts {
			if !strings.ContainsAny(a, `*?[\`) {
				t.exact[a] = append(t.exact[a], i)
				continue
			}
			if _, err := path.Match(a, ""); err != nil {
				continue // a malformed pattern matches nothing
			}
			prefix := a[:strings.IndexAny(a, `*?[\`)]
			t.patterns[prefix] = append(t.patterns[prefix], pattern{glob: a, runbook: i})
			lens[len(prefix)] = true
		}
	}
	for n := range lens {
		t.prefixLens = append(t.prefixLens, n)
	}
	sort.Ints(t.prefixLens)
	// Services named by runbooks go to the runbook's owner first; then the
	// services and systems teams list in their charters.
	for _, info := range t.runbooks {
		if info.owner == nil {
			continue
		}
		for _, s := range info.rb.Services {
			t.addService(s, info.owner)
		}
	}
	for i := range m.Teams {
		for _, s := range m.Teams[i].Services {
			t.addService(s, &m.Teams[i])
		}
	}
	for i := range m.Teams {
		for _, s := range m.Teams[i].Systems {
			t.addService(s, &m.Teams[i])
		}
	}
	return t
}

func (t *tables) addService(name string, tm *handbook.Team) {
	if k := strings.ToLower(strings.TrimSpace(name)); k != "" && t.services[k] == nil {
		t.services[k] = tm
	}
}

func (t *tables) team(id string) *handbook.Team {
	if id == "" {
		return nil
	}
	if tm := t.teams[id]; tm != nil {
		return tm
	}
	return t.teams[strings.ToLower(id)]
}

// match is a runbook matched by an alert name.
type match struct {
	runbook int
	alert   string
}

// matchRunbooks returns the runbooks matching names, each once: every exact
// (case-sensitive) match before any pattern match, in the order of names and
// then of the map; then the pattern matches, in the order of names, the more
// specific pattern (longer text before its first wildcard) first, then in
// map order.
func (t *tables) matchRunbooks(names []string) []match {
	var exact, glob []match
	seen := map[int]bool{}
	done := map[string]bool{}
	for _, n := range names {
		if done[n] {
			continue
		}
		done[n] = true
		for _, i := range t.exact[n] {
			if !seen[i] {
				seen[i] = true
				exact = append(exact, match{i, n})
			}
		}
	}
	clear(done)
	for _, n := range names {
		if done[n] || len(t.patterns) == 0 {
			continue
		}
		done[n] = true
		var found []match
		for i := len(t.prefixLens) - 1; i >= 0; i-- { // longest literal prefix first
			pl := t.prefixLens[i]
			if pl > len(n) {
				continue
			}
			var same []match
			for _, p := range t.patterns[n[:pl]] {
				if ok, _ := path.Match(p.glob, n); ok && !seen[p.runbook] {
					seen[p.runbook] = true
					same = append(same, match{p.runbook, n})
				}
			}
			slices.SortFunc(same, func(a, b match) int { return a.runbook - b.runbook })
			found = append(found, same...)
		}
		glob = append(glob, found...)
	}
	return append(exact, glob...)
}

// runbookLink links a runbook at the section a responder should read first:
// a heading naming the alert itself, else the first "Triage" section, else
// the first "Diagnose"/"Diagnosis" section, else the page.
func (t *tables) runbookLink(info runbookInfo, alert string) Link {
	title := info.rb.Title
	if title == "" && info.page != nil {
		title = info.page.Title
	}
	l := Link{Title: title, URL: t.abs(info.rb.URL), Why: WhyRunbook}
	if info.page == nil {
		return l
	}
	var best *handbook.Section
	rank := 4
	for i := range info.page.Sections {
		s := &info.page.Sections[i]
		h := strings.ToLower(strings.TrimSpace(s.Heading))
		r := 4
		switch {
		case alert != "" && strings.Contains(h, strings.ToLower(alert)):
			r = 1
		case strings.HasPrefix(h, "triage"):
			r = 2
		case strings.HasPrefix(h, "diagnos"):
			r = 3
		}
		if r < rank {
			best, rank = s, r
		}
	}
	if best != nil {
		l.Title += " › " + best.Heading
		l.URL = t.abs(sectionURL(info.page, best))
	}
	return l
}

func sectionURL(p *handbook.Page, s *handbook.Section) string {
	if s.URL != "" {
		return s.URL
	}
	return p.URL + "#" + s.Anchor
}

// owner applies the ownership rule: the team label names the team; else the
// service label names a service of a runbook (its owner) or a team's service
// or system; else the owner of the first matched runbook; else a system,
// cluster, namespace, job or app label names a team's system.
func (t *tables) owner(labels map[string]string, matches []match) *handbook.Team {
	if tm := t.team(strings.TrimSpace(labels["team"])); tm != nil {
		return tm
	}
	if tm := t.services[strings.ToLower(strings.TrimSpace(labels["service"]))]; tm != nil && labels["service"] != "" {
		return tm
	}
	for _, mt := range matches {
		if o := t.runbooks[mt.runbook].owner; o != nil {
			return o
		}
	}
	for _, k := range []string{"system", "cluster", "namespace", "job", "app"} {
		if v := strings.ToLower(strings.TrimSpace(labels[k])); v != "" {
			if tm := t.services[v]; tm != nil {
				return tm
			}
		}
	}
	return nil
}

// TeamFor returns the team that owns an incident with these labels and alert
// names, by the same rule as the team link of Links, so that the bot can
// route the thread to the team's channel. The team belongs to the current map
// and must not be modified.
func (l *Linker) TeamFor(labels map[string]string, alertNames []string) (*handbook.Team, bool) {
	t := l.tablesFor()
	tm := t.owner(labels, t.matchRunbooks(alertNames))
	return tm, tm != nil
}

// Team returns the team with the given ID (case-insensitive), for the slash
// commands.
func (l *Linker) Team(id string) (*handbook.Team, bool) {
	tm := l.tablesFor().team(id)
	return tm, tm != nil
}

// TeamLink links a team's charter.
func (l *Linker) TeamLink(tm *handbook.Team) (Link, bool) {
	return l.tablesFor().teamLink(tm)
}

func (t *tables) teamLink(tm *handbook.Team) (Link, bool) {
	if tm == nil || tm.URL == "" || t.base == "" {
		return Link{}, false
	}
	name := tm.Name
	if name == "" {
		name = tm.ID
	}
	return Link{Title: name + " charter", URL: t.abs(tm.URL), Why: WhyTeam}, true
}

// PolicyLink links the on-call policy (the page of kind policy tagged oncall)
// at the section for severity: the first heading that begins with the
// severity word, else the first that contains it as a word. An unknown or
// empty severity links the page.
func (l *Linker) PolicyLink(severity string) (Link, bool) {
	return l.tablesFor().policyLink(severity)
}

func (t *tables) policyLink(severity string) (Link, bool) {
	p := t.policy
	if p == nil || t.base == "" {
		return Link{}, false
	}
	l := Link{Title: p.Title, URL: t.abs(p.URL), Why: WhyPolicy}
	sev := strings.ToLower(strings.TrimSpace(severity))
	if sev != "critical" && sev != "warning" && sev != "info" {
		return l, true
	}
	var contains *handbook.Section
	for i := range p.Sections {
		s := &p.Sections[i]
		words := strings.FieldsFunc(strings.ToLower(s.Heading), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsNumber(r)
		})
		if len(words) > 0 && words[0] == sev {
			contains = s
			break
		}
		if contains == nil && slices.Contains(words, sev) {
			contains = s
		}
	}
	if contains != nil {
		l.Title += " › " + contains.Heading
		l.URL = t.abs(sectionURL(p, contains))
	}
	return l, true
}

// Links returns the handbook links for an incident, at most MaxLinks, each
// URL once, in this order: up to MaxRunbooks runbooks matching the alert
// names (exact names before patterns), the owning team's charter, the on-call
// policy for the severity, up to MaxRunbookURLs runbook_url annotations (http
// and https only), and — only when no runbook matched — up to MaxSearchHits
// search hits for the title. The same query against the same map always
// gives the same links.
func (l *Linker) Links(q Query) []Link {
	t := l.tablesFor()
	var out []Link
	seen := map[string]bool{}
	add := func(lk Link) bool {
		if lk.URL == "" || seen[lk.URL] || len(out) >= MaxLinks {
			return false
		}
		seen[lk.URL] = true
		out = append(out, lk)
		return true
	}
	matches := t.matchRunbooks(q.AlertNames)
	if t.base != "" {
		n := 0
		for _, mt := range matches {
			if n == MaxRunbooks {
				break
			}
			info := t.runbooks[mt.runbook]
			lk := info.link
			if info.page != nil && mt.alert != "" {
				lk = t.runbookLink(info, mt.alert)
			}
			if add(lk) {
				n++
			}
		}
		if lk, ok := t.teamLink(t.owner(q.Labels, matches)); ok {
			add(lk)
		}
		sev := q.Severity
		if sev == "" {
			sev = q.Labels["severity"]
		}
		if lk, ok := t.policyLink(sev); ok {
			add(lk)
		}
	}
	n := 0
	for _, raw := range q.RunbookURLs {
		if n == MaxRunbookURLs {
			break
		}
		if u, ok := externalURL(raw); ok && add(Link{Title: "Runbook (" + hostOf(u) + ")", URL: u, Why: WhyRunbookURL}) {
			n++
		}
	}
	if len(matches) == 0 && t.base != "" {
		l.addSearchHits(t, q, add)
	}
	return out
}

// addSearchHits searches the title's words as plain words (no filters,
// phrases or prefix), so that alert text cannot steer the query language.
func (l *Linker) addSearchHits(t *tables, q Query, add func(Link) bool) {
	idx := l.src.Index()
	if idx == nil {
		return
	}
	text := q.Title
	if strings.TrimSpace(text) == "" {
		text = strings.Join(q.AlertNames, " ")
	}
	var b strings.Builder
	for i, w := range search.SplitWords(text) {
		if i == 16 {
			break
		}
		b.WriteString(w.Lower)
		b.WriteByte(' ')
	}
	if b.Len() == 0 {
		return
	}
	hits, err := idx.Search(b.String(), MaxSearchHits)
	if err != nil {
		return // search is a bonus; a broken shard must not cost the other links
	}
	for _, h := range hits {
		title := h.Title
		if h.Section != "" {
			title += " › " + h.Section
		}
		add(Link{Title: title, URL: t.abs(h.URL), Why: WhySearch})
	}
}

// normalizeBase picks the first of bases that is an absolute http(s) URL and
// returns it without a trailing slash, or "".
func normalizeBase(bases ...string) string {
	for _, b := range bases {
		u, err := url.Parse(strings.TrimSpace(b))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			continue
		}
		u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
		return strings.TrimRight(safeURL(u.String()), "/")
	}
	return ""
}

// abs joins a site-relative URL from the map onto the base, with exactly one
// slash between them. URLs that are already absolute http(s) stay as they are.
func (t *tables) abs(rel string) string {
	if rel == "" || t.base == "" {
		return ""
	}
	if low := strings.ToLower(rel[:min(len(rel), 8)]); strings.HasPrefix(low, "http://") || strings.HasPrefix(low, "https://") {
		u, _ := externalURL(rel)
		return u
	}
	return safeURL(t.base + "/" + strings.TrimLeft(rel, "/"))
}

// externalURL accepts an absolute http or https URL and returns it in a form
// that is safe to embed in a Slack link.
func externalURL(raw string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return "", false
	}
	s := safeURL(u.String())
	if v, err := url.Parse(s); err != nil || v.Host == "" {
		return "", false
	}
	return s, true
}

// safeURL percent-encodes every byte that could end or split a Slack link
// (<url|text>), anything outside printable ASCII, and a "%" that does not
// start an escape. Existing escapes are kept, so the URL means the same.
func safeURL(s string) string {
	const hex = "0123456789ABCDEF"
	i := 0
	for i < len(s) && !mustEscape(s, i) {
		i++
	}
	if i == len(s) {
		return s // the common case: a URL the build wrote
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		if mustEscape(s, i) {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// unsafeByte marks the bytes safeURL escapes (besides a stray "%").
var unsafeByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c <= ' ' || c >= 0x7f || strings.IndexByte("<>|\"`{}\\^", byte(c)) >= 0
	}
	return t
}()

func mustEscape(s string, i int) bool {
	if s[i] == '%' {
		return !(i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]))
	}
	return unsafeByte[s[i]]
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Hostname()
	}
	return "link"
}

// RunbookURLs returns the site URLs ("/runbooks/disk/") of every runbook
// that answers these alert names, by the rule Links uses, best first: an
// incident review lists them.
func (l *Linker) RunbookURLs(alertNames []string) []string {
	t := l.tablesFor()
	var out []string
	for _, m := range t.matchRunbooks(alertNames) {
		out = append(out, t.runbooks[m.runbook].rb.URL)
	}
	return out
}

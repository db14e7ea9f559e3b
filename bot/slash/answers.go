package slash

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/linker"
	"github.com/compasshq/compass/bot/slacktext"
	"github.com/compasshq/compass/build/handbook"
)

// Answer builds the answer to c, however long that takes. ServeCommand is
// what transports call; Answer is the pure part, for tests and follow-ups.
func (h *Handler) Answer(ctx context.Context, c Command) Response {
	req := Parse(c.Text)
	if req.Sub == SubReview {
		return h.reviewCommand(ctx, c, req.Args)
	}
	r := h.answer(ctx, req, c.Command)
	r.ResponseType = Ephemeral
	return r
}

// answer dispatches a parsed request. command is the slash command's name
// as the user typed it ("/compass"), for help text.
func (h *Handler) answer(ctx context.Context, req Request, command string) Response {
	if command == "" {
		command = "/compass"
	}
	var r Response
	share := true
	switch req.Sub {
	case SubSearch:
		r = h.search(req.Args)
	case SubOncall:
		r = h.oncall(req.Args)
	case SubIncidents:
		r = h.incidents(ctx)
	case SubCapacity:
		r = h.capacity(ctx, req.Args)
	case SubTeam:
		r = h.team(req.Args)
	case SubMeeting:
		r = h.meeting(req.Args)
	default:
		r, share = h.help(command, req), false
	}
	r = r.fit(1)
	if share {
		r.Blocks = append(r.Blocks, shareBlock(req))
	}
	return r
}

// shareBlock is the "Share in channel" button; its value is the request in
// command syntax, escaped the way Slack escapes command text (Parse undoes
// it), so the click can answer it again for everyone and the value never
// carries live markup.
func shareBlock(req Request) slacktext.Block {
	v := string(req.Sub)
	if req.Args != "" {
		v += " " + slacktext.Escape(req.Args)
	}
	if len(v) > slacktext.MaxButtonValue {
		v = truncateBytes(v, slacktext.MaxButtonValue)
	}
	return slacktext.Actions("compass_share", slacktext.NewButton("Share in channel", ActionShare, v, ""))
}

func truncateBytes(s string, n int) string {
	for len(s) > n {
		_, size := lastRune(s)
		s = s[:len(s)-size]
	}
	return s
}

func lastRune(s string) (rune, int) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] < 0x80 || s[i] >= 0xC0 {
			return rune(s[i]), len(s) - i
		}
	}
	return 0, 1
}

// abs joins a site-relative URL onto the handbook's base URL ("" when there
// is no absolute base: Slack cannot open relative links).
func (h *Handler) abs(rel string) string {
	if rel == "" {
		return ""
	}
	if strings.HasPrefix(rel, "http://") || strings.HasPrefix(rel, "https://") {
		return rel
	}
	base := h.opt.BaseURL
	if !isHTTP(base) {
		base = h.src.Map().BaseURL
	}
	if !isHTTP(base) {
		return ""
	}
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(rel, "/")
}

func isHTTP(u string) bool {
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")
}

// ---- help ----

func (h *Handler) help(command string, req Request) Response {
	cmd := slacktext.Esc(command, 40)
	var lead string
	switch {
	case req.Unknown != "" && req.Suggest == SubSearch:
		lead = fmt.Sprintf("`%s search` needs some words to look for.", cmd)
	case req.Unknown != "":
		lead = fmt.Sprintf("I don't know `%s`. Did you mean `%s %s`? To search the handbook for it, use `%s search %s`.",
			slacktext.Code(req.Unknown, 80), cmd, req.Suggest, cmd, slacktext.Code(req.Unknown, 80))
	default:
		lead = "*Compass* answers from the handbook and the incident board."
	}
	lines := []string{
		fmt.Sprintf("`%s <words>` or `%s search <words>`: the best handbook sections", cmd, cmd),
		fmt.Sprintf("`%s oncall [team]`: who is on call now and next", cmd),
		fmt.Sprintf("`%s incidents`: open incidents and their threads", cmd),
		fmt.Sprintf("`%s capacity [cluster]`: capacity alerts firing now, by cluster", cmd),
		fmt.Sprintf("`%s team <id>`: a team's charter in brief (`%s teams` lists them)", cmd, cmd),
		fmt.Sprintf("`%s meeting <name>`: a meeting's cadence and agenda (`%s meetings` lists them)", cmd, cmd),
		fmt.Sprintf("`%s review [incident key]`: draft the review of a resolved incident (default: the last one resolved in this channel)", cmd),
		fmt.Sprintf("`%s help`: this message", cmd),
	}
	return Response{
		Text:   "Compass commands: search, oncall, incidents, capacity, team, meeting, review, help",
		Blocks: []slacktext.Block{slacktext.Section(lead), slacktext.Section("• " + strings.Join(lines, "\n• ")), slacktext.Context("Answers are only visible to you until you share them.")},
	}
}

// ---- search ----

func (h *Handler) search(q string) Response {
	idx := h.src.Index()
	if idx == nil {
		return notice("The handbook's search index is not loaded yet. Try again in a minute.")
	}
	hits, err := idx.Search(q, h.opt.SearchLimit)
	if err != nil {
		h.log.Warn("search failed", "query", q, "error", err)
		return notice("Search failed: " + slacktext.Esc(err.Error(), 200))
	}
	title := fmt.Sprintf("Handbook results for “%s”", slacktext.Esc(q, 100))
	if len(hits) == 0 {
		return Response{
			Text:   fmt.Sprintf("No handbook sections match “%s”.", slacktext.Esc(q, 100)),
			Blocks: []slacktext.Block{slacktext.Section(fmt.Sprintf("No handbook sections match “%s”. Try fewer or other words.", slacktext.Esc(q, 100)))},
		}
	}
	blocks := []slacktext.Block{slacktext.Section("*" + title + "*")}
	for _, hit := range hits {
		name := hit.Title
		if hit.Section != "" && hit.Section != hit.Title {
			name += " › " + hit.Section
		}
		text := "*" + slacktext.Link(h.abs(hit.URL), name) + "*"
		if s := strings.TrimSpace(hit.Snippet); s != "" {
			text += "\n" + slacktext.Esc(strings.Join(strings.Fields(s), " "), 280)
		}
		blocks = append(blocks, slacktext.Section(text))
		var meta []string
		if hit.Kind != "" {
			meta = append(meta, slacktext.Esc(hit.Kind, 20))
		}
		if hit.Team != "" {
			meta = append(meta, "team "+slacktext.Esc(hit.Team, 40))
		}
		if len(meta) > 0 {
			blocks = append(blocks, slacktext.Context(strings.Join(meta, " · ")))
		}
	}
	return Response{Text: title, Blocks: blocks}
}

func notice(s string) Response {
	return Response{Text: s, Blocks: []slacktext.Block{slacktext.Section(s)}}
}

// ---- on call ----

// findTeam matches a team by ID, name or channel, case-insensitively.
func findTeam(m *handbook.Map, q string) *handbook.Team {
	q = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(q), "#")))
	if q == "" {
		return nil
	}
	for i := range m.Teams {
		t := &m.Teams[i]
		if strings.ToLower(t.ID) == q || strings.ToLower(t.Name) == q || strings.ToLower(strings.TrimPrefix(t.Channel, "#")) == q {
			return t
		}
	}
	return nil
}

func teamNames(m *handbook.Map) string {
	var ids []string
	for _, t := range m.Teams {
		ids = append(ids, "`"+slacktext.Code(t.ID, 80)+"`")
	}
	if len(ids) == 0 {
		return "the handbook defines no teams"
	}
	return strings.Join(ids, ", ")
}

func (h *Handler) oncall(arg string) Response {
	m := h.src.Map()
	now := h.now()
	var teams []*handbook.Team
	if strings.TrimSpace(arg) != "" {
		t := findTeam(m, arg)
		if t == nil {
			return notice(fmt.Sprintf("No team `%s`. Teams: %s.", slacktext.Code(arg, 80), teamNames(m)))
		}
		teams = append(teams, t)
	} else {
		for i := range m.Teams {
			if m.Teams[i].Oncall != nil {
				teams = append(teams, &m.Teams[i])
			}
		}
		if len(teams) == 0 {
			return notice("No team in the handbook has an on-call rotation.")
		}
	}
	blocks := []slacktext.Block{slacktext.Section("*Who is on call*")}
	var fallback []string
	for _, t := range teams {
		text, fb := h.teamOncall(t, now)
		blocks = append(blocks, slacktext.Section(text))
		fallback = append(fallback, fb)
		var ctx []string
		if r := t.Oncall; r != nil {
			ctx = append(ctx, rotationText(r))
		}
		if lk, ok := h.lk.PolicyLink(""); ok {
			ctx = append(ctx, slacktext.Link(lk.URL, "On-call policy"))
		}
		if len(ctx) > 0 {
			blocks = append(blocks, slacktext.Context(strings.Join(ctx, " · ")))
		}
	}
	return Response{Text: "On call: " + slacktext.Escape(strings.Join(fallback, "; ")), Blocks: blocks}
}

// teamOncall renders one team's on-call answer and its plain fallback.
func (h *Handler) teamOncall(t *handbook.Team, now time.Time) (string, string) {
	head := "*" + slacktext.Link(h.teamURL(t), teamName(t)) + "*"
	if ch := channelText(t.Channel); ch != "" {
		head += " · " + ch
	}
	r := t.Oncall
	if r == nil {
		return head + "\nNo on-call rotation in the charter.", teamName(t) + ": no rotation"
	}
	cur, err := r.OnCall(now)
	var lines []string
	fb := teamName(t) + ": "
	switch {
	case err == nil:
		lines = append(lines, ":pager: *Now:* "+h.person(t, cur.Person)+overrideNote(cur)+" — until "+when(cur.End))
		fb += personName(t, cur.Person)
	case errors.Is(err, handbook.ErrNotStarted):
		lines = append(lines, ":pager: *Now:* nobody yet — the rotation has not started")
		fb += "nobody yet"
	default:
		h.log.Warn("on-call rotation is invalid", "team", t.ID, "error", err)
		return head + "\nThe rotation in the charter is invalid: " + slacktext.Esc(err.Error(), 200), fb + "invalid rotation"
	}
	if next, err := r.Next(now); err == nil {
		lines = append(lines, ":arrow_right: *Next:* "+h.person(t, next.Person)+overrideNote(next)+" — from "+when(next.Start))
		fb += ", next " + personName(t, next.Person)
	}
	return head + "\n" + strings.Join(lines, "\n"), fb
}

func overrideNote(s handbook.Shift) string {
	if s.Override {
		return " _(override)_"
	}
	return ""
}

// when shows an instant twice: in the rotation's zone (the time the charter
// talks about) and as a Slack date token that every reader sees in their own
// zone, with the zone's text as the fallback.
func when(t time.Time) string {
	local := t.Format("Mon 2 Jan 15:04 MST")
	return local + " (" + DateToken(t, "{date_short_pretty} {time}", local) + ")"
}

// DateToken is Slack's <!date^unix^format|fallback> token.
func DateToken(t time.Time, format, fallback string) string {
	return "<!date^" + strconv.FormatInt(t.Unix(), 10) + "^" + format + "|" + strings.ReplaceAll(slacktext.Escape(fallback), "|", "¦") + ">"
}

func rotationText(r *handbook.Rotation) string {
	length := r.Length
	if length == "" {
		length = handbook.LengthWeekly
	}
	day := r.Handoff.Day
	if day != "" {
		day = strings.ToUpper(day[:1]) + strings.ToLower(day[1:])
	}
	s := fmt.Sprintf("%s rotation of %d, handoff", slacktext.Esc(length, 20), len(r.Members))
	if length == handbook.LengthWeekly && day != "" {
		s += " " + slacktext.Esc(day, 12)
	}
	return s + " " + slacktext.Esc(r.Handoff.Time, 8) + " " + slacktext.Esc(r.TimeZone, 40)
}

var slackUserID = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)

// person names a team member, with a Slack mention when the charter gives a
// user ID (never built from free text: only an ID-shaped value is wrapped).
func (h *Handler) person(t *handbook.Team, id string) string {
	p, ok := t.Person(id)
	if !ok {
		return "*" + slacktext.Esc(id, 60) + "*"
	}
	name := p.Name
	if name == "" {
		name = p.ID
	}
	s := "*" + slacktext.Esc(name, 60) + "*"
	switch handle := strings.TrimSpace(p.Slack); {
	case slackUserID.MatchString(handle):
		s += " <@" + handle + ">"
	case handle != "":
		s += " (@" + slacktext.Esc(strings.TrimPrefix(handle, "@"), 40) + ")"
	}
	return s
}

func personName(t *handbook.Team, id string) string {
	if p, ok := t.Person(id); ok && p.Name != "" {
		return p.Name
	}
	return id
}

func teamName(t *handbook.Team) string {
	if t.Name != "" {
		return t.Name
	}
	return t.ID
}

func (h *Handler) teamURL(t *handbook.Team) string {
	if lk, ok := h.lk.TeamLink(t); ok {
		return lk.URL
	}
	return h.abs(t.URL)
}

var slackChannelID = regexp.MustCompile(`^[CG][A-Z0-9]{2,20}$`)

// channelText shows a charter's channel: a real link for a channel ID, the
// escaped name otherwise.
func channelText(ch string) string {
	ch = strings.TrimSpace(ch)
	switch {
	case ch == "":
		return ""
	case slackChannelID.MatchString(ch):
		return "<#" + ch + ">"
	}
	return "#" + slacktext.Esc(strings.TrimPrefix(ch, "#"), 80)
}

// ---- incidents ----

// maxListed bounds the incidents one answer lists.
const maxListed = 20

func (h *Handler) openIncidents(ctx context.Context) ([]*bot.Incident, error) {
	if h.opt.Incidents == nil {
		return nil, errors.New("the bot has no incident store configured")
	}
	return h.opt.Incidents.ListOpen(ctx, 500)
}

func (h *Handler) incidents(ctx context.Context) Response {
	incs, err := h.openIncidents(ctx)
	if err != nil {
		h.log.Warn("list incidents", "error", err)
		return notice("Could not read the incident board: " + slacktext.Esc(err.Error(), 200))
	}
	if len(incs) == 0 {
		return notice(":large_green_circle: No open incidents.")
	}
	now := h.now()
	sort.SliceStable(incs, func(i, j int) bool {
		a, b := incs[i], incs[j]
		if ra, rb := statusRank(a.Status), statusRank(b.Status); ra != rb {
			return ra < rb
		}
		if ra, rb := a.Severity.Rank(), b.Severity.Rank(); ra != rb {
			return ra > rb
		}
		return a.OpenedAt.After(b.OpenedAt)
	})
	head := fmt.Sprintf("*Open incidents: %d*", len(incs))
	blocks := []slacktext.Block{slacktext.Section(head)}
	for i, inc := range incs {
		if i == maxListed {
			blocks = append(blocks, slacktext.Context(fmt.Sprintf("…and %d more", len(incs)-maxListed)))
			break
		}
		blocks = append(blocks, slacktext.Section(h.incidentLine(inc, now)))
	}
	return Response{Text: fmt.Sprintf("Open incidents: %d", len(incs)), Blocks: blocks}
}

func statusRank(s bot.Status) int {
	if s == bot.StatusFiring {
		return 0
	}
	return 1
}

func (h *Handler) incidentLine(inc *bot.Incident, now time.Time) string {
	title := slacktext.Esc(inc.DisplayTitle(), 150)
	if u := h.Permalink(inc.Thread); u != "" {
		title = slacktext.Link(u, inc.DisplayTitle())
	}
	parts := []string{"*" + strings.ToUpper(string(inc.Status)) + "*"}
	if inc.Severity != "" {
		parts = append(parts, slacktext.Esc(string(inc.Severity), 20))
	}
	parts = append(parts, "open "+bot.HumanDuration(now.Sub(inc.OpenedAt)))
	if n := inc.Firing(); len(inc.Alerts) > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d alerts firing", n, len(inc.Alerts)))
	}
	if inc.Owner != "" {
		parts = append(parts, "owner "+actor(inc.Owner))
	}
	if inc.Thread.TS == "" {
		parts = append(parts, "_thread not posted yet_")
	}
	return inc.StatusEmoji() + " " + title + "\n" + strings.Join(parts, " · ")
}

// actor shows who acted: a Slack mention passes through only when it is
// exactly an ID-shaped <@U…>; anything else is escaped text.
func actor(s string) string {
	if id, ok := strings.CutPrefix(s, "<@"); ok {
		if id, ok = strings.CutSuffix(id, ">"); ok && slackUserID.MatchString(id) {
			return s
		}
	}
	return slacktext.Esc(s, 80)
}

// Permalink links to an incident's thread: Slack's archive URL from the
// channel ID and the parent's ts, or "" before the parent is posted.
func (h *Handler) Permalink(t bot.Thread) string {
	if t.TS == "" || !slackChannelID.MatchString(t.Channel) {
		return ""
	}
	ts := strings.ReplaceAll(t.TS, ".", "")
	for _, r := range ts {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return strings.TrimRight(h.opt.PermalinkBase, "/") + "/" + t.Channel + "/p" + ts
}

// ---- capacity ----

// capacitySources are the sources whose incidents are alert groups.
var capacitySources = map[string]bool{"alertmanager": true, "grafana": true}

// capacityPatterns are the alert-name globs that count as capacity alerts:
// the alerts of runbooks whose page is tagged "capacity", and the configured
// extras.
func (h *Handler) capacityPatterns() []string {
	m := h.src.Map()
	tagged := map[string]bool{}
	for _, p := range m.Pages {
		if slices.Contains(p.Tags, "capacity") {
			tagged[p.URL] = true
		}
	}
	var pats []string
	for _, rb := range m.Runbooks {
		if tagged[rb.URL] {
			pats = append(pats, rb.Alerts...)
		}
	}
	return append(pats, h.opt.CapacityAlerts...)
}

func matchAny(pats []string, name string) bool {
	for _, p := range pats {
		if ok, err := path.Match(p, name); err == nil && ok {
			return true
		}
	}
	return false
}

type capAlert struct {
	alert bot.Alert
	inc   *bot.Incident
}

func (h *Handler) capacity(ctx context.Context, filter string) Response {
	incs, err := h.openIncidents(ctx)
	if err != nil {
		h.log.Warn("list incidents", "error", err)
		return notice("Could not read the incident board: " + slacktext.Esc(err.Error(), 200))
	}
	pats := h.capacityPatterns()
	filter = strings.ToLower(strings.TrimSpace(filter))
	byCluster := capacityByCluster(incs, pats, filter)
	if len(byCluster) == 0 {
		msg := ":large_green_circle: No capacity alerts are firing."
		if filter != "" {
			msg = fmt.Sprintf(":large_green_circle: No capacity alerts are firing in cluster `%s`.", slacktext.Code(filter, 80))
		}
		return notice(msg)
	}
	clusters := make([]string, 0, len(byCluster))
	total := 0
	for c, as := range byCluster {
		clusters = append(clusters, c)
		total += len(as)
	}
	sort.Slice(clusters, func(i, j int) bool {
		if (clusters[i] == "") != (clusters[j] == "") {
			return clusters[j] == "" // unlabelled last
		}
		return clusters[i] < clusters[j]
	})
	blocks := []slacktext.Block{slacktext.Section(fmt.Sprintf("*Capacity alerts firing: %d in %d cluster(s)*", total, len(clusters)))}
	var fb []string
	for _, c := range clusters {
		as := byCluster[c]
		sort.SliceStable(as, func(i, j int) bool {
			if as[i].alert.Name != as[j].alert.Name {
				return as[i].alert.Name < as[j].alert.Name
			}
			return as[i].alert.StartsAt.Before(as[j].alert.StartsAt)
		})
		name := "(no cluster label)"
		if c != "" {
			name = c
		}
		lines := []string{"*Cluster " + slacktext.Esc(name, 80) + "* (" + strconv.Itoa(len(as)) + ")"}
		for i, ca := range as {
			if i == 10 {
				lines = append(lines, fmt.Sprintf("…and %d more", len(as)-10))
				break
			}
			lines = append(lines, h.capacityLine(ca))
		}
		blocks = append(blocks, slacktext.Section(strings.Join(lines, "\n")))
		fb = append(fb, fmt.Sprintf("%s: %d", name, len(as)))
	}
	return Response{Text: "Capacity alerts firing: " + slacktext.Escape(strings.Join(fb, ", ")), Blocks: blocks}
}

// capacityByCluster groups the firing alerts of capacity sources matching
// pats by cluster, each alert once, keeping only cluster filter when it is
// not "".
func capacityByCluster(incs []*bot.Incident, pats []string, filter string) map[string][]capAlert {
	byCluster := map[string][]capAlert{}
	seen := map[string]bool{}
	for _, inc := range incs {
		if !capacitySources[inc.Source] {
			continue
		}
		for _, a := range inc.Alerts {
			if a.Status != bot.StatusFiring || !matchAny(pats, a.Name) {
				continue
			}
			id := a.Fingerprint
			if id == "" {
				id = inc.Key + "\x00" + a.Name + "\x00" + a.Summary
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			cluster := a.Labels["cluster"]
			if cluster == "" {
				cluster = inc.Labels["cluster"]
			}
			if filter != "" && strings.ToLower(cluster) != filter {
				continue
			}
			byCluster[cluster] = append(byCluster[cluster], capAlert{a, inc})
		}
	}
	return byCluster
}

func (h *Handler) capacityLine(ca capAlert) string {
	a := ca.alert
	line := "• *" + slacktext.Esc(a.Name, 80) + "*"
	for _, k := range []string{"node", "instance", "namespace", "persistentvolumeclaim", "mountpoint"} {
		if v := a.Labels[k]; v != "" {
			line += " " + slacktext.Esc(k, 30) + "=`" + slacktext.Code(v, 80) + "`"
			break
		}
	}
	if a.Summary != "" {
		line += " — " + slacktext.Esc(a.Summary, 160)
	}
	var refs []string
	if rb := h.runbookFor(a); rb.URL != "" {
		refs = append(refs, slacktext.Link(rb.URL, "runbook"))
	}
	if u := h.Permalink(ca.inc.Thread); u != "" {
		refs = append(refs, slacktext.Link(u, "thread"))
	}
	if !a.StartsAt.IsZero() {
		refs = append(refs, "since "+DateToken(a.StartsAt, "{date_short_pretty} {time}", a.StartsAt.UTC().Format("2 Jan 15:04 UTC")))
	}
	if len(refs) > 0 {
		line += " · " + strings.Join(refs, " · ")
	}
	return line
}

// runbookFor is the handbook runbook for an alert, by the linker's matching;
// else the alert's own runbook_url annotation.
func (h *Handler) runbookFor(a bot.Alert) linker.Link {
	for _, l := range h.lk.Links(linker.Query{AlertNames: []string{a.Name}, RunbookURLs: nonEmpty(a.RunbookURL)}) {
		if l.Why == linker.WhyRunbook || l.Why == linker.WhyRunbookURL {
			return l
		}
	}
	return linker.Link{}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// ---- team ----

func (h *Handler) team(arg string) Response {
	m := h.src.Map()
	if strings.TrimSpace(arg) == "" {
		if len(m.Teams) == 0 {
			return notice("The handbook defines no teams.")
		}
		var lines []string
		for i := range m.Teams {
			t := &m.Teams[i]
			line := "• *" + slacktext.Link(h.teamURL(t), teamName(t)) + "* `" + slacktext.Code(t.ID, 80) + "`"
			if t.Mission != "" {
				line += " — " + slacktext.Esc(t.Mission, 140)
			}
			lines = append(lines, line)
		}
		return Response{Text: "Teams", Blocks: []slacktext.Block{slacktext.Section("*Teams*"), slacktext.Section(strings.Join(lines, "\n"))}}
	}
	t := findTeam(m, arg)
	if t == nil {
		return notice(fmt.Sprintf("No team `%s`. Teams: %s.", slacktext.Code(arg, 80), teamNames(m)))
	}
	head := "*" + slacktext.Link(h.teamURL(t), teamName(t)) + "*"
	if ch := channelText(t.Channel); ch != "" {
		head += " · " + ch
	}
	if t.Mission != "" {
		head += "\n" + slacktext.Esc(t.Mission, 500)
	}
	blocks := []slacktext.Block{slacktext.Section(head)}
	if len(t.Goals) > 0 {
		blocks = append(blocks, slacktext.Section("*Goals*\n"+bullets(t.Goals, 10, 200)))
	}
	if len(t.Systems) > 0 {
		var sys []string
		for _, s := range t.Systems {
			sys = append(sys, slacktext.Esc(s, 80))
		}
		blocks = append(blocks, slacktext.Section("*Systems*\n"+strings.Join(sys, ", ")))
	}
	if len(t.People) > 0 {
		var lines []string
		for i, p := range t.People {
			if i == 15 {
				lines = append(lines, fmt.Sprintf("…and %d more", len(t.People)-15))
				break
			}
			line := "• " + h.person(t, p.ID)
			if len(p.Roles) > 0 {
				var rs []string
				for _, r := range p.Roles {
					rs = append(rs, slacktext.Esc(r, 60))
				}
				line += " — " + strings.Join(rs, ", ")
			}
			lines = append(lines, line)
		}
		blocks = append(blocks, slacktext.Section("*People*\n"+strings.Join(lines, "\n")))
	}
	if t.Oncall != nil {
		text, _ := h.teamOncall(t, h.now())
		if _, rest, ok := strings.Cut(text, "\n"); ok {
			blocks = append(blocks, slacktext.Section("*On call*\n"+rest))
		}
	}
	return Response{Text: "Team " + slacktext.Escape(teamName(t)), Blocks: blocks}
}

func bullets(items []string, n, width int) string {
	var lines []string
	for i, it := range items {
		if i == n {
			lines = append(lines, fmt.Sprintf("…and %d more", len(items)-n))
			break
		}
		lines = append(lines, "• "+slacktext.Esc(it, width))
	}
	return strings.Join(lines, "\n")
}

// ---- meeting ----

// words splits text into lowercase words of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f && r != '\u2060')
	})
}

// findMeetings ranks meetings by how many of the query's words their title
// or URL slug contains; an exact title or slug wins outright.
func findMeetings(m *handbook.Map, q string) []*handbook.Meeting {
	qw := words(q)
	if len(qw) == 0 {
		return nil
	}
	joined := strings.Join(qw, "-")
	type scored struct {
		m     *handbook.Meeting
		score int
	}
	var out []scored
	for i := range m.Meetings {
		mt := &m.Meetings[i]
		slug := path.Base(strings.TrimRight(mt.URL, "/"))
		title := strings.Join(words(mt.Title), "-")
		if joined == slug || joined == title {
			return []*handbook.Meeting{mt}
		}
		have := map[string]bool{}
		for _, w := range append(words(mt.Title), words(slug)...) {
			have[w] = true
		}
		n := 0
		for _, w := range qw {
			if have[w] || have[strings.TrimSuffix(w, "s")] || hasPrefixWord(have, w) {
				n++
			}
		}
		if n > 0 {
			out = append(out, scored{mt, n})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	var best []*handbook.Meeting
	for _, s := range out {
		if s.score == out[0].score {
			best = append(best, s.m)
		}
	}
	return best
}

// hasPrefixWord reports whether a word of three or more letters starts one
// of the words in have ("retro" finds "retrospective").
func hasPrefixWord(have map[string]bool, w string) bool {
	if len(w) < 3 {
		return false
	}
	for hw := range have {
		if strings.HasPrefix(hw, w) {
			return true
		}
	}
	return false
}

func (h *Handler) meetingList(m *handbook.Map, lead string) Response {
	var lines []string
	for i := range m.Meetings {
		mt := &m.Meetings[i]
		lines = append(lines, "• *"+slacktext.Link(h.abs(mt.URL), mt.Title)+"* — "+cadenceText(mt.Cadence))
	}
	if len(lines) == 0 {
		return notice("The handbook defines no meetings.")
	}
	return Response{Text: "Meetings", Blocks: []slacktext.Block{slacktext.Section(lead), slacktext.Section(strings.Join(lines, "\n"))}}
}

func (h *Handler) meeting(arg string) Response {
	m := h.src.Map()
	if strings.TrimSpace(arg) == "" {
		return h.meetingList(m, "*Meetings*")
	}
	found := findMeetings(m, arg)
	switch len(found) {
	case 0:
		return h.meetingList(m, fmt.Sprintf("No meeting matches `%s`. The meetings are:", slacktext.Code(arg, 80)))
	case 1:
	default:
		var lines []string
		for _, mt := range found {
			lines = append(lines, "• *"+slacktext.Link(h.abs(mt.URL), mt.Title)+"* — "+cadenceText(mt.Cadence))
		}
		return Response{Text: "Several meetings match", Blocks: []slacktext.Block{
			slacktext.Section(fmt.Sprintf("Several meetings match `%s`; be more specific:", slacktext.Code(arg, 80))),
			slacktext.Section(strings.Join(lines, "\n")),
		}}
	}
	mt := found[0]
	head := "*" + slacktext.Link(h.abs(mt.URL), mt.Title) + "*"
	if mt.Owner != "" {
		head += " · owned by " + slacktext.Esc(mt.Owner, 60)
	}
	fields := []string{"*Cadence*\n" + cadenceText(mt.Cadence)}
	// The next meeting by the same rule as the site's meeting week and
	// calendar feeds (handbook.Series), as of now rather than the build.
	if s, err := mt.Cadence.Series(); err == nil {
		if next, ok := s.Next(h.now()); ok {
			fields = append(fields, "*Next*\n"+when(next))
		}
	}
	if mt.Duration != "" {
		tb := slacktext.Esc(mt.Duration, 20)
		if d, err := time.ParseDuration(mt.Duration); err == nil {
			tb = bot.HumanDuration(d)
		}
		fields = append(fields, "*Time box*\n"+tb)
	}
	if len(mt.Attendees) > 0 {
		var as []string
		for _, a := range mt.Attendees {
			as = append(as, slacktext.Esc(a, 60))
		}
		fields = append(fields, "*Attendees*\n"+strings.Join(as, ", "))
	}
	blocks := []slacktext.Block{slacktext.Section(head), slacktext.Fields(fields...)}
	if mt.Cadence.Note != "" {
		blocks = append(blocks, slacktext.Context(slacktext.Esc(mt.Cadence.Note, 300)))
	}
	if len(mt.Agenda) > 0 {
		var lines []string
		for i, a := range mt.Agenda {
			if i == 15 {
				lines = append(lines, fmt.Sprintf("…and %d more", len(mt.Agenda)-15))
				break
			}
			lines = append(lines, fmt.Sprintf("%d. %s", i+1, slacktext.Esc(a, 200)))
		}
		blocks = append(blocks, slacktext.Section("*Agenda*\n"+strings.Join(lines, "\n")))
	}
	return Response{Text: "Meeting " + slacktext.Escape(mt.Title), Blocks: blocks}
}

// cadenceText is "Biweekly on Friday at 09:45 UTC".
func cadenceText(c handbook.Cadence) string {
	every := c.Every
	if every == "" {
		every = "recurring"
	}
	s := strings.ToUpper(every[:1]) + every[1:]
	if len(c.Days) > 0 {
		var days []string
		for _, d := range c.Days {
			if d != "" {
				days = append(days, strings.ToUpper(d[:1])+strings.ToLower(d[1:]))
			}
		}
		s += " on " + strings.Join(days, ", ")
	}
	if c.Time != "" {
		s += " at " + c.Time
		if c.TimeZone != "" {
			s += " " + c.TimeZone
		}
	}
	return slacktext.Esc(s, 200)
}

package linker

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/build/search"
)

// fixed is a MapSource over one map, swappable to mimic a reload.
type fixed struct {
	m   atomic.Pointer[handbook.Map]
	idx *search.Index
}

func (f *fixed) Map() *handbook.Map   { return f.m.Load() }
func (f *fixed) Index() *search.Index { return f.idx }

func fixtureMap(tb testing.TB) *handbook.Map {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", "compass.json"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	m, err := handbook.ReadMap(f)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func source(tb testing.TB, idx *search.Index) *fixed {
	tb.Helper()
	src := &fixed{idx: idx}
	src.m.Store(fixtureMap(tb))
	return src
}

// fixtureIndex builds a small real search index of pages that no runbook
// covers, so that search links are observable.
func fixtureIndex(tb testing.TB) *search.Index {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "search")
	docs := []search.Document{
		{URL: "/guides/payments/#latency", Page: "/guides/payments/", Title: "Payments service", Section: "Latency", Kind: "guide", Team: "dev",
			Text: "When payments API latency is high, check the database connection pool and the upstream card processor."},
		{URL: "/guides/payments/", Page: "/guides/payments/", Title: "Payments service", Kind: "guide", Team: "dev",
			Text: "The payments service charges customers. Its API runs in prod-eu-1."},
		{URL: "/policies/oncall/#escalation", Page: "/policies/oncall/", Title: "On-call and incident response", Section: "Escalation", Kind: "policy",
			Text: "Escalate when you cannot make progress in thirty minutes."},
		{URL: "/guides/dns/#records", Page: "/guides/dns/", Title: "DNS", Section: "Records", Kind: "guide",
			Text: "External DNS writes records for every ingress host; latency of propagation is minutes."},
	}
	if err := search.Write(dir, docs); err != nil {
		tb.Fatal(err)
	}
	idx, err := search.OpenIndexDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return idx
}

const base = "https://handbook.example.com/"

// l is a compact expected link: "why title <url>".
func show(links []Link) []string {
	var out []string
	for _, lk := range links {
		out = append(out, lk.Why+" "+lk.Title+" <"+lk.URL+">")
	}
	return out
}

func TestLinks(t *testing.T) {
	withIndex := source(t, fixtureIndex(t))
	noIndex := source(t, nil)
	noBase := source(t, nil)
	m := fixtureMap(t)
	m.BaseURL = ""
	noBase.m.Store(m)

	const (
		cpu       = "runbook CPU overcommit › Triage <https://handbook.example.com/runbooks/cpu-overcommit/#triage>"
		kube      = "runbook Any other Kubernetes alert <https://handbook.example.com/runbooks/kubernetes/>"
		sre       = "team Site reliability engineering charter <https://handbook.example.com/teams/sre/>"
		dev       = "team Product development charter <https://handbook.example.com/teams/dev/>"
		policy    = "policy On-call and incident response <https://handbook.example.com/policies/oncall/>"
		critical  = "policy On-call and incident response › Critical: page now <https://handbook.example.com/policies/oncall/#critical-page-now>"
		warning   = "policy On-call and incident response › Warning: next working hours <https://handbook.example.com/policies/oncall/#warning-next-working-hours>"
		info      = "policy On-call and incident response › Info: no action needed <https://handbook.example.com/policies/oncall/#info-no-action-needed>"
		promCPU   = "runbook_url Runbook (runbooks.prometheus-operator.dev) <https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubecpuovercommit>"
		dns       = "search DNS › Records <https://handbook.example.com/guides/dns/#records>"
		payLat    = "search Payments service › Latency <https://handbook.example.com/guides/payments/#latency>"
		diskTri   = "runbook Disk filling up › Triage <https://handbook.example.com/runbooks/disk-filling-up/#triage>"
		diskInode = "runbook Disk filling up › NodeFilesystemFilesFillingUp: out of inodes <https://handbook.example.com/runbooks/disk-filling-up/#nodefilesystemfilesfillingup-out-of-inodes>"
	)
	tests := []struct {
		name string
		src  MapSource
		base string
		q    Query
		want []string
	}{
		{name: "exact runbook ranks above pattern; owner from runbook",
			src: noIndex, base: base,
			q:    Query{AlertNames: []string{"KubeCPUOvercommit"}, Severity: "warning", Labels: map[string]string{"cluster": "prod-eu-1"}},
			want: []string{cpu, kube, sre, warning}},
		{name: "pattern match links the section naming the alert",
			src: noIndex, base: base,
			q:    Query{AlertNames: []string{"NodeFilesystemFilesFillingUp"}, Severity: "critical"},
			want: []string{diskInode, sre, critical}},
		{name: "pattern match links triage; severity from label",
			src: noIndex, base: base,
			q:    Query{AlertNames: []string{"NodeFilesystemAlmostOutOfSpace"}, Labels: map[string]string{"severity": "critical"}},
			want: []string{diskTri, sre, critical}},
		{name: "no triage section falls back to diagnose; owner from the page",
			src: noIndex, base: base,
			q: Query{AlertNames: []string{"KubeNodeNotReady"}, Severity: "INFO"},
			want: []string{
				"runbook Node not ready › Diagnose <https://handbook.example.com/runbooks/node-not-ready/#diagnose>",
				kube, sre, info}},
		{name: "service label names the runbook owner",
			src: noIndex, base: base,
			q: Query{AlertNames: []string{"KubePodCrashLooping"}, Severity: "critical", Labels: map[string]string{"service": "Worker", "cluster": "prod-eu-1"}},
			want: []string{
				"runbook Pods crash looping <https://handbook.example.com/runbooks/crashloop/>",
				kube, dev, critical}},
		{name: "team label wins over everything",
			src: noIndex, base: base,
			q:    Query{AlertNames: []string{"KubeCPUOvercommit"}, Labels: map[string]string{"team": "DEV", "service": "kubernetes"}},
			want: []string{cpu, kube, dev, policy}},
		{name: "unknown team label falls through to service",
			src: noIndex, base: base,
			q:    Query{AlertNames: []string{"KubeCPUOvercommit"}, Labels: map[string]string{"team": "nobody", "service": "api"}},
			want: []string{cpu, kube, dev, policy}},
		{name: "exact matches of every name before any pattern, at most two",
			src: noIndex, base: base,
			q: Query{AlertNames: []string{"NodeFilesystemAlmostOutOfSpace", "KubeQuotaExceeded", "KubeCPUOvercommit", "KubeQuotaExceeded"}},
			want: []string{
				"runbook Namespace quota exceeded › Triage <https://handbook.example.com/runbooks/quota/#triage>",
				cpu, sre, policy}},
		{name: "system label fallback without a runbook",
			src: noIndex, base: base,
			q:    Query{AlertNames: []string{"PaymentsLatencyHigh"}, Labels: map[string]string{"service": "billing"}, Severity: "warning"},
			want: []string{dev, warning}},
		{name: "cluster label names the team that runs it",
			src: noIndex, base: base,
			q:    Query{AlertNames: []string{"PaymentsLatencyHigh"}, Labels: map[string]string{"cluster": "prod-us-1"}},
			want: []string{sre, policy}},
		{name: "runbook_url: http(s) only, deduplicated, at most two, total at most six",
			src: noIndex, base: base,
			q: Query{AlertNames: []string{"KubeCPUOvercommit"}, RunbookURLs: []string{
				"javascript:alert(1)", "ftp://files.example.com/x", "/runbooks/relative/", "https://",
				"https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubecpuovercommit",
				" https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubecpuovercommit ",
				"http://wiki.internal/a b|c>?q=<!channel>",
				"https://third.example.com/never",
			}},
			want: []string{cpu, kube, sre, policy, promCPU,
				"runbook_url Runbook (wiki.internal) <http://wiki.internal/a%20b%7Cc%3E?q=%3C!channel%3E>"}},
		{name: "search hits when no runbook matches",
			src: withIndex, base: base,
			q:    Query{AlertNames: []string{"PaymentsLatencyHigh"}, Title: "PaymentsLatencyHigh: payments API latency is high", Severity: "critical", Labels: map[string]string{"team": "dev"}},
			want: []string{dev, critical, payLat, "search Payments service <https://handbook.example.com/guides/payments/>", dns}},
		{name: "search words only: filters and quotes in the title are plain words",
			src: withIndex, base: base,
			q:    Query{Title: `kind:runbook "payments latency`},
			want: []string{policy, payLat, "search Payments service <https://handbook.example.com/guides/payments/>", dns}},
		{name: "search skips links already present",
			src: withIndex, base: base,
			q:    Query{Title: "escalate"},
			want: []string{policy, "search On-call and incident response › Escalation <https://handbook.example.com/policies/oncall/#escalation>"}},
		{name: "no search when a runbook matched",
			src: withIndex, base: base,
			q:    Query{AlertNames: []string{"KubeQuotaExceeded"}, Title: "payments latency"},
			want: []string{"runbook Namespace quota exceeded › Triage <https://handbook.example.com/runbooks/quota/#triage>", kube, sre, policy}},
		{name: "map base_url when none is configured",
			src: noIndex, base: "",
			q: Query{AlertNames: []string{"KubeQuotaCritical"}},
			want: []string{"runbook Namespace quota exceeded › Triage <https://map-base.example.org/runbooks/quota/#triage>",
				"runbook Any other Kubernetes alert <https://map-base.example.org/runbooks/kubernetes/>",
				"team Site reliability engineering charter <https://map-base.example.org/teams/sre/>",
				"policy On-call and incident response <https://map-base.example.org/policies/oncall/>"}},
		{name: "base with a path prefix",
			src: noIndex, base: "https://example.com/handbook///",
			q: Query{Labels: map[string]string{"team": "sre"}},
			want: []string{"team Site reliability engineering charter <https://example.com/handbook/teams/sre/>",
				"policy On-call and incident response <https://example.com/handbook/policies/oncall/>"}},
		{name: "no absolute base anywhere: only runbook_url links",
			src: noBase, base: "/relative/",
			q:    Query{AlertNames: []string{"KubeCPUOvercommit"}, RunbookURLs: []string{"https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubecpuovercommit"}},
			want: []string{promCPU}},
		{name: "empty query",
			src: noIndex, base: base,
			want: []string{policy}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(tt.src, tt.base)
			got := show(l.Links(tt.q))
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Links:\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			again := show(l.Links(tt.q))
			if strings.Join(again, "\n") != strings.Join(got, "\n") {
				t.Errorf("second call differs:\n%s", strings.Join(again, "\n"))
			}
		})
	}
}

func TestTeamFor(t *testing.T) {
	l := New(source(t, nil), base)
	tests := []struct {
		name   string
		labels map[string]string
		alerts []string
		want   string // team ID, "" for none
	}{
		{name: "team label", labels: map[string]string{"team": "sre"}, want: "sre"},
		{name: "team label, other case", labels: map[string]string{"team": " Dev "}, want: "dev"},
		{name: "service of a runbook", labels: map[string]string{"service": "cluster-autoscaler"}, want: "sre"},
		{name: "service listed by a team", labels: map[string]string{"service": "api"}, want: "dev"},
		{name: "system listed by a team", labels: map[string]string{"service": "api-gateway"}, want: "dev"},
		{name: "runbook owner", alerts: []string{"KubePodCrashLooping"}, want: "dev"},
		{name: "first matched runbook with an owner", alerts: []string{"Unknown", "KubeQuotaExceeded", "KubePodCrashLooping"}, want: "sre"},
		{name: "runbook owner beats cluster", labels: map[string]string{"cluster": "prod-eu-1"}, alerts: []string{"KubePodCrashLooping"}, want: "dev"},
		{name: "namespace names a system", labels: map[string]string{"namespace": "monitoring"}, want: "sre"},
		{name: "nothing", labels: map[string]string{"service": "unknown", "cluster": "elsewhere"}, alerts: []string{"Whatever"}, want: ""},
		{name: "nil labels", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm, ok := l.TeamFor(tt.labels, tt.alerts)
			got := ""
			if ok {
				got = tm.ID
			}
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("TeamFor = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
	if tm, ok := l.TeamFor(map[string]string{"team": "sre"}, nil); !ok || tm.Channel != "#sre" {
		t.Errorf("SRE channel = %v, want #sre", tm)
	}
}

func TestHelpers(t *testing.T) {
	l := New(source(t, nil), base)
	tm, ok := l.Team("SRE")
	if !ok || tm.ID != "sre" {
		t.Fatalf("Team(SRE) = %v, %v", tm, ok)
	}
	if lk, ok := l.TeamLink(tm); !ok || lk.URL != "https://handbook.example.com/teams/sre/" {
		t.Errorf("TeamLink = %+v, %v", lk, ok)
	}
	if _, ok := l.TeamLink(nil); ok {
		t.Error("TeamLink(nil) ok")
	}
	if lk, ok := l.PolicyLink("critical"); !ok || !strings.HasSuffix(lk.URL, "#critical-page-now") {
		t.Errorf("PolicyLink(critical) = %+v, %v", lk, ok)
	}
	if _, ok := l.Team("nobody"); ok {
		t.Error("Team(nobody) ok")
	}
}

// TestReloadRebuildsTables pins that the lookups follow a map reload rather
// than serving the map they were first built from.
func TestReloadRebuildsTables(t *testing.T) {
	src := source(t, nil)
	l := New(src, base)
	q := Query{AlertNames: []string{"KubeCPUOvercommit"}}
	if got := l.Links(q); len(got) == 0 || !strings.Contains(got[0].URL, "/runbooks/cpu-overcommit/") {
		t.Fatalf("before reload: %v", show(got))
	}
	m := fixtureMap(t)
	m.Runbooks[0].URL = "/runbooks/cpu-v2/"
	m.Runbooks[0].Title = "CPU v2"
	src.m.Store(m)
	if got := l.Links(q); len(got) == 0 || got[0].URL != "https://handbook.example.com/runbooks/cpu-v2/" {
		t.Fatalf("after reload: %v", show(got))
	}
}

func TestMissingMap(t *testing.T) {
	l := New(&fixed{}, base) // Map() returns nil
	if got := l.Links(Query{AlertNames: []string{"X"}, RunbookURLs: []string{"https://a.example/"}}); len(got) != 1 {
		t.Errorf("Links on a nil map = %v, want the runbook_url only", show(got))
	}
	if _, ok := l.TeamFor(map[string]string{"team": "sre"}, nil); ok {
		t.Error("TeamFor on a nil map ok")
	}
}

var whys = map[string]bool{WhyRunbook: true, WhyTeam: true, WhyPolicy: true, WhyRunbookURL: true, WhySearch: true}

// FuzzLinks asserts, for any alert text, that every link is usable in a
// Slack message: an absolute http(s) URL that parses, with nothing that could
// close or split <url|text>, each URL once, at most MaxLinks.
func FuzzLinks(f *testing.F) {
	f.Add("KubeCPUOvercommit", "service", "worker", "critical", "https://runbooks.example.com/a", "payments latency")
	f.Add("NodeFilesystem*", "team", "sre", "warning", "http://x/<!channel>|y", `kind:runbook "q`)
	f.Add("[", "cluster", "prod-eu-1", "", "javascript:alert(1)", "")
	f.Add("Kube\x00", "namespace", "monitoring\n", "INFO", "https://bücher.example/ä?x=%zz#frag ment", "ünïcödé")
	src := source(f, fixtureIndex(f))
	l := New(src, base)
	f.Fuzz(func(t *testing.T, alert, key, value, severity, runbookURL, title string) {
		q := Query{
			AlertNames:  []string{alert, value},
			Labels:      map[string]string{key: value, "service": alert},
			Severity:    severity,
			RunbookURLs: []string{runbookURL, value},
			Title:       title,
		}
		links := l.Links(q)
		if len(links) > MaxLinks {
			t.Fatalf("%d links, want at most %d", len(links), MaxLinks)
		}
		seen := map[string]bool{}
		for _, lk := range links {
			u, err := url.Parse(lk.URL)
			if err != nil {
				t.Fatalf("link %+v: URL does not parse: %v", lk, err)
			}
			if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Fatalf("link %+v: not an absolute http(s) URL", lk)
			}
			if strings.ContainsAny(lk.URL, "<>| \"\n\t") {
				t.Fatalf("link %+v: URL contains a character that breaks a Slack link", lk)
			}
			for _, r := range lk.URL {
				if r < 0x21 || r > 0x7e {
					t.Fatalf("link %+v: URL has a non-printable or non-ASCII character %q", lk, r)
				}
			}
			if seen[lk.URL] {
				t.Fatalf("URL %s twice", lk.URL)
			}
			seen[lk.URL] = true
			if !whys[lk.Why] {
				t.Fatalf("link %+v: unknown Why", lk)
			}
		}
		if tm, ok := l.TeamFor(q.Labels, q.AlertNames); ok != (tm != nil) {
			t.Fatalf("TeamFor = %v, %v", tm, ok)
		}
	})
}

// bigMap is a handbook of n runbooks (half exact names, half patterns) and
// n/10 teams, to show that Links does not scan the map per call.
func bigMap(n int) *handbook.Map {
	m := &handbook.Map{Version: handbook.Version}
	for i := range n / 10 {
		id := fmt.Sprintf("team%d", i)
		m.Teams = append(m.Teams, handbook.Team{ID: id, Name: id, URL: "/teams/" + id + "/", Systems: []string{fmt.Sprintf("system%d", i)}})
	}
	for i := range n {
		u := fmt.Sprintf("/runbooks/r%d/", i)
		alert := fmt.Sprintf("Alert%dFiring", i)
		if i%2 == 1 {
			alert = fmt.Sprintf("Family%d*", i)
		}
		m.Runbooks = append(m.Runbooks, handbook.Runbook{URL: u, Title: u, Owner: fmt.Sprintf("team%d", i%(n/10)), Alerts: []string{alert}})
		m.Pages = append(m.Pages, handbook.Page{URL: u, Title: u, Kind: "runbook", Sections: []handbook.Section{
			{Heading: "Overview", Anchor: "overview"}, {Heading: "Triage", Anchor: "triage"}, {Heading: "Mitigate", Anchor: "mitigate"},
		}})
	}
	m.Pages = append(m.Pages, handbook.Page{URL: "/policies/oncall/", Title: "On call", Kind: "policy", Tags: []string{"oncall"},
		Sections: []handbook.Section{{Heading: "Critical: page now", Anchor: "critical"}, {Heading: "Warning", Anchor: "warning"}}})
	return m
}

func BenchmarkLinks(b *testing.B) {
	q := func(alerts ...string) Query {
		return Query{AlertNames: alerts, Severity: "critical", Labels: map[string]string{"service": "system7", "cluster": "prod-eu-1"},
			RunbookURLs: []string{"https://runbooks.example.com/x"}, Title: "Disk almost full on node-1"}
	}
	cases := []struct {
		name string
		m    *handbook.Map
		q    Query
	}{
		{name: "fixture", m: fixtureMap(b), q: q("KubeCPUOvercommit", "NodeFilesystemAlmostOutOfSpace")},
		{name: "2000runbooks/exact", m: bigMap(2000), q: q("Alert1500Firing")},
		{name: "2000runbooks/pattern", m: bigMap(2000), q: q("Family1501Disk")},
		{name: "2000runbooks/nomatch", m: bigMap(2000), q: q("SomethingElse", "AnotherOne", "Third")},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			src := &fixed{}
			src.m.Store(c.m)
			l := New(src, base)
			l.Links(c.q) // build the tables once, as the first message after a reload does
			b.ReportAllocs()
			for b.Loop() {
				if len(l.Links(c.q)) == 0 {
					b.Fatal("no links")
				}
			}
		})
	}
}

func BenchmarkBuildTables(b *testing.B) {
	m := bigMap(2000)
	b.ReportAllocs()
	for b.Loop() {
		build(m, base)
	}
}

func TestAbs(t *testing.T) {
	tb := build(&handbook.Map{}, "https://handbook.example.com/docs/")
	tests := []struct {
		name, rel, want string
	}{
		{name: "site-relative", rel: "/runbooks/cpu/#triage", want: "https://handbook.example.com/docs/runbooks/cpu/#triage"},
		{name: "no leading slash", rel: "runbooks/cpu/", want: "https://handbook.example.com/docs/runbooks/cpu/"},
		{name: "already absolute (a search hit's full URL)", rel: "HTTPS://other.example/x y", want: "https://other.example/x%20y"},
		{name: "absolute without a host is dropped", rel: "https:///nohost", want: ""},
		{name: "unicode anchor is escaped", rel: "/teams/sre/#équipe", want: "https://handbook.example.com/docs/teams/sre/#%C3%A9quipe"},
		{name: "stray percent", rel: "/a%zz/%41", want: "https://handbook.example.com/docs/a%25zz/%41"},
		{name: "empty", rel: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tb.abs(tt.rel); got != tt.want {
				t.Errorf("abs(%q) = %q, want %q", tt.rel, got, tt.want)
			}
		})
	}
}

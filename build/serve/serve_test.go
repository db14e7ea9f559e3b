package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compasshq/compass/build"
)

// wait is how long a test waits for one event. Generous: the test machine
// is small and shared; a passing test never waits this long.
const wait = 60 * time.Second

// syncBuffer is a bytes.Buffer safe for the server's and the test's
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// site is a running server over a temporary site, with a live event
// stream.
type site struct {
	t      *testing.T
	dir    string
	url    string
	srv    *Server
	stdout *syncBuffer
	events chan sse
}

type sse struct{ name, data string }

func writeFile(t testing.TB, dir, name, data string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// start serves files (name → content) on a free port and connects to the
// event stream. The server stops when the test ends.
func start(t *testing.T, files map[string]string) *site {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		writeFile(t, dir, name, data)
	}
	out := &syncBuffer{}
	srv := New(Options{
		Build:  build.Options{Source: dir},
		Reload: func() (build.Options, error) { return build.Options{Source: dir, Title: readTitle(dir)}, nil },
		Addr:   "127.0.0.1:0",
		Stdout: out,
	})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, func() { close(ready) }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(wait):
			t.Errorf("server did not stop")
		}
	})
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(wait):
		t.Fatal("server did not start")
	}
	s := &site{t: t, dir: dir, url: srv.URL(), srv: srv, stdout: out, events: make(chan sse, 100)}
	s.subscribe(ctx)
	// The stream opens with the current errors: once that arrived, every
	// later change is seen.
	s.next("errors")
	return s
}

// readTitle stands in for cmd/compass's config loading in tests: the
// title line of compass.yaml.
func readTitle(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "compass.yaml"))
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "title:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func (s *site) subscribe(ctx context.Context) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"_compass/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		s.t.Fatalf("events Content-Type = %q", ct)
	}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var ev sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					s.events <- ev
				}
				ev = sse{}
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
}

// next waits for the next event called name, skipping others.
func (s *site) next(name string) sse {
	s.t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case ev := <-s.events:
			if ev.name == name {
				return ev
			}
		case <-timeout:
			s.t.Fatalf("no %q event within %s; terminal:\n%s", name, wait, s.stdout)
		}
	}
}

// until waits for cond to hold, checking again on every event and every
// 50ms: a terminal line printed after the last event comes with no event of
// its own (the flake where the line was there but the test waited a minute).
func (s *site) until(what string, cond func() bool) {
	s.t.Helper()
	timeout := time.After(wait)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-s.events:
		case <-tick.C:
		case <-timeout:
			s.t.Fatalf("%s: not within %s; terminal:\n%s", what, wait, s.stdout)
		}
	}
}

func (s *site) get(path string) (int, string) {
	s.t.Helper()
	resp, err := http.Get(s.url + strings.TrimPrefix(path, "/"))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func (s *site) write(name, data string) { s.t.Helper(); writeFile(s.t, s.dir, name, data) }

func (s *site) path(name string) string { return filepath.Join(s.dir, filepath.FromSlash(name)) }

func (s *site) problems() []Problem {
	s.t.Helper()
	_, body := s.get("/_compass/errors")
	var ps []Problem
	if err := json.Unmarshal([]byte(body), &ps); err != nil {
		s.t.Fatalf("errors endpoint: %v: %s", err, body)
	}
	return ps
}

func (s *site) has(path, text string) bool {
	code, body := s.get(path)
	return code == http.StatusOK && strings.Contains(body, text)
}

var basic = map[string]string{
	"content/_index.md":          "---\ntitle: Home\n---\nWelcome. See [a](a.md).\n",
	"content/a.md":               "---\ntitle: Alpha\n---\n## First\n\nalpha text\n",
	"content/policies/_index.md": "---\ntitle: Policies\n---\nAll policies.\n",
	"content/policies/leave.md":  "---\ntitle: Leave\nkind: policy\n---\nTake leave.\n",
}

func TestServesPagesWithScript(t *testing.T) {
	s := start(t, basic)
	tests := []struct {
		name, path string
		code       int
		want       string
	}{
		{"home", "/", 200, `<script src="/_compass/livereload.js" defer></script>`},
		{"page", "/a/", 200, "alpha text"},
		{"page without slash redirects", "/a", 200, "alpha text"},
		{"section", "/policies/leave/", 200, "Take leave."},
		{"handbook map", "/compass.json", 200, `"title":"Alpha"`},
		{"script", "/_compass/livereload.js", 200, "EventSource"},
		{"missing page", "/nope/", 404, "livereload.js"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := s.get(tt.path)
			if code != tt.code || !strings.Contains(body, tt.want) {
				t.Errorf("GET %s = %d, want %d with %q; body:\n%.500s", tt.path, code, tt.code, tt.want, body)
			}
		})
	}
	if !strings.Contains(s.stdout.String(), "serving "+s.url) {
		t.Errorf("terminal does not show the URL:\n%s", s.stdout)
	}
}

// TestServesSearchRanges checks that index files answer range requests,
// which search.js makes for postings and page records.
func TestServesSearchRanges(t *testing.T) {
	s := start(t, basic)
	var m struct{ Post string }
	s.until("search manifest", func() bool {
		code, body := s.get("/search/manifest.json")
		return code == http.StatusOK && json.Unmarshal([]byte(body), &m) == nil && m.Post != ""
	})
	_, whole := s.get("/search/" + m.Post)
	req, _ := http.NewRequest("GET", s.url+"search/"+m.Post, nil)
	req.Header.Set("Range", "bytes=1-3")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusPartialContent || len(whole) < 4 || string(b) != whole[1:4] {
		t.Errorf("range 1-3 of %s (%d bytes): %d %q", m.Post, len(whole), resp.StatusCode, b)
	}
}

func TestEditReloadsOnePage(t *testing.T) {
	s := start(t, basic)
	s.get("/a/") // cached now: the edit must invalidate it
	s.write("content/a.md", "---\ntitle: Alpha\n---\n## First\n\nedited text\n")
	ev := s.next("reload")
	var re reloadEvent
	if err := json.Unmarshal([]byte(ev.data), &re); err != nil {
		t.Fatal(err)
	}
	if re.All || len(re.Pages) != 1 || re.Pages[0] != "/a/" {
		t.Errorf("reload event = %s, want only /a/", ev.data)
	}
	if !s.has("/a/", "edited text") {
		t.Errorf("page not updated")
	}
	s.until("terminal line", func() bool { return strings.Contains(s.stdout.String(), "rebuilt content/a.md (1 page) in ") })
}

func TestCreateRenameDelete(t *testing.T) {
	s := start(t, basic)
	steps := []struct {
		name string
		do   func()
		path string
		code int
		want string
	}{
		{"create", func() { s.write("content/b.md", "---\ntitle: Beta\n---\nbeta text\n") }, "/b/", 200, "beta text"},
		{"create shows in navigation", func() {}, "/a/", 200, "Beta"},
		{"new folder with a page", func() {
			if err := os.MkdirAll(s.path("content/new"), 0o755); err != nil {
				t.Fatal(err)
			}
			s.write("content/new/c.md", "---\ntitle: Gamma\n---\ngamma text\n")
		}, "/new/c/", 200, "gamma text"},
		{"folder moved in with files", func() {
			tmp := t.TempDir()
			writeFile(t, tmp, "moved/d.md", "---\ntitle: Delta\n---\ndelta text\n")
			if err := os.Rename(filepath.Join(tmp, "moved"), s.path("content/moved")); err != nil {
				t.Fatal(err)
			}
		}, "/moved/d/", 200, "delta text"},
		{"rename: new URL", func() {
			if err := os.Rename(s.path("content/b.md"), s.path("content/bee.md")); err != nil {
				t.Fatal(err)
			}
		}, "/bee/", 200, "beta text"},
		{"rename: old URL gone", func() {}, "/b/", 404, ""},
		{"delete", func() {
			if err := os.Remove(s.path("content/bee.md")); err != nil {
				t.Fatal(err)
			}
		}, "/bee/", 404, ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.do()
			s.until(st.path, func() bool {
				code, body := s.get(st.path)
				return code == st.code && strings.Contains(body, st.want)
			})
		})
	}
}

func TestEditorSavePatterns(t *testing.T) {
	s := start(t, basic)
	target := s.path("content/a.md")
	patterns := []struct {
		name string
		save func(data string)
	}{
		{"write in place", func(data string) { s.write("content/a.md", data) }},
		{"temp file renamed over", func(data string) {
			tmp := s.path("content/.a.md.swp")
			if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, target); err != nil {
				t.Fatal(err)
			}
		}},
		{"original renamed away, new file written", func(data string) {
			if err := os.Rename(target, target+"~"); err != nil {
				t.Fatal(err)
			}
			s.write("content/a.md", data)
			if err := os.Remove(target + "~"); err != nil {
				t.Fatal(err)
			}
		}},
		{"deleted and recreated", func(data string) {
			if err := os.Remove(target); err != nil {
				t.Fatal(err)
			}
			s.write("content/a.md", data)
		}},
	}
	for i, p := range patterns {
		t.Run(p.name, func(t *testing.T) {
			text := "saved text " + string(rune('A'+i))
			p.save("---\ntitle: Alpha\n---\n## First\n\n" + text + "\n")
			s.until("page shows "+text, func() bool { return s.has("/a/", text) })
		})
	}
	t.Run("chmod alone does not rebuild", func(t *testing.T) {
		// Rebuilds run one at a time and a page is served before its
		// terminal line is printed, so the earlier saves' lines are only
		// all out once a later rebuild's line is: an edit settles them.
		mark := func(text string, n int) {
			s.write("content/policies/leave.md", "---\ntitle: Leave\nkind: policy\n---\n"+text+"\n")
			s.until("leave shows "+text, func() bool { return s.has("/policies/leave/", text) })
			s.until("terminal line", func() bool {
				return strings.Count(s.stdout.String(), "rebuilt content/policies/leave.md") == n
			})
		}
		mark("Take some leave.", 1)
		before := strings.Count(s.stdout.String(), "rebuilt")
		if err := os.Chmod(target, 0o600); err != nil {
			t.Fatal(err)
		}
		// A later real edit is the marker: its rebuild must be the only one.
		mark("Take more leave.", 2)
		if got := strings.Count(s.stdout.String(), "rebuilt") - before; got != 1 {
			t.Errorf("%d rebuilds, want 1 (chmod must not rebuild):\n%s", got, s.stdout)
		}
	})
}

func TestErrorOverlay(t *testing.T) {
	s := start(t, basic)
	if !s.has("/a/", "alpha text") {
		t.Fatal("page not served")
	}
	s.write("content/a.md", "---\ntitle: Alpha\n---\n## First\n\nbroken [link](missing.md)\n")
	ev := s.next("errors")
	want := "content/a.md:6:8: link to \"missing.md\" matches no page"
	var got []Problem
	if err := json.Unmarshal([]byte(ev.data), &got); err != nil || len(got) != 1 || got[0].Text != want {
		t.Fatalf("errors event = %s, want %q", ev.data, want)
	}
	if ps := s.problems(); len(ps) != 1 || ps[0].Text != want || ps[0].Line != 6 || ps[0].Col != 8 || ps[0].Source != "broken [link](missing.md)" {
		t.Errorf("errors endpoint = %+v, want the error with its source line", ps)
	}
	// The page shows what was just written, the broken link marked as
	// `compass build --keep-going` marks it, not the last good version.
	if _, page := s.get("/a/"); !strings.Contains(page, "broken") || strings.Contains(page, "alpha text") ||
		!strings.Contains(page, `href="missing.md" data-broken="broken link"`) {
		t.Errorf("the page being edited is not served with its broken link marked:\n%s", page)
	}
	if !strings.Contains(s.stdout.String(), want) {
		t.Errorf("terminal does not show the error:\n%s", s.stdout)
	}

	// A second broken file: every current error is listed.
	s.write("content/policies/leave.md", "---\ntitle: Leave\nkind: policy\nweight: heavy\n---\nTake leave.\n")
	s.until("two errors", func() bool { return len(s.problems()) == 2 })

	// An unclosed quote is reported at the quote, not where the YAML ends
	// (issue #12), with the line for the overlay's excerpt.
	s.write("content/policies/leave.md", "---\ntitle: \"Leave\nkind: policy\n---\nTake leave.\n")
	s.until("the quote's position", func() bool {
		for _, p := range s.problems() {
			if p.File == "content/policies/leave.md" && p.Line == 2 && p.Col == 8 && p.Source == `title: "Leave` {
				return true
			}
		}
		return false
	})

	s.write("content/policies/leave.md", "---\ntitle: Leave\nkind: policy\n---\nTake leave.\n")
	s.write("content/a.md", "---\ntitle: Alpha\n---\n## First\n\nfixed [link](policies/leave.md)\n")
	s.until("errors cleared", func() bool { return len(s.problems()) == 0 && s.has("/a/", "fixed") })
}

func TestStylesheetSwap(t *testing.T) {
	s := start(t, map[string]string{
		"content/_index.md":        "---\ntitle: Home\n---\nHi.\n",
		"layouts/assets/style.css": "body { color: red; }\n",
	})
	_, home := s.get("/")
	old := hashedURL(t, home, "/assets/style.")
	s.write("layouts/assets/style.css", "body { color: blue; }\n")
	ev := s.next("css")
	var m map[string]string
	if err := json.Unmarshal([]byte(ev.data), &m); err != nil {
		t.Fatal(err)
	}
	next := m[old]
	if next == "" || next == old {
		t.Fatalf("css event = %s, want %s swapped", ev.data, old)
	}
	if !s.has(next, "blue") {
		t.Errorf("new stylesheet %s not served", next)
	}
	if !s.has("/", next) {
		t.Errorf("pages do not link the new stylesheet")
	}
}

func hashedURL(t *testing.T, html, prefix string) string {
	t.Helper()
	i := strings.Index(html, prefix)
	if i < 0 {
		t.Fatalf("no %s in page", prefix)
	}
	return html[i : i+strings.IndexByte(html[i:], '"')]
}

func TestTemplateAndConfigChange(t *testing.T) {
	s := start(t, map[string]string{
		"compass.yaml":      "title: First\n",
		"content/_index.md": "---\ntitle: Home\n---\nHi.\n",
		"content/a.md":      "---\ntitle: Alpha\n---\nalpha\n",
	})
	s.write("layouts/partials/footer.html", `<footer>custom footer</footer>`)
	ev := s.next("reload")
	if ev.data != `{"all":true}` {
		t.Errorf("reload after template change = %s, want all", ev.data)
	}
	s.until("footer on every page", func() bool { return s.has("/", "custom footer") && s.has("/a/", "custom footer") })

	s.write("compass.yaml", "title: Second\n")
	s.until("config reloaded", func() bool { return s.has("/a/", "Second") })
}

func TestBrokenTemplateKeepsServing(t *testing.T) {
	s := start(t, basic)
	s.write("layouts/partials/footer.html", `<footer>{{ broken </footer>`)
	s.until("template error shown", func() bool {
		ps := s.problems()
		return len(ps) == 1 && strings.Contains(ps[0].Text, "footer.html")
	})
	if !s.has("/a/", "alpha text") {
		t.Errorf("site not served while the template is broken")
	}
	s.write("layouts/partials/footer.html", `<footer>good footer</footer>`)
	s.until("fixed", func() bool { return len(s.problems()) == 0 && s.has("/a/", "good footer") })
}

func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := New(Options{Addr: ln.Addr().String()})
	err = srv.Listen()
	var pe *PortInUseError
	if !errors.As(err, &pe) {
		t.Fatalf("Listen = %v, want PortInUseError", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if pe.Port != port || !strings.Contains(err.Error(), "is in use; try --port") {
		t.Errorf("error = %q", err)
	}
}

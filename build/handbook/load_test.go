package handbook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func mapJSON(tb testing.TB, title string) []byte {
	tb.Helper()
	data, err := json.Marshal(&Map{
		Version: Version,
		Title:   title,
		Pages:   []Page{{URL: "/", Path: "_index.md", Title: title}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestReadMap(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		title   string // want this title on success
		wantErr string
	}{
		{name: "valid", in: `{"version":1,"title":"Lattice","pages":[{"url":"/","title":"Home","sections":[]}]}`, title: "Lattice"},
		{name: "unknown fields are ignored", in: `{"version":1,"title":"T","future":{"x":1}}`, title: "T"},
		{name: "newer version", in: `{"version":2,"pages":"changed shape"}`,
			wantErr: "handbook map version 2 is not supported (this compass reads version 1"},
		{name: "version as string", in: `{"version":"1"}`, wantErr: `handbook map version "1" is not supported`},
		{name: "no version", in: `{"title":"T"}`, wantErr: "handbook map has no version"},
		{name: "not an object", in: `[1,2]`, wantErr: "1:1: decode handbook map: not a JSON object"},
		{name: "syntax error has line and column", in: "{\"version\":1,\n  \"title\": \"T\",\n  oops}", wantErr: "3:3: decode handbook map: invalid character 'o'"},
		{name: "wrong type has a position", in: "{\"version\":1,\n\"pages\":{}}", wantErr: "2:9: decode handbook map: json: cannot unmarshal object"},
		{name: "empty", in: "", wantErr: "decode handbook map: unexpected end of JSON input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ReadMap(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ReadMap error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadMap: %v", err)
			}
			if m.Title != tt.title {
				t.Errorf("title = %q, want %q", m.Title, tt.title)
			}
		})
	}
}

// logBuffer is a concurrency-safe log sink for asserting what Run reports.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// writeFile replaces path atomically, as a site build or deploy does.
func writeFile(tb testing.TB, path string, data []byte) {
	tb.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
}

func TestFileSourceReload(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "compass.json")
	var logs logBuffer
	s := NewSource(p, SourceOptions{Logger: logs.logger()})
	ctx := context.Background()

	if got := s.Map(); got == nil || len(got.Pages) != 0 || s.Loaded() {
		t.Fatalf("before Load: Map() = %+v, Loaded() = %v; want an empty map, false", got, s.Loaded())
	}
	if err := s.Load(ctx); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load of a missing file = %v, want a not-exist error", err)
	}

	writeFile(t, p, mapJSON(t, "one"))
	if err := s.Load(ctx); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if s.Map().Title != "one" || !s.Loaded() {
		t.Fatalf("after Load: title %q", s.Map().Title)
	}
	first := s.Map()

	steps := []struct {
		name      string
		write     []byte // nil: leave the file alone; "rm": delete it
		remove    bool
		changed   bool
		wantErr   string
		wantTitle string
	}{
		{name: "unchanged", changed: false, wantTitle: "one"},
		{name: "same content rewritten", write: mapJSON(t, "one"), changed: false, wantTitle: "one"},
		{name: "new map", write: mapJSON(t, "two"), changed: true, wantTitle: "two"},
		{name: "truncated write keeps the last good map", write: []byte(`{"version":1,"title":"thr`), wantErr: "compass.json:1:", wantTitle: "two"},
		{name: "broken file unchanged is not re-read", changed: false, wantTitle: "two"},
		{name: "wrong version keeps the last good map", write: []byte(`{"version":7}`), wantErr: "version 7 is not supported", wantTitle: "two"},
		{name: "deleted keeps the last good map", remove: true, wantErr: "no such file", wantTitle: "two"},
		{name: "back again", write: mapJSON(t, "three"), changed: true, wantTitle: "three"},
	}
	for _, st := range steps {
		if st.remove {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}
		if st.write != nil {
			writeFile(t, p, st.write)
		}
		changed, err := s.Reload(ctx)
		if st.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), st.wantErr) {
				t.Errorf("%s: Reload error = %v, want %q", st.name, err, st.wantErr)
			}
		} else if err != nil {
			t.Errorf("%s: Reload: %v", st.name, err)
		}
		if changed != st.changed {
			t.Errorf("%s: changed = %v, want %v", st.name, changed, st.changed)
		}
		if got := s.Map().Title; got != st.wantTitle {
			t.Errorf("%s: title = %q, want %q", st.name, got, st.wantTitle)
		}
	}
	if first.Title != "one" {
		t.Errorf("a reload modified a map a reader held: title %q", first.Title)
	}
}

// waitFor polls cond until it holds or a generous deadline passes; the
// deadline only matters when the code under test is broken.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFileSourceRun(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "compass.json")
	var logs logBuffer
	// No map yet: Run must keep trying and pick it up when it appears.
	s := NewSource(p, SourceOptions{Interval: 10 * time.Millisecond, Logger: logs.logger()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()

	waitFor(t, "the missing-file warning", func() bool { return strings.Contains(logs.String(), "reload failed") })
	writeFile(t, p, mapJSON(t, "first"))
	waitFor(t, "the first map", func() bool { return s.Map().Title == "first" })

	writeFile(t, p, []byte("{broken"))
	waitFor(t, "the invalid-map warning", func() bool { return strings.Count(logs.String(), "reload failed") == 2 })
	writeFile(t, p, mapJSON(t, "second, longer"))
	waitFor(t, "the second map", func() bool { return s.Map().Title == "second, longer" })

	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if n := strings.Count(logs.String(), "reload failed"); n != 2 {
		t.Errorf("logged %d reload failures, want each of the 2 failures once:\n%s", n, logs.String())
	}
}

// mapServer serves compass.json with an ETag and Last-Modified and records
// the conditional headers it receives.
type mapServer struct {
	mu       sync.Mutex
	body     []byte
	version  int
	status   int               // when non-zero, answer this instead
	files    map[string]string // other paths served as is
	requests []string          // requests for compass.json, with their validators
}

func (ms *mapServer) set(body []byte) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.body, ms.status = body, 0
	ms.version++
}

func (ms *mapServer) fail(status int) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.status = status
}

func (ms *mapServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if body, ok := ms.files[r.URL.Path]; ok {
		fmt.Fprint(w, body)
		return
	}
	if r.URL.Path != "/site/compass.json" {
		http.NotFound(w, r)
		return
	}
	ms.requests = append(ms.requests, r.URL.Path+" inm="+r.Header.Get("If-None-Match")+" ims="+r.Header.Get("If-Modified-Since"))
	if ms.status != 0 {
		http.Error(w, "nope", ms.status)
		return
	}
	etag := fmt.Sprintf(`"v%d"`, ms.version)
	lastMod := time.Date(2026, 3, 1, 0, 0, ms.version, 0, time.UTC).Format(http.TimeFormat)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", lastMod)
	w.Write(ms.body)
}

func (ms *mapServer) lastRequest() string {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.requests[len(ms.requests)-1]
}

func TestURLSourceReload(t *testing.T) {
	ms := &mapServer{}
	ms.set(mapJSON(t, "one"))
	srv := httptest.NewServer(ms)
	defer srv.Close()
	s := NewSource(srv.URL+"/site/compass.json", SourceOptions{Client: srv.Client()})
	ctx := context.Background()

	if err := s.Load(ctx); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := ms.lastRequest(); got != "/site/compass.json inm= ims=" {
		t.Errorf("first request %q, want no validators", got)
	}
	steps := []struct {
		name      string
		do        func()
		changed   bool
		wantErr   string
		wantTitle string
		wantReq   string
	}{
		{name: "not modified", do: func() {}, wantTitle: "one",
			wantReq: `/site/compass.json inm="v1" ims=Sun, 01 Mar 2026 00:00:01 GMT`},
		{name: "new deploy", do: func() { ms.set(mapJSON(t, "two")) }, changed: true, wantTitle: "two",
			wantReq: `/site/compass.json inm="v1" ims=Sun, 01 Mar 2026 00:00:01 GMT`},
		{name: "server error keeps the map", do: func() { ms.fail(http.StatusBadGateway) }, wantErr: "502 Bad Gateway", wantTitle: "two"},
		{name: "recovered, not modified", do: func() { ms.fail(0) }, wantTitle: "two",
			wantReq: `/site/compass.json inm="v2" ims=Sun, 01 Mar 2026 00:00:02 GMT`},
		{name: "invalid map keeps the map", do: func() { ms.set([]byte(`{"version":1,"pages":7}`)) }, wantErr: "compass.json:1:", wantTitle: "two"},
		{name: "invalid map is not re-reported", do: func() {}, wantTitle: "two",
			wantReq: `/site/compass.json inm="v3" ims=Sun, 01 Mar 2026 00:00:03 GMT`},
		{name: "fixed deploy", do: func() { ms.set(mapJSON(t, "four")) }, changed: true, wantTitle: "four"},
	}
	for _, st := range steps {
		st.do()
		changed, err := s.Reload(ctx)
		if st.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), st.wantErr) {
				t.Errorf("%s: Reload error = %v, want %q", st.name, err, st.wantErr)
			}
		} else if err != nil {
			t.Errorf("%s: Reload: %v", st.name, err)
		}
		if changed != st.changed {
			t.Errorf("%s: changed = %v, want %v", st.name, changed, st.changed)
		}
		if got := s.Map().Title; got != st.wantTitle {
			t.Errorf("%s: title = %q, want %q", st.name, got, st.wantTitle)
		}
		if st.wantReq != "" {
			if got := ms.lastRequest(); got != st.wantReq {
				t.Errorf("%s: request %q, want %q", st.name, got, st.wantReq)
			}
		}
	}
}

func TestURLSourceLoadFails(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	s := NewSource(srv.URL+"/compass.json", SourceOptions{Client: srv.Client()})
	if err := s.Load(context.Background()); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("Load = %v, want a 404 error", err)
	}
	if s.Loaded() || s.Map() == nil {
		t.Fatalf("after a failed Load: Loaded %v, Map %v", s.Loaded(), s.Map())
	}
}

func TestSourceSizeLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "compass.json")
	writeFile(t, p, mapJSON(t, strings.Repeat("x", 200)))
	s := NewSource(p, SourceOptions{MaxBytes: 100})
	if err := s.Load(context.Background()); err == nil || !strings.Contains(err.Error(), "larger than 100 bytes") {
		t.Fatalf("Load = %v, want a size error", err)
	}
}

func TestSiblingFetcher(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "search"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "search", "manifest.json"), []byte(`{"shards":1}`))
	writeFile(t, filepath.Join(dir, "secret.txt"), []byte("no"))
	ms := &mapServer{files: map[string]string{"/site/search/manifest.json": `{"shards":1}`}}
	ms.set(mapJSON(t, "x"))
	srv := httptest.NewServer(ms)
	defer srv.Close()

	sources := map[string]*Source{
		"file": NewSource(filepath.Join(dir, "compass.json"), SourceOptions{}),
		"url":  NewSource(srv.URL+"/site/compass.json", SourceOptions{Client: srv.Client()}),
	}
	for kind, s := range sources {
		fetch := s.siblingFetcher("search")
		tests := []struct {
			name, file string
			want       string
			notExist   bool
			wantErr    bool
		}{
			{name: "present", file: "manifest.json", want: `{"shards":1}`},
			{name: "missing", file: "shard-9.json", notExist: true, wantErr: true},
			{name: "parent", file: "../secret.txt", wantErr: true},
			{name: "absolute", file: "/etc/passwd", wantErr: true},
			{name: "url", file: "http://evil/x", wantErr: true},
			{name: "empty", file: "", wantErr: true},
		}
		for _, tt := range tests {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				got, err := fetch(tt.file)
				if tt.wantErr {
					if err == nil {
						t.Fatalf("fetch(%q) = %q, want an error", tt.file, got)
					}
					if tt.notExist && !errors.Is(err, os.ErrNotExist) {
						t.Errorf("fetch(%q) error %v, want fs.ErrNotExist", tt.file, err)
					}
					return
				}
				if err != nil || string(got) != tt.want {
					t.Fatalf("fetch(%q) = %q, %v; want %q", tt.file, got, err, tt.want)
				}
			})
		}
	}
}

func TestSourceConcurrentReaders(t *testing.T) {
	p := filepath.Join(t.TempDir(), "compass.json")
	writeFile(t, p, mapJSON(t, "v0"))
	s := NewSource(p, SourceOptions{})
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if m := s.Map(); m == nil || !strings.HasPrefix(m.Title, "v") {
					t.Errorf("reader saw %+v", m)
					return
				}
			}
		}()
	}
	for i := 1; i <= 20; i++ {
		writeFile(t, p, mapJSON(t, fmt.Sprintf("v%d-%s", i, strings.Repeat("x", i))))
		if _, err := s.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if !strings.HasPrefix(s.Map().Title, "v20-") {
		t.Errorf("final title %q", s.Map().Title)
	}
}

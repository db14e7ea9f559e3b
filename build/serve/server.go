// Package serve is `compass serve`: it keeps a site in memory, watches its
// files, rebuilds what an edit touches and serves the result with live
// reload over Server-Sent Events and an overlay for content errors.
package serve

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/compasshq/compass/build"
)

//go:embed assets
var assets embed.FS

// Options configure a Server. cmd/compass fills them from flags and
// compass.yaml.
type Options struct {
	// Build are the site's build options. Out and BaseURL are ignored: the
	// site is kept in memory and served at the root of Addr.
	Build build.Options
	// Reload reads the build options again after compass.yaml changed;
	// nil keeps Build.
	Reload func() (build.Options, error)
	// Addr is the address to listen on, "127.0.0.1:1313"; port 0 picks a
	// free port (see Server.Addr).
	Addr string
	// Debounce is how long files must be quiet before a rebuild starts;
	// 0 means 25ms, long enough to gather an editor's save into one
	// rebuild and short enough not to be noticed.
	Debounce time.Duration
	// Stdout gets one line per rebuild and the errors it found; nil
	// discards them.
	Stdout io.Writer
	// Logger gets diagnostics; nil discards them.
	Logger *slog.Logger
}

// Server builds a site into memory and serves it with live reload.
type Server struct {
	opts Options
	ln   net.Listener
	hub  *hub

	mu       sync.RWMutex // guards live and the site inside it
	live     *build.Live
	hardErr  error // a failure that kept the last update from loading at all
	problems []Problem

	cache  renderCache
	search *searchIndex
}

// Problem is one current content error, as the overlay shows it.
type Problem struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Message string `json:"message"`
	Text    string `json:"text"`             // "path:line:col: message"
	Source  string `json:"source,omitempty"` // the text of line Line, for the overlay's excerpt and caret
}

// sourceLine returns line n (1-based) of file under root, cut to a
// screen's width; "" when it cannot be read.
func sourceLine(root, file string, n int) string {
	if file == "" || n < 1 {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
	if err != nil {
		return ""
	}
	for l := range strings.Lines(string(b)) {
		if n--; n == 0 {
			l = strings.TrimRight(l, "\r\n")
			if r := []rune(l); len(r) > 240 {
				l = string(r[:240]) + "…"
			}
			return l
		}
	}
	return ""
}

// PortInUseError is returned by Listen when the port is taken.
type PortInUseError struct {
	Port int
	Err  error
}

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("port %d is in use; try --port %d", e.Port, e.Port+1)
}

func (e *PortInUseError) Unwrap() error { return e.Err }

// New returns a server for opts; Listen and Run start it.
func New(opts Options) *Server {
	if opts.Debounce <= 0 {
		opts.Debounce = 25 * time.Millisecond
	}
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Build.Source == "" {
		opts.Build.Source = "."
	}
	opts.Build.BaseURL = ""
	s := &Server{opts: opts, hub: newHub()}
	s.search = newSearchIndex(opts.Logger)
	return s
}

// Listen binds the address. A port already in use is a *PortInUseError.
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			_, p, _ := net.SplitHostPort(s.opts.Addr)
			port, _ := strconv.Atoi(p)
			return &PortInUseError{Port: port, Err: err}
		}
		return fmt.Errorf("listen on %s: %w", s.opts.Addr, err)
	}
	s.ln = ln
	return nil
}

// Addr is the bound address, once Listen returned.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// URL is the address to open in a browser.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() + "/" }

// Run loads the site, starts watching its files and serves until ctx is
// done, then shuts down cleanly. Listen must have been called. ready, if
// not nil, is called once the site is loaded and requests are answered.
func (s *Server) Run(ctx context.Context, ready func()) error {
	if s.ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	defer s.ln.Close()
	start := time.Now()
	live, err := build.OpenLive(ctx, s.opts.Build)
	if err != nil {
		return err
	}
	s.live = live
	s.setProblems(nil)
	s.search.rebuild(s)
	site := live.Site()
	fmt.Fprintf(s.opts.Stdout, "serving %s (%d pages in %s); Ctrl-C to stop\n",
		s.URL(), len(site.Pages), time.Since(start).Round(time.Millisecond))
	s.printProblems()

	src := s.opts.Build.Source
	abs, err := filepath.Abs(src)
	if err != nil {
		return fmt.Errorf("watch files: %w", err)
	}
	dirs := []string{filepath.Join(abs, "content"), filepath.Join(abs, "layouts"), filepath.Join(abs, "static")}
	if t := s.opts.Build.Theme; t != "" {
		if !filepath.IsAbs(t) {
			t = filepath.Join(abs, t)
		}
		dirs = append(dirs, t)
	}
	w, err := newWatcher(abs, dirs, []string{filepath.Join(abs, "compass.yaml")}, s.opts.Debounce, s.opts.Logger)
	if err != nil {
		return err
	}
	batches := make(chan []string)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { w.run(ctx, batches) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case b := <-batches:
				s.apply(ctx, b)
			}
		}
	})
	wg.Go(func() { s.search.run(ctx, s) })

	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(s.ln) }()
	if ready != nil {
		ready()
	}
	select {
	case err := <-errc:
		cancel()
		wg.Wait()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	err = hs.Shutdown(shutdown)
	wg.Wait()
	if err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// apply rebuilds after one batch of changed files, tells browsers and
// prints one line.
func (s *Server) apply(ctx context.Context, changed []string) {
	var d *build.Delta
	var err error
	full := false
	for _, c := range changed {
		if c == "compass.yaml" || c == "*" {
			full = true
		}
	}
	s.mu.Lock()
	if full {
		d, err = s.reloadConfig(ctx)
	} else {
		d, err = s.live.Update(ctx, changed)
	}
	s.hardErr = err
	site := s.live.Site()
	if err == nil {
		s.invalidate(d)
	}
	s.mu.Unlock()
	if ctx.Err() != nil {
		return
	}
	changedProblems := s.setProblems(err)
	if err == nil && !d.Empty() {
		switch {
		case len(d.Stylesheets) > 0:
			s.hub.send("css", d.Stylesheets)
		case d.All:
			s.hub.send("reload", reloadEvent{All: true})
		default:
			s.hub.send("reload", reloadEvent{Pages: d.Pages})
		}
		if d.Index || d.All {
			s.search.mark()
		}
	}
	if changedProblems {
		s.hub.send("errors", s.currentProblems())
	}
	s.printRebuild(changed, d, err, len(site.Pages))
	if changedProblems {
		s.printProblems()
	}
}

// reloadConfig reads compass.yaml again and loads the whole site.
func (s *Server) reloadConfig(ctx context.Context) (*build.Delta, error) {
	start := time.Now()
	opts := s.opts.Build
	if s.opts.Reload != nil {
		o, err := s.opts.Reload()
		if err != nil {
			return &build.Delta{}, err
		}
		o.BaseURL = ""
		opts = o
	}
	live, err := build.OpenLive(ctx, opts)
	if err != nil {
		return &build.Delta{}, err
	}
	s.opts.Build, s.live = opts, live
	return &build.Delta{All: true, Index: true, Rendered: len(live.Site().Pages), Duration: time.Since(start)}, nil
}

// printRebuild prints the one line of a rebuild:
// "rebuilt content/policies/oncall.md (1 page) in 12ms".
func (s *Server) printRebuild(changed []string, d *build.Delta, err error, pages int) {
	what := changed[0]
	if what == "*" {
		what = "everything (file events were lost)"
	}
	if len(changed) > 1 {
		what += fmt.Sprintf(" and %d more", len(changed)-1)
	}
	var scope string
	switch {
	case err != nil:
		fmt.Fprintf(s.opts.Stdout, "rebuild of %s failed: %v\n", what, err)
		return
	case len(d.Stylesheets) > 0:
		scope = "stylesheet swapped"
	case d.All:
		scope = fmt.Sprintf("all %d pages", pages)
	case len(d.Pages) == 1:
		scope = "1 page"
	case d.Empty():
		scope = "no change"
	default:
		scope = fmt.Sprintf("%d pages", len(d.Pages))
	}
	line := fmt.Sprintf("rebuilt %s (%s) in %s", what, scope, d.Duration.Round(100*time.Microsecond))
	s.mu.RLock()
	n := len(s.problems)
	s.mu.RUnlock()
	switch n {
	case 0:
	case 1:
		line += "; 1 error"
	default:
		line += fmt.Sprintf("; %d errors", n)
	}
	fmt.Fprintln(s.opts.Stdout, line)
}

func (s *Server) printProblems() {
	for _, p := range s.currentProblems() {
		fmt.Fprintln(s.opts.Stdout, "  "+p.Text)
	}
}

// setProblems recomputes the current problems from the site and the last
// hard error and reports whether they changed.
func (s *Server) setProblems(hard error) bool {
	var ps []Problem
	if hard != nil {
		ps = append(ps, Problem{Message: hard.Error(), Text: hard.Error()})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.live.Errors() {
		ps = append(ps, Problem{File: e.Pos.File, Line: e.Pos.Line, Col: e.Pos.Col, Message: e.Err.Error(), Text: e.Error(),
			Source: sourceLine(s.opts.Build.Source, e.Pos.File, e.Pos.Line)})
	}
	same := len(ps) == len(s.problems)
	for i := 0; same && i < len(ps); i++ {
		same = ps[i] == s.problems[i]
	}
	s.problems = ps
	return !same
}

func (s *Server) currentProblems() []Problem {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Problem, len(s.problems))
	copy(out, s.problems)
	return out
}

// invalidate drops the rendered pages a delta changed. A page whose file
// has an error is dropped too: the writer sees what they just wrote, its
// broken links marked as `compass build --keep-going` marks them, under the
// overlay, never an older version that hides the problem. Callers hold
// s.mu.
func (s *Server) invalidate(d *build.Delta) {
	switch {
	case len(d.Stylesheets) > 0 || d.All:
		// Every page links the stylesheets by their hashed names.
		s.cache.dropAll()
	case len(d.Pages) > 0:
		for _, u := range d.Pages {
			s.cache.drop(strings.TrimPrefix(u, "/") + "index.html")
		}
		s.cache.drop("compass.json")
		s.cache.drop("404.html")
	}
	if d.Index {
		s.cache.drop("compass.json")
	}
}

// reloadEvent is the data of a "reload" event.
type reloadEvent struct {
	All   bool     `json:"all,omitempty"`
	Pages []string `json:"pages,omitempty"`
}

// ServeHTTP answers from memory: the live reload endpoints under
// /_compass/, the search index, then the site's files.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	p := path.Clean("/" + r.URL.Path)
	if strings.HasSuffix(r.URL.Path, "/") && p != "/" {
		p += "/"
	}
	switch p {
	case "/_compass/events":
		s.hub.serve(w, r, s.currentProblems())
		return
	case "/_compass/errors":
		writeJSON(w, s.currentProblems())
		return
	case "/_compass/livereload.js", "/_compass/livereload.css":
		b, _ := assets.ReadFile("assets/" + path.Base(p))
		w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(p)))
		w.Write(b)
		return
	}
	name := strings.TrimPrefix(p, "/")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	if strings.HasPrefix(name, "search/") && name != "search/index.html" {
		if b, ok := s.search.file(strings.TrimPrefix(name, "search/")); ok {
			serveBytes(w, r, name, b)
			return
		}
	}
	b, err := s.output(name)
	if errors.Is(err, errNotFound) && path.Ext(name) == "" {
		if _, err2 := s.output(name + "/index.html"); err2 == nil {
			http.Redirect(w, r, p+"/", http.StatusMovedPermanently)
			return
		}
	}
	status := http.StatusOK
	if errors.Is(err, errNotFound) {
		status = http.StatusNotFound
		name = "404.html"
		b, err = s.output(name)
	}
	if err != nil {
		// A template that fails on this page: show the message with the
		// live reload script, so the page recovers by itself once fixed.
		s.opts.Logger.Warn("render page", "path", p, "error", err)
		status = http.StatusInternalServerError
		name = "error.html"
		b = errorPage(err)
	}
	if path.Ext(name) == ".html" {
		b = inject(b)
	}
	w.Header().Set("Content-Type", contentType(name))
	w.WriteHeader(status)
	w.Write(b)
}

package handbook

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/compasshq/compass/build/search"
	"github.com/compasshq/compass/build/textpos"
)

// MaxMapBytes is the default limit on the size of compass.json. A 10,000-page
// handbook writes a few megabytes; the limit only guards against a runaway or
// wrong file exhausting memory.
const MaxMapBytes = 256 << 20

// PositionError is a problem at a place in compass.json, so that a broken map
// reads like a compiler error: "public/compass.json:12:3: …".
type PositionError struct {
	Line, Col int // 1-based
	Err       error
}

func (e *PositionError) Error() string { return fmt.Sprintf("%d:%d: %v", e.Line, e.Col, e.Err) }

func (e *PositionError) Unwrap() error { return e.Err }

// ReadMap decodes a handbook map and checks that it is the schema version this
// package understands, so that a bot never acts on a map it half-reads.
// Unknown fields are ignored: a newer build may add optional data within the
// same version.
func ReadMap(r io.Reader) (*Map, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read handbook map: %w", err)
	}
	return decodeMap(data)
}

func decodeMap(data []byte) (*Map, error) {
	// Check the version before the full decode: a future schema may change
	// types, and "unsupported version" is the useful message then.
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] != '{' {
		line, col := textpos.LineCol(data, int64(len(data)-len(t)))
		return nil, &PositionError{Line: line, Col: col, Err: errors.New("decode handbook map: not a JSON object")}
	}
	var probe struct {
		Version *json.RawMessage `json:"version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, jsonError(data, err)
	}
	if probe.Version == nil {
		return nil, fmt.Errorf("handbook map has no version (want %d): is this a compass.json?", Version)
	}
	var v int
	if err := json.Unmarshal(*probe.Version, &v); err != nil || v != Version {
		return nil, fmt.Errorf("handbook map version %s is not supported (this compass reads version %d; build the site and run the bot from the same release)",
			bytes.TrimSpace(*probe.Version), Version)
	}
	m := new(Map)
	if err := json.Unmarshal(data, m); err != nil {
		return nil, jsonError(data, err)
	}
	return m, nil
}

// jsonError attaches a line and column to a decoding error when it has an offset.
func jsonError(data []byte, err error) error {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 {
		return fmt.Errorf("decode handbook map: %w", err)
	}
	// Both offsets count the offending value's first byte as read.
	line, col := textpos.LineCol(data, off-1)
	return &PositionError{Line: line, Col: col, Err: fmt.Errorf("decode handbook map: %w", err)}
}

// SourceOptions tunes a Source. The zero value is usable.
type SourceOptions struct {
	// Interval is how often Run checks for a new map: default 2s for a file
	// (a stat call), 1m for a URL (a conditional GET).
	Interval time.Duration
	// Client fetches URLs; default a client with a 30s timeout.
	Client *http.Client
	// Logger receives reload warnings and notices; default slog.Default().
	Logger *slog.Logger
	// MaxBytes limits the size of compass.json; default MaxMapBytes.
	MaxBytes int64
}

// Source is a handbook map that follows its file or URL: the bot reads the
// current map from it while Run swaps in each new build's map, so a handbook
// deploy reaches the bot without a restart. A failed or invalid reload keeps
// the last good map.
type Source struct {
	location string
	url      *url.URL // nil for a local file
	opts     SourceOptions
	log      *slog.Logger

	cur atomic.Pointer[snapshot]

	mu       sync.Mutex  // serialises reloads and guards the fields below
	stat     os.FileInfo // file: the last stat seen, good content or bad
	etag     string      // URL: validators of the last body seen
	modified string
	sum      [sha256.Size]byte // hash of the last body seen
	haveSum  bool

	logMu   sync.Mutex // guards lastErr, so several Run loops stay race-free
	lastErr string     // the last reload error logged, to log each failure once

	indexRetry   bool   // the last index load failed for a reason other than absence
	lastIndexErr string // the last index error logged
}

// snapshot is one consistent view: a map and the search index of the same
// build.
type snapshot struct {
	m   *Map
	idx *search.Index // nil when the site has no search index
}

// emptyMap is what Map returns before the first load, so readers never see nil.
var emptyMap = &Map{Version: Version}

// NewSource returns a Source for location: a file path, a file:// URL, or an
// http(s) URL of compass.json. Nothing is read until Load or Run.
func NewSource(location string, opts SourceOptions) *Source {
	s := &Source{location: location, opts: opts}
	if u, err := url.Parse(location); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		s.url = u
	} else if err == nil && u.Scheme == "file" {
		s.location = filepath.FromSlash(u.Path)
	}
	if s.opts.Interval <= 0 {
		s.opts.Interval = 2 * time.Second
		if s.url != nil {
			s.opts.Interval = time.Minute
		}
	}
	if s.opts.Client == nil {
		s.opts.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if s.opts.MaxBytes <= 0 {
		s.opts.MaxBytes = MaxMapBytes
	}
	s.log = s.opts.Logger
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("handbook_map", s.location)
	return s
}

// Location is the file path or URL the map is read from.
func (s *Source) Location() string { return s.location }

// Map returns the current map. It is never nil: before the first successful
// load it is an empty map. The map is shared by every reader and must not be
// modified; a reload replaces it rather than changing it.
func (s *Source) Map() *Map {
	if snap := s.cur.Load(); snap != nil {
		return snap.m
	}
	return emptyMap
}

// Index returns the search index that was built with the current map, or nil
// when there is none (the site was built without one, or it has never
// loaded). Like the map, it is swapped, never changed, on reload.
func (s *Source) Index() *search.Index {
	if snap := s.cur.Load(); snap != nil {
		return snap.idx
	}
	return nil
}

// Loaded reports whether a map has been loaded, for readiness checks.
func (s *Source) Loaded() bool { return s.cur.Load() != nil }

// Load reads the map for the first time and returns why it could not, so
// that the caller can refuse to start on a wrong path. Calling it again
// behaves like Reload.
func (s *Source) Load(ctx context.Context) error {
	_, err := s.Reload(ctx)
	return err
}

// Reload reads the map if it has changed since the last read and swaps it in
// when it is valid. It reports whether the map was replaced. On error the
// previous map stays in place. Concurrent calls are serialised.
func (s *Source) Reload(ctx context.Context) (changed bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var data []byte
	if s.url != nil {
		data, err = s.fetchMap(ctx)
	} else {
		data, err = s.readFile()
	}
	if err != nil || data == nil {
		if s.indexRetry {
			if snap := s.cur.Load(); snap != nil {
				s.cur.Store(&snapshot{m: snap.m, idx: s.loadIndex(snap.idx)})
			}
		}
		return false, err
	}
	sum := sha256.Sum256(data)
	if s.haveSum && sum == s.sum && s.cur.Load() != nil {
		return false, nil // touched or re-deployed, same content
	}
	s.sum, s.haveSum = sum, true
	m, err := decodeMap(data)
	if err != nil {
		var pe *PositionError
		if errors.As(err, &pe) {
			return false, fmt.Errorf("%s:%w", s.location, err)
		}
		return false, fmt.Errorf("%s: %w", s.location, err)
	}
	var prev *search.Index
	if snap := s.cur.Load(); snap != nil {
		prev = snap.idx
	}
	s.cur.Store(&snapshot{m: m, idx: s.loadIndex(prev)})
	return true, nil
}

// IndexDir is the folder next to compass.json that holds the search index.
const IndexDir = "search"

// loadIndex loads the search index beside the map. An absent index gives nil
// (a site may be built without search); any other failure keeps prev, logs
// a warning once and retries on every later Reload until it succeeds, since a
// deploy may write search/ after compass.json.
func (s *Source) loadIndex(prev *search.Index) *search.Index {
	idx, err := search.LoadIndex(s.siblingFetcher(IndexDir))
	switch {
	case err == nil:
		if s.lastIndexErr != "" {
			s.log.Info("search index loaded")
		}
		s.indexRetry, s.lastIndexErr = false, ""
		return idx
	case errors.Is(err, fs.ErrNotExist):
		s.indexRetry, s.lastIndexErr = false, ""
		return nil
	default:
		if msg := err.Error(); msg != s.lastIndexErr {
			s.lastIndexErr = msg
			s.log.Warn("search index load failed; keeping the previous index", "error", err, "have_index", prev != nil)
		}
		s.indexRetry = true
		return prev
	}
}

// readFile returns the file's content, or nil when a map is loaded and the
// file's stat has not changed since the last read (same file, size and
// modification time).
func (s *Source) readFile() ([]byte, error) {
	fi, err := os.Stat(s.location)
	if err != nil {
		return nil, fmt.Errorf("load handbook map: %w", err)
	}
	if s.cur.Load() != nil && s.stat != nil && os.SameFile(fi, s.stat) && fi.Size() == s.stat.Size() && fi.ModTime().Equal(s.stat.ModTime()) {
		return nil, nil
	}
	f, err := os.Open(s.location)
	if err != nil {
		return nil, fmt.Errorf("load handbook map: %w", err)
	}
	defer f.Close()
	// Stat the open file: a rename between the two calls must not pair the
	// old file's stat with the new file's content.
	if fi, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("load handbook map: %w", err)
	}
	data, err := readLimited(f, s.opts.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("load handbook map %s: %w", s.location, err)
	}
	s.stat = fi
	return data, nil
}

// fetchMap GETs the map with the validators of the last response; it returns
// nil on 304 Not Modified.
func (s *Source) fetchMap(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("load handbook map: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if s.cur.Load() != nil {
		if s.etag != "" {
			req.Header.Set("If-None-Match", s.etag)
		}
		if s.modified != "" {
			req.Header.Set("If-Modified-Since", s.modified)
		}
	}
	resp, err := s.opts.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("load handbook map: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && s.cur.Load() != nil:
		return nil, nil
	case resp.StatusCode != http.StatusOK:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, fmt.Errorf("load handbook map %s: %s", s.url.Redacted(), resp.Status)
	}
	data, err := readLimited(resp.Body, s.opts.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("load handbook map %s: %w", s.url.Redacted(), err)
	}
	// Remember the validators even if the body turns out invalid: the server
	// then answers 304 until a new deploy, instead of the bot re-reading and
	// re-reporting the same broken map every interval.
	s.etag = resp.Header.Get("ETag")
	s.modified = resp.Header.Get("Last-Modified")
	return data, nil
}

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}

// Run checks for a new map every Interval until ctx is done, logging each
// failure once (and the recovery) rather than every interval. It also makes
// the first load if Load has not succeeded, so a bot started while the site
// is unreachable picks the map up when it appears.
func (s *Source) Run(ctx context.Context) {
	t := time.NewTicker(s.opts.Interval)
	defer t.Stop()
	for {
		s.reloadAndLog(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Source) reloadAndLog(ctx context.Context) {
	changed, err := s.Reload(ctx)
	if ctx.Err() != nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	switch {
	case err != nil:
		if msg := err.Error(); msg != s.lastErr {
			s.lastErr = msg
			s.log.Warn("handbook map reload failed; keeping the last good map", "error", err, "loaded", s.Loaded())
		}
	case changed:
		s.lastErr = ""
		m := s.Map()
		s.log.Info("handbook map loaded", "pages", len(m.Pages), "teams", len(m.Teams), "runbooks", len(m.Runbooks))
	case s.lastErr != "":
		s.lastErr = ""
		s.log.Info("handbook map reachable again; unchanged")
	}
}

// siblingFetcher returns a function that reads files under dir (IndexDir)
// next to compass.json, from disk or over HTTP like the map itself. Names are
// kept inside that folder: "..", absolute paths and URLs are refused.
func (s *Source) siblingFetcher(dir string) func(name string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		clean := path.Clean("/" + name)[1:]
		if name == "" || clean != name || strings.Contains(name, "\\") || strings.Contains(name, ":") {
			return nil, fmt.Errorf("fetch %s/%s: invalid name", dir, name)
		}
		if s.url == nil {
			p := filepath.Join(filepath.Dir(s.location), dir, filepath.FromSlash(name))
			f, err := os.Open(p)
			if err != nil {
				return nil, fmt.Errorf("fetch: %w", err)
			}
			defer f.Close()
			data, err := readLimited(f, s.opts.MaxBytes)
			if err != nil {
				return nil, fmt.Errorf("fetch %s: %w", p, err)
			}
			return data, nil
		}
		u := s.url.ResolveReference(&url.URL{Path: dir + "/" + name})
		resp, err := s.opts.Client.Get(u.String())
		if err != nil {
			return nil, fmt.Errorf("fetch: %w", err)
		}
		defer resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
		case http.StatusNotFound, http.StatusGone:
			return nil, fmt.Errorf("fetch %s: %s: %w", u.Redacted(), resp.Status, fs.ErrNotExist)
		default:
			return nil, fmt.Errorf("fetch %s: %s", u.Redacted(), resp.Status)
		}
		data, err := readLimited(resp.Body, s.opts.MaxBytes)
		if err != nil {
			return nil, fmt.Errorf("fetch %s: %w", u.Redacted(), err)
		}
		return data, nil
	}
}

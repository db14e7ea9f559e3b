package serve

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watcher turns fsnotify's events under a site root into batches of
// changed paths: one batch per burst of events, once the files have been
// quiet for the debounce period. Editors save in many ways (write in
// place; write a temporary file and rename it over the original; rename
// the original away and write a new one), so a batch names paths, not
// operations: whoever rebuilds looks at what is on disk now.
type watcher struct {
	root     string        // site root; reported paths are relative to it
	dirs     []string      // absolute folders watched recursively
	files    []string      // absolute single files watched through their folder
	debounce time.Duration // quiet period that ends a burst
	log      *slog.Logger
	fsw      *fsnotify.Watcher
}

// newWatcher watches dirs (recursively, those that exist) and files (by
// watching their folder and keeping only their events).
func newWatcher(root string, dirs, files []string, debounce time.Duration, log *slog.Logger) (*watcher, error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch files: %w", err)
	}
	w := &watcher{root: root, dirs: dirs, files: files, debounce: debounce, log: log, fsw: fsw}
	for _, d := range dirs {
		if _, err := w.addTree(d); err != nil {
			fsw.Close()
			return nil, err
		}
	}
	for _, f := range files {
		dir := filepath.Dir(f)
		if slices.Contains(fsw.WatchList(), dir) {
			continue
		}
		if err := fsw.Add(dir); err != nil {
			fsw.Close()
			return nil, fmt.Errorf("watch %s: %w", dir, err)
		}
	}
	return w, nil
}

// addTree watches dir and every folder below it, skipping hidden ones, and
// returns the files already there (a folder moved in or created with files
// before its watch was added).
func (w *watcher) addTree(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // gone already, or never there: nothing to watch
			}
			return err
		}
		if p != dir && ignored(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			files = append(files, p)
			return nil
		}
		if err := w.fsw.Add(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("watch %s: %w", p, err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", dir, err)
	}
	return files, nil
}

// ignored reports whether a file name is an editor's or the system's
// scratch file rather than part of the site: hidden files, backups
// ("x.md~"), swap and temporary files, and vim's "4913" probe.
func ignored(name string) bool {
	switch {
	case strings.HasPrefix(name, "."), strings.HasPrefix(name, "#"),
		strings.HasSuffix(name, "~"), name == "4913":
		return true
	}
	switch filepath.Ext(name) {
	case ".swp", ".swx", ".swo", ".tmp", ".crdownload":
		return true
	}
	return false
}

// interesting reports whether an absolute path is inside what is watched.
func (w *watcher) interesting(p string) bool {
	if slices.Contains(w.files, p) {
		return true
	}
	for _, d := range w.dirs {
		if p == d || strings.HasPrefix(p, d+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// rel makes an absolute path relative to the site root, with slashes.
func (w *watcher) rel(p string) string {
	if r, err := filepath.Rel(w.root, p); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(p)
}

// run sends a sorted batch of changed paths (relative to the root) on out
// after each burst, until ctx is done. It closes the fsnotify watcher when
// it returns.
func (w *watcher) run(ctx context.Context, out chan<- []string) {
	defer w.fsw.Close()
	pending := map[string]bool{}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			// An overflowing event queue loses events: rebuild everything.
			w.log.Warn("file watcher", "error", err)
			pending["*"] = true
			timer.Reset(w.debounce)
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if !w.note(ev, pending) {
				continue
			}
			timer.Reset(w.debounce)
		case <-timer.C:
			if len(pending) == 0 {
				continue
			}
			batch := make([]string, 0, len(pending))
			for p := range pending {
				batch = append(batch, p)
			}
			slices.Sort(batch)
			clear(pending)
			select {
			case out <- batch:
			case <-ctx.Done():
				return
			}
		}
	}
}

// note records one event in pending and reports whether it counts.
// Chmod-only events are dropped: the content did not change (editors and
// backup tools touch attributes all the time). A new folder is watched at
// once and every file already in it counts as changed.
func (w *watcher) note(ev fsnotify.Event, pending map[string]bool) bool {
	if ev.Op == fsnotify.Chmod || ignored(filepath.Base(ev.Name)) || !w.interesting(ev.Name) {
		return false
	}
	if ev.Has(fsnotify.Create) {
		if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
			files, err := w.addTree(ev.Name)
			if err != nil {
				w.log.Warn("file watcher", "error", err)
			}
			for _, f := range files {
				pending[w.rel(f)] = true
			}
		}
	}
	pending[w.rel(ev.Name)] = true
	return true
}

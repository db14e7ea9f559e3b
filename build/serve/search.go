package serve

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"

	"github.com/compasshq/compass/build/search"
)

// searchIndex is the site's search index, rebuilt in the background after
// edits: a browser reloads as soon as its page is ready and the index
// follows a moment later. The previous generation is kept too, so a
// browser that read the old manifest can still fetch its shards.
type searchIndex struct {
	log   *slog.Logger
	dirty chan struct{}

	mu        sync.RWMutex
	cur, prev map[string][]byte
	running   sync.Mutex // held while a rebuild runs
}

func newSearchIndex(log *slog.Logger) *searchIndex {
	return &searchIndex{log: log, dirty: make(chan struct{}, 1)}
}

// mark asks for a rebuild; several marks before it starts make one.
func (x *searchIndex) mark() {
	select {
	case x.dirty <- struct{}{}:
	default:
	}
}

// run rebuilds the index whenever it is marked, until ctx is done.
func (x *searchIndex) run(ctx context.Context, s *Server) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-x.dirty:
			x.rebuild(s)
		}
	}
}

// rebuild builds the index of the current site. The site is read under
// the server's read lock; the index itself is built outside it, so edits
// are not held up.
func (x *searchIndex) rebuild(s *Server) {
	x.running.Lock()
	defer x.running.Unlock()
	s.mu.RLock()
	docs := s.live.Site().SearchDocuments()
	s.mu.RUnlock()
	files, err := search.Build(docs)
	if err != nil {
		x.log.Warn("build search index", "error", err)
		return
	}
	x.mu.Lock()
	x.prev, x.cur = x.cur, files
	x.mu.Unlock()
	// Building the index takes several times the index's size in passing
	// (a few hundred MB at 10,000 pages). Left to the runtime, that stays
	// resident at its high-water mark and creeps up over a day of edits;
	// handing it back now keeps serve's memory at what it holds (issue
	// #17). One extra collection per rebuild, and rebuilds are coalesced.
	debug.FreeOSMemory()
}

// file returns one file of the index.
func (x *searchIndex) file(name string) ([]byte, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if b, ok := x.cur[name]; ok {
		return b, true
	}
	b, ok := x.prev[name]
	return b, ok
}

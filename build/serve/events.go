package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
)

// hub fans events out to the browsers connected to /_compass/events.
type hub struct {
	mu      sync.Mutex
	clients map[chan event]struct{}
}

// event is one Server-Sent Event: its name and JSON data.
type event struct {
	name string
	data []byte
}

func newHub() *hub { return &hub{clients: map[chan event]struct{}{}} }

// send delivers an event to every client. A client too slow to take it
// (its buffer full) misses it rather than holding up the rebuild; it is a
// browser tab that will catch up on its next event.
func (h *hub) send(name string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode %s event: %v", name, err)) // our own types always encode
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		select {
		case c <- event{name, data}:
		default:
		}
	}
}

// serve streams events to one client until it goes away or the server
// stops. It first sends the current errors, so a page that just reloaded
// shows the overlay straight away.
func (h *hub) serve(w http.ResponseWriter, r *http.Request, problems []Problem) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	c := make(chan event, 16)
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.clients, c)
		h.mu.Unlock()
	}()
	if problems == nil {
		problems = []Problem{}
	}
	first, _ := json.Marshal(problems)
	write := func(e event) bool {
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.name, e.data); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if _, err := fmt.Fprint(w, "retry: 1000\n\n"); err != nil {
		return
	}
	if !write(event{"errors", first}) {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case e := <-c:
			if !write(e) {
				return
			}
		}
	}
}

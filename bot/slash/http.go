package slash

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
)

// Body size limits. A slash command is a small form; an interaction payload
// carries the message it came from, which can be large.
const (
	MaxCommandBytes     = 64 << 10
	MaxInteractionBytes = 1 << 20
)

// readSigned reads a size-limited body and verifies its signature; on
// failure it has answered the request and returns nil.
func (h *Handler) readSigned(w http.ResponseWriter, r *http.Request, v Verifier, limit int64) url.Values {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return nil
		}
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return nil
	}
	if err := v.Verify(r.Header, body); err != nil {
		h.log.Warn("slack request refused", "path", r.URL.Path, "error", err, "remote", r.RemoteAddr)
		status := http.StatusUnauthorized
		if errors.Is(err, ErrNoSecret) {
			status = http.StatusServiceUnavailable
		}
		http.Error(w, "invalid slack signature", status)
		return nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "malformed form body: "+err.Error(), http.StatusBadRequest)
		return nil
	}
	return form
}

// CommandsHandler serves POST /slack/commands: signature checked, then the
// answer inline or, when slow, an acknowledgement with the answer following
// through response_url.
func (h *Handler) CommandsHandler(v Verifier) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		form := h.readSigned(w, r, v, MaxCommandBytes)
		if form == nil {
			return
		}
		c, err := CommandFromForm(form)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, h.ServeCommand(r.Context(), c))
	})
}

// InteractionsHandler serves POST /slack/interactions: signature checked,
// the payload decoded, an empty 200 at once, the work in the background.
func (h *Handler) InteractionsHandler(v Verifier) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		form := h.readSigned(w, r, v, MaxInteractionBytes)
		if form == nil {
			return
		}
		in, err := ParseInteraction([]byte(form.Get("payload")))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.ServeInteraction(r.Context(), in)
		w.WriteHeader(http.StatusOK)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(data)
}

// SocketCommand is the Socket Mode adapter: a command given as Slack's form
// fields, answered as ServeCommand answers HTTP, as the ack's JSON.
func (h *Handler) SocketCommand(ctx context.Context, form url.Values) (json.RawMessage, error) {
	c, err := CommandFromForm(form)
	if err != nil {
		return nil, err
	}
	return json.Marshal(h.ServeCommand(ctx, c))
}

// SocketInteraction is the Socket Mode adapter for clicks: payload is the
// interaction JSON.
func (h *Handler) SocketInteraction(ctx context.Context, payload []byte) error {
	in, err := ParseInteraction(payload)
	if err != nil {
		return err
	}
	h.ServeInteraction(ctx, in)
	return nil
}

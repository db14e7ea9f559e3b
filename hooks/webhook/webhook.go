// Package webhook holds what every alert-source adapter shares at the HTTP
// edge: method check, authentication, Content-Type check, body size limit,
// JSON decoding with readable errors, mapping the bot's answer onto the
// status codes senders act on (503 for overload, never 429, because
// Alertmanager treats 429 as final), and reporting each request's outcome
// for the metrics.
package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/compasshq/compass/bot"
)

// DefaultMaxBytes is the body limit when an adapter's Options leave it zero:
// a large Alertmanager group of a few hundred alerts fits comfortably.
const DefaultMaxBytes int64 = 1 << 20

// DefaultRetryAfter is what a 503 tells the sender to wait when the bot is
// overloaded.
const DefaultRetryAfter = 5 * time.Second

// Error is a rejection with the HTTP status to answer and a reason that is
// safe to show the sender. Adapters return it from their Authenticate, Verify
// and Decode functions; any other error from Decode is treated as a 400.
type Error struct {
	Status int    // HTTP status code
	Reason string // one line for the response body and the log
	Err    error  // cause, for errors.Is/As; not sent to the client
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Reason, e.Err)
	}
	return e.Reason
}

func (e *Error) Unwrap() error { return e.Err }

// Unauthorized is a 401: the request carried no credentials at all.
func Unauthorized(reason string) *Error {
	return &Error{Status: http.StatusUnauthorized, Reason: reason}
}

// Forbidden is a 403: credentials were present but wrong, or the endpoint has
// none configured and refuses everything.
func Forbidden(reason string) *Error {
	return &Error{Status: http.StatusForbidden, Reason: reason}
}

// BadRequest is a 400 for a payload the adapter cannot use.
func BadRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Reason: fmt.Sprintf(format, args...)}
}

// Handler is the common front of an adapter. Requests pass, in order: method
// (405), Authenticate on the headers (401/403, before the body is read),
// Content-Type (415: every source sends JSON), the body limit (413), Verify
// on the raw body (401/403, for signatures), UTF-8 (400), Decode (400), then
// Sink.Accept (503 on bot.ErrOverloaded, 500 otherwise). Nothing reaches the
// sink unless every check passed. When the Sink is also an Observer it is
// told the outcome of every request.
type Handler struct {
	Source       string                                                                  // "alertmanager", … for logs
	MaxBytes     int64                                                                   // body limit; DefaultMaxBytes when ≤ 0
	Authenticate func(r *http.Request) error                                             // header credentials; nil skips
	Verify       func(r *http.Request, body []byte) error                                // body signatures; nil skips
	Decode       func(r *http.Request, body []byte, now time.Time) (bot.Delivery, error) // required
	Sink         bot.Sink                                                                // required
	Log          *slog.Logger                                                            // nil discards
	Now          func() time.Time                                                        // nil is time.Now
	RetryAfter   time.Duration                                                           // DefaultRetryAfter when ≤ 0
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := h.logger().With("source", h.Source, "remote_addr", r.RemoteAddr)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(w, log, &Error{Status: http.StatusMethodNotAllowed, Reason: "method " + r.Method + " not allowed; use POST"})
		return
	}
	if h.Authenticate != nil {
		if err := h.Authenticate(r); err != nil {
			h.reject(w, log, err)
			return
		}
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		w.Header().Set("Accept-Post", "application/json")
		h.reject(w, log, err)
		return
	}
	body, err := h.readBody(w, r)
	if err != nil {
		h.reject(w, log, err)
		return
	}
	if h.Verify != nil {
		if err := h.Verify(r, body); err != nil {
			h.reject(w, log, err)
			return
		}
	}
	if !utf8.Valid(body) {
		h.reject(w, log, BadRequest("body is not valid UTF-8"))
		return
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	d, err := h.Decode(r, body, now().UTC())
	if err != nil {
		var we *Error
		if !errors.As(err, &we) {
			we = &Error{Status: http.StatusBadRequest, Reason: err.Error(), Err: err}
		}
		h.reject(w, log, we)
		return
	}
	log = log.With("delivery_id", d.ID, "content_key", d.ContentKey, "incident_key", incidentKeys(d))
	// The bot notes duplicates on the request's receipt (the server's, for
	// its log line, or our own when served without one).
	ctx, rc := r.Context(), bot.ReceiptFrom(r.Context())
	if rc == nil {
		ctx, rc = bot.WithReceipt(ctx)
	}
	dups := rc.Duplicates()
	if err := h.Sink.Accept(ctx, d); err != nil {
		h.refuse(w, r, log, err)
		return
	}
	if rc.Duplicates() > dups {
		h.observe(OutcomeDuplicate, "")
	} else {
		h.observe(OutcomeAccepted, "")
	}
	log.Info("webhook accepted", "events", len(d.Events))
	writeJSON(w, http.StatusOK, map[string]any{"status": "accepted", "events": len(d.Events)})
}

// refuse answers a delivery the bot did not accept: overloaded (retry
// after a while), abandoned by the client, or failed.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	switch {
	case errors.Is(err, bot.ErrOverloaded):
		ra := h.RetryAfter
		if ra <= 0 {
			ra = DefaultRetryAfter
		}
		w.Header().Set("Retry-After", strconv.Itoa(int((ra+time.Second-1)/time.Second)))
		log.Warn("webhook deferred: bot overloaded", "retry_after", ra.String())
		h.observe(OutcomeRefused, ReasonOverloaded)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "overloaded; retry later"})
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		log.Info("webhook abandoned: client went away", "error", err)
		h.observe(OutcomeRefused, ReasonCancelled)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "request cancelled"})
	default:
		log.Error("webhook not accepted", "error", err)
		h.observe(OutcomeRefused, ReasonError)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error; retry later"})
	}
}

// readBody reads at most MaxBytes, answering 413 beyond it. A Content-Length
// over the limit is refused before anything is read.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	limit := h.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	tooLarge := &Error{Status: http.StatusRequestEntityTooLarge, Reason: fmt.Sprintf("body exceeds %d bytes", limit)}
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	body, err := readAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge
		}
		return nil, &Error{Status: http.StatusBadRequest, Reason: "read body", Err: err}
	}
	return body, nil
}

func (h *Handler) reject(w http.ResponseWriter, log *slog.Logger, err error) {
	var we *Error
	if !errors.As(err, &we) {
		we = &Error{Status: http.StatusInternalServerError, Reason: "internal error", Err: err}
	}
	switch we.Status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="compass"`)
	}
	h.observe(OutcomeRefused, statusReason(we.Status))
	lvl := slog.LevelInfo
	if we.Status >= 500 {
		lvl = slog.LevelError
	}
	log.Log(context.Background(), lvl, "webhook rejected", "status", we.Status, "reason", we.Error())
	writeJSON(w, we.Status, map[string]string{"error": we.Reason})
}

func (h *Handler) logger() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.New(slog.DiscardHandler)
}

func incidentKeys(d bot.Delivery) string {
	seen := make(map[string]bool, len(d.Events))
	var keys []string
	for _, e := range d.Events {
		if !seen[e.Key] {
			seen[e.Key] = true
			keys = append(keys, e.Key)
		}
	}
	return strings.Join(keys, ",")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

package webhook

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// Observer is told what became of each webhook request, for metrics. A Sink
// that also implements Observer (bot/metrics wraps the bot so) hears about
// every request a Handler answers, refusals before the sink included.
type Observer interface {
	// Webhook counts one request from source: outcome is one of the
	// Outcome constants; reason, for OutcomeRefused only, one of the
	// Reason constants or "status_NNN".
	Webhook(source, outcome, reason string)
}

// Webhook outcomes.
const (
	OutcomeAccepted  = "accepted"  // committed to the store
	OutcomeDuplicate = "duplicate" // already seen; answered 200, nothing changed
	OutcomeRefused   = "refused"   // answered 4xx or 5xx; see the reason
)

// Reasons for OutcomeRefused: a small fixed set, so they can be metric
// labels.
const (
	ReasonMethod          = "method"          // 405
	ReasonUnauthenticated = "unauthenticated" // 401: no credentials, or a signature missing
	ReasonForbidden       = "forbidden"       // 403: wrong credentials or signature
	ReasonContentType     = "content_type"    // 415
	ReasonTooLarge        = "too_large"       // 413
	ReasonBadRequest      = "bad_request"     // 400: not UTF-8, not decodable
	ReasonOverloaded      = "overloaded"      // 503: the bot asked the sender to retry
	ReasonCancelled       = "cancelled"       // the sender went away before the commit
	ReasonError           = "error"           // 500: the store failed
)

var statusReasons = map[int]string{
	http.StatusMethodNotAllowed:      ReasonMethod,
	http.StatusUnauthorized:          ReasonUnauthenticated,
	http.StatusForbidden:             ReasonForbidden,
	http.StatusUnsupportedMediaType:  ReasonContentType,
	http.StatusRequestEntityTooLarge: ReasonTooLarge,
	http.StatusBadRequest:            ReasonBadRequest,
	http.StatusServiceUnavailable:    ReasonOverloaded,
	http.StatusInternalServerError:   ReasonError,
}

// statusReason names the refusal a status code stands for.
func statusReason(status int) string {
	if r, ok := statusReasons[status]; ok {
		return r
	}
	return "status_" + strconv.Itoa(status)
}

func (h *Handler) observe(outcome, reason string) {
	if o, ok := h.Sink.(Observer); ok {
		o.Webhook(h.Source, outcome, reason)
	}
}

// checkContentType accepts a JSON media type (application/json or
// application/*+json) in UTF-8, the only thing any source sends: a form or
// text body is a misconfigured sender, told so with a 415 and the reason.
func checkContentType(ct string) error {
	unsupported := func(format string, args ...any) error {
		return &Error{Status: http.StatusUnsupportedMediaType, Reason: fmt.Sprintf(format, args...)}
	}
	if ct == "" {
		return unsupported("Content-Type is missing; send application/json")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return unsupported("Content-Type %q cannot be parsed (%v); send application/json", ct, err)
	}
	if mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return unsupported("Content-Type %s is not JSON; send application/json", mt)
	}
	if cs := params["charset"]; cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return unsupported("charset %s is not supported; send UTF-8", cs)
	}
	return nil
}

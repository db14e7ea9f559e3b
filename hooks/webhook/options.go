package webhook

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/compasshq/compass/bot"
)

// Options configure an adapter's handler. Every adapter takes them as its
// Options and reads the fields its sender uses: shared-secret credentials
// (Alertmanager, Grafana, Opsgenie) or signing secrets (PagerDuty).
type Options struct {
	Token    string // accepted as "Authorization: Bearer <Token>", or verbatim in Header
	Header   string // optional custom header carrying Token (Opsgenie's custom headers)
	Username string // basic auth user; both Username and Password must match
	Password string // basic auth password
	// Secrets are signing secrets (PagerDuty); several during rotation, any
	// one may match.
	Secrets  []string
	BaseURL  string // the sender's UI, for links to the alert (Opsgenie); "" leaves Event.URL empty
	MaxBytes int64  // body limit; DefaultMaxBytes when zero
	Insecure bool   // accept unauthenticated requests when no credentials are set; local testing only
}

// Auth is o's shared-secret authentication.
func (o Options) Auth() Auth {
	return Auth{Token: o.Token, Header: o.Header, Username: o.Username, Password: o.Password, Insecure: o.Insecure}
}

// DecodeFunc turns one authenticated request body into a Delivery.
type DecodeFunc = func(r *http.Request, body []byte, now time.Time) (bot.Delivery, error)

// Body is a DecodeFunc for decoders that need only the body and the
// receipt time.
func Body(decode func(body []byte, now time.Time) (bot.Delivery, error)) DecodeFunc {
	return func(_ *http.Request, body []byte, now time.Time) (bot.Delivery, error) { return decode(body, now) }
}

// New returns the handler of an adapter whose sender authenticates with a
// shared secret: o's credentials, then decode, then sink. Without
// credentials (and without Insecure) it refuses every request with 403.
func New(source string, o Options, decode DecodeFunc, sink bot.Sink, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{
		Source:       source,
		MaxBytes:     o.MaxBytes,
		Authenticate: o.Auth().Authenticate(source, log),
		Decode:       decode,
		Sink:         sink,
		Log:          log,
	}
}

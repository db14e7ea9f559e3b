package webhook

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
)

// Auth is shared-secret authentication for senders that don't sign
// requests: a bearer token (Alertmanager's http_config.authorization), HTTP
// basic auth (http_config.basic_auth, Grafana's webhook user and password), or
// the token in a custom header (Opsgenie's outgoing webhook custom headers).
type Auth struct {
	Token    string // accepted as "Authorization: Bearer <Token>" or in Header
	Username string // basic auth; both Username and Password must match
	Password string
	Header   string // optional header name that carries Token verbatim
	Insecure bool   // accept unauthenticated requests when nothing is configured; local testing only
}

// Authenticate returns a.Check for Handler.Authenticate, warning once on log
// when no credential is set (and not Insecure): every request will then be
// refused, which an operator should hear about at start-up, not per request.
func (a Auth) Authenticate(source string, log *slog.Logger) func(*http.Request) error {
	if !a.Configured() && !a.Insecure && log != nil {
		log.Warn(source+" webhook has no token or basic auth configured; every request will be refused", "source", source)
	}
	return a.Check
}

// Configured reports whether any credential is set.
func (a Auth) Configured() bool {
	return a.Token != "" || a.Username != "" || a.Password != ""
}

// Check authenticates r. With nothing configured it refuses everything (403)
// unless Insecure is set, so a forgotten secret fails closed. No credentials
// at all is 401; credentials that don't match are 403.
func (a Auth) Check(r *http.Request) error {
	if !a.Configured() {
		if a.Insecure {
			return nil
		}
		return Forbidden("authentication is not configured for this endpoint; refusing unauthenticated webhooks")
	}
	presented := false
	if a.Header != "" && a.Token != "" {
		if v := r.Header.Get(a.Header); v != "" {
			presented = true
			if Equal(v, a.Token) {
				return nil
			}
		}
	}
	if h := r.Header.Get("Authorization"); h != "" {
		presented = true
		scheme, cred, _ := strings.Cut(h, " ")
		cred = strings.TrimSpace(cred)
		switch {
		case strings.EqualFold(scheme, "Bearer") && a.Token != "":
			if Equal(cred, a.Token) {
				return nil
			}
		case strings.EqualFold(scheme, "Basic") && (a.Username != "" || a.Password != ""):
			if u, p, ok := r.BasicAuth(); ok {
				// Evaluate both so timing doesn't tell which half was wrong.
				uok := Equal(u, a.Username)
				pok := Equal(p, a.Password)
				if uok && pok {
					return nil
				}
			}
		}
	}
	if !presented {
		return Unauthorized("missing credentials")
	}
	return Forbidden("invalid credentials")
}

// Equal compares two secrets in constant time, independent of their lengths
// (both are hashed first).
func Equal(a, b string) bool {
	ha := sha256.Sum256([]byte(a))
	hb := sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

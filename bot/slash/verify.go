package slash

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Slack's request-signing headers.
const (
	HeaderSignature = "X-Slack-Signature"
	HeaderTimestamp = "X-Slack-Request-Timestamp"
)

// DefaultMaxAge is how far a request's timestamp may be from now, either way,
// before it is refused as a possible replay. Slack recommends five minutes.
const DefaultMaxAge = 5 * time.Minute

// Signature errors. The HTTP layer answers all of them 401; they differ only
// in the log line, so that an operator can tell a wrong secret from a skewed
// clock.
var (
	ErrNoSecret         = errors.New("slack signing secret is not configured")
	ErrMissingSignature = errors.New("missing X-Slack-Signature or X-Slack-Request-Timestamp")
	ErrBadTimestamp     = errors.New("malformed X-Slack-Request-Timestamp")
	ErrStale            = errors.New("request timestamp too far from now (stale or replayed)")
	ErrBadSignature     = errors.New("signature does not match")
)

// Verifier checks Slack's v0 request signatures: HMAC-SHA256 over
// "v0:{timestamp}:{raw body}" keyed with the app's signing secret. Checking
// the timestamp too is what stops a captured request from being replayed
// later, since the signature covers it.
type Verifier struct {
	// Secrets are the signing secrets accepted; more than one while a
	// regenerated secret rolls out. Empty means every request is refused.
	Secrets []string
	MaxAge  time.Duration    // default DefaultMaxAge
	Now     func() time.Time // default time.Now
}

// Sign returns the X-Slack-Signature value Slack would send for body at ts.
// Tests and fakes use it to build requests the way Slack does.
func Sign(secret string, ts time.Time, body []byte) string {
	return "v0=" + hex.EncodeToString(mac(secret, strconv.FormatInt(ts.Unix(), 10), body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:"))
	m.Write([]byte(ts))
	m.Write([]byte(":"))
	m.Write(body)
	return m.Sum(nil)
}

// Verify reports whether h carries a valid, fresh signature for body.
func (v Verifier) Verify(h http.Header, body []byte) error {
	if len(v.Secrets) == 0 {
		return ErrNoSecret
	}
	sig, tsText := h.Get(HeaderSignature), h.Get(HeaderTimestamp)
	if sig == "" || tsText == "" {
		return ErrMissingSignature
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(tsText), 10, 64)
	if err != nil || ts <= 0 {
		return ErrBadTimestamp
	}
	maxAge := v.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	if d := now().Sub(time.Unix(ts, 0)); d > maxAge || d < -maxAge {
		return fmt.Errorf("%w: timestamp %d is %v off", ErrStale, ts, d.Round(time.Second))
	}
	hexSig, ok := strings.CutPrefix(sig, "v0=")
	if !ok {
		return fmt.Errorf("%w: unknown signature version", ErrBadSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: not a hex SHA-256", ErrBadSignature)
	}
	// hmac.Equal compares in constant time; every secret is tried, so the
	// timing does not tell which one matched.
	// The MAC covers the timestamp exactly as sent.
	valid := false
	for _, s := range v.Secrets {
		if s != "" && hmac.Equal(got, mac(s, tsText, body)) {
			valid = true
		}
	}
	if !valid {
		return ErrBadSignature
	}
	return nil
}

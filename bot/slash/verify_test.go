package slash

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	now := time.Unix(1531420618, 0)
	body := []byte("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fcompass&text=oncall")
	ts := strconv.FormatInt(now.Unix(), 10)
	headers := func(sig, ts string) http.Header {
		h := http.Header{}
		if sig != "" {
			h.Set(HeaderSignature, sig)
		}
		if ts != "" {
			h.Set(HeaderTimestamp, ts)
		}
		return h
	}
	good := Sign(secret, now, body)
	tests := []struct {
		name    string
		secrets []string
		h       http.Header
		body    []byte
		now     time.Time
		want    error
	}{
		{"valid", []string{secret}, headers(good, ts), body, now, nil},
		{"valid, second secret during rotation", []string{"old", secret}, headers(good, ts), body, now, nil},
		{"valid, 4m old", []string{secret}, headers(good, ts), body, now.Add(4 * time.Minute), nil},
		{"wrong secret", []string{"other"}, headers(good, ts), body, now, ErrBadSignature},
		{"no secret configured", nil, headers(good, ts), body, now, ErrNoSecret},
		{"missing signature", []string{secret}, headers("", ts), body, now, ErrMissingSignature},
		{"missing timestamp", []string{secret}, headers(good, ""), body, now, ErrMissingSignature},
		{"stale", []string{secret}, headers(good, ts), body, now.Add(5*time.Minute + time.Second), ErrStale},
		{"from the future", []string{secret}, headers(good, ts), body, now.Add(-6 * time.Minute), ErrStale},
		{"replayed with altered body", []string{secret}, headers(good, ts), []byte("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fcompass&text=incidents"), now, ErrBadSignature},
		{"replayed with a new timestamp", []string{secret}, headers(good, strconv.FormatInt(now.Unix()+60, 10)), body, now, ErrBadSignature},
		{"malformed timestamp", []string{secret}, headers(good, "yesterday"), body, now, ErrBadTimestamp},
		{"not hex", []string{secret}, headers("v0=zz", ts), body, now, ErrBadSignature},
		{"other version", []string{secret}, headers("v1="+good[3:], ts), body, now, ErrBadSignature},
		{"truncated", []string{secret}, headers(good[:len(good)-2], ts), body, now, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Verifier{Secrets: tt.secrets, Now: func() time.Time { return tt.now }}
			err := v.Verify(tt.h, tt.body)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestSignKnownAnswer pins Sign to Slack's documented example, so that the
// tests' signer is not merely consistent with the verifier.
func TestSignKnownAnswer(t *testing.T) {
	body := []byte("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
	got := Sign("8f742231b10e8888abcd99yyyzzz85a5", time.Unix(1531420618, 0), body)
	const want = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

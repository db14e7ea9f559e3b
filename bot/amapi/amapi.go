// Package amapi is a small client for Prometheus Alertmanager's API v2: it
// creates and expires silences when someone clicks a button on an
// incident's Slack thread, and lists the alerts a silence covers. It tries
// the replicas of an HA Alertmanager in turn, so that one replica down does
// not stop a silence. It is separate from hooks/alertmanager, which
// receives Alertmanager's webhooks.
package amapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Options configure a Client.
type Options struct {
	// URLs are the Alertmanager replicas' base URLs (http://am-0:9093),
	// tried in order; at least one.
	URLs []string
	// Bearer token, or Username and Password for basic auth, sent to every
	// replica; all empty sends no credentials.
	Token    string
	Username string
	Password string
	// Timeout bounds each request to one replica; default 5s. The whole
	// call may take len(URLs) times as long.
	Timeout    time.Duration
	HTTPClient *http.Client // default http.DefaultClient (Timeout bounds each request)
}

// Client talks to Alertmanager's API v2.
type Client struct {
	opt  Options
	urls []*url.URL
}

// New returns a Client, or an error naming each URL that cannot work.
func New(opt Options) (*Client, error) {
	if len(opt.URLs) == 0 {
		return nil, errors.New("alertmanager api: no URL")
	}
	var errs []error
	var urls []*url.URL
	for _, s := range opt.URLs {
		u, err := url.Parse(strings.TrimRight(strings.TrimSpace(s), "/"))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("alertmanager api: %q is not an http(s) URL", s))
			continue
		}
		urls = append(urls, u)
	}
	if opt.Token != "" && (opt.Username != "" || opt.Password != "") {
		errs = append(errs, errors.New("alertmanager api: give a bearer token or basic auth, not both"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 5 * time.Second
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = http.DefaultClient
	}
	return &Client{opt: opt, urls: urls}, nil
}

// Matcher is one label matcher of a silence or an alert filter.
type Matcher struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	IsRegex bool   `json:"isRegex"`
	IsEqual bool   `json:"isEqual"`
}

// Equal is the matcher name="value".
func Equal(name, value string) Matcher {
	return Matcher{Name: name, Value: value, IsEqual: true}
}

// String is the matcher in Alertmanager's filter syntax: name="value",
// name!~"regex".
func (m Matcher) String() string {
	op := "="
	switch {
	case m.IsRegex && m.IsEqual:
		op = "=~"
	case m.IsRegex:
		op = "!~"
	case !m.IsEqual:
		op = "!="
	}
	return m.Name + op + quote(m.Value)
}

// quote writes a matcher value as Alertmanager's parser reads it: in
// double quotes, with backslash, quote and newline escaped.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// Silence is a silence as Alertmanager keeps it.
type Silence struct {
	ID        string    `json:"id,omitempty"`
	Matchers  []Matcher `json:"matchers"`
	StartsAt  time.Time `json:"startsAt"`
	EndsAt    time.Time `json:"endsAt"`
	CreatedBy string    `json:"createdBy"`
	Comment   string    `json:"comment"`
	// State is "active", "pending" or "expired" (read only).
	State string `json:"-"`
}

// Silence states.
const (
	StateActive  = "active"
	StatePending = "pending"
	StateExpired = "expired"
)

// Alert is an alert as the API lists it: what a silence check needs.
type Alert struct {
	Fingerprint string            `json:"fingerprint"`
	Labels      map[string]string `json:"labels"`
	State       string            `json:"-"` // "active", "suppressed" or "unprocessed"
	SilencedBy  []string          `json:"-"` // ids of the silences muting it
}

// Errors the calls return (wrapped, with every replica's answer).
var (
	// ErrNotFound: no replica knows the silence.
	ErrNotFound = errors.New("alertmanager: no such silence")
	// ErrExpired: the silence was already expired.
	ErrExpired = errors.New("alertmanager: silence already expired")
)

// Error is one replica's failure to answer a request.
type Error struct {
	URL    string // the replica's base URL
	Op     string // "create silence", "expire silence", …
	Status int    // HTTP status; 0 when no answer came (Err says why)
	Body   string // the start of Alertmanager's answer
	Err    error  // a network error or timeout, or ErrNotFound / ErrExpired
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s at %s: ", e.Op, e.URL)
	switch {
	case e.Status == 0:
		fmt.Fprintf(&b, "no answer: %v", e.Err)
	default:
		fmt.Fprintf(&b, "HTTP %d", e.Status)
		if e.Body != "" {
			b.WriteString(": " + e.Body)
		}
		if hint := hints[e.Status]; hint != "" {
			b.WriteString(" (" + hint + ")")
		}
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// hints say what an operator can do about an HTTP status.
var hints = map[int]string{
	http.StatusUnauthorized: "check the Alertmanager API credentials (bot.alertmanager)",
	http.StatusForbidden:    "the credentials may not change silences",
	http.StatusBadRequest:   "Alertmanager refused the request as invalid",
}

// final reports whether another replica would answer the same: a refused
// request (400) or a definite answer about the silence. Anything else (no
// answer, 5xx, a proxy's 401/403/404 in front of one replica) tries the next.
func (e *Error) final() bool {
	return e.Status == http.StatusBadRequest || errors.Is(e.Err, ErrExpired)
}

// do sends one request to each replica in turn until one answers 2xx or
// a final error, and decodes the answer into out (if not nil). notFound
// says what a 404 means for this call (nil: nothing special). The error
// joins every replica's failure.
func (c *Client) do(ctx context.Context, op, method, path string, query url.Values, body, out any, notFound error) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("%s: encode: %w", op, err)
		}
	}
	var errs []error
	for _, base := range c.urls {
		err := c.once(ctx, base, op, method, path, query, payload, out, notFound)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
		var e *Error
		if errors.As(err, &e) && e.final() || ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return fmt.Errorf("every Alertmanager failed: %w", errors.Join(errs...))
}

// once is one request to one replica, within Timeout.
func (c *Client) once(ctx context.Context, base *url.URL, op, method, path string, query url.Values, payload []byte, out any, notFound error) error {
	ctx, cancel := context.WithTimeout(ctx, c.opt.Timeout)
	defer cancel()
	u := *base
	u.Path += "/api/v2" + path
	u.RawQuery = query.Encode()
	fail := &Error{URL: base.String(), Op: op}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		fail.Err = err
		return fail
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case c.opt.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.opt.Token)
	case c.opt.Username != "" || c.opt.Password != "":
		req.SetBasicAuth(c.opt.Username, c.opt.Password)
	}
	resp, err := c.opt.HTTPClient.Do(req)
	if err != nil {
		fail.Err = err
		return fail
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		fail.Status, fail.Err = resp.StatusCode, fmt.Errorf("read answer: %w", err)
		return fail
	}
	if resp.StatusCode/100 != 2 {
		fail.Status, fail.Body = resp.StatusCode, answerText(data)
		switch {
		case resp.StatusCode == http.StatusNotFound && notFound != nil:
			fail.Err = notFound
		case strings.Contains(fail.Body, "already expired"):
			// Alertmanager answers 500 to expiring an expired silence.
			fail.Err = ErrExpired
		}
		return fail
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			fail.Status, fail.Err = resp.StatusCode, fmt.Errorf("decode answer: %w", err)
			fail.Body = answerText(data)
			return fail
		}
	}
	return nil
}

// answerText is the start of an error answer, one line: Alertmanager
// answers errors as a JSON string or plain text.
func answerText(data []byte) string {
	var s string
	if json.Unmarshal(data, &s) != nil {
		s = string(data)
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// CreateSilence creates s (its ID must be empty) and returns its id.
func (c *Client) CreateSilence(ctx context.Context, s Silence) (string, error) {
	if s.ID != "" {
		return "", errors.New("create silence: the silence has an id already")
	}
	if len(s.Matchers) == 0 {
		return "", errors.New("create silence: no matchers")
	}
	if !s.EndsAt.After(s.StartsAt) {
		return "", fmt.Errorf("create silence: ends at %s, not after its start %s", s.EndsAt, s.StartsAt)
	}
	var out struct {
		SilenceID string `json:"silenceID"`
	}
	if err := c.do(ctx, "create silence", http.MethodPost, "/silences", nil, s, &out, nil); err != nil {
		return "", err
	}
	if out.SilenceID == "" {
		return "", errors.New("create silence: Alertmanager answered without a silence id")
	}
	return out.SilenceID, nil
}

// silenceID is the shape of Alertmanager's silence ids (UUIDs); anything
// else is refused before it reaches a URL path.
var silenceID = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// ExpireSilence expires silence id. It returns an error wrapping
// ErrExpired when the silence had expired already and ErrNotFound when no
// replica knows it: either way it mutes nothing.
func (c *Client) ExpireSilence(ctx context.Context, id string) error {
	if !silenceID.MatchString(id) {
		return fmt.Errorf("expire silence: %q is not a silence id", id)
	}
	return c.do(ctx, "expire silence", http.MethodDelete, "/silence/"+id, nil, nil, nil, ErrNotFound)
}

// gettableSilence is the API's silence with its status.
type gettableSilence struct {
	Silence
	ID     string `json:"id"`
	Status struct {
		State string `json:"state"`
	} `json:"status"`
}

// GetSilence returns silence id, or an error wrapping ErrNotFound.
func (c *Client) GetSilence(ctx context.Context, id string) (Silence, error) {
	if !silenceID.MatchString(id) {
		return Silence{}, fmt.Errorf("get silence: %q is not a silence id", id)
	}
	var g gettableSilence
	if err := c.do(ctx, "get silence", http.MethodGet, "/silence/"+id, nil, nil, &g, ErrNotFound); err != nil {
		return Silence{}, err
	}
	s := g.Silence
	s.ID, s.State = g.ID, g.Status.State
	return s, nil
}

// Alerts lists the alerts matching every matcher that Alertmanager holds as
// firing, silenced, inhibited or not yet processed: the alerts that are
// not resolved.
func (c *Client) Alerts(ctx context.Context, matchers []Matcher) ([]Alert, error) {
	q := url.Values{}
	for _, m := range matchers {
		q.Add("filter", m.String())
	}
	for _, k := range []string{"active", "silenced", "inhibited", "unprocessed"} {
		q.Set(k, "true")
	}
	var raw []struct {
		Alert
		Status struct {
			State      string   `json:"state"`
			SilencedBy []string `json:"silencedBy"`
		} `json:"status"`
	}
	if err := c.do(ctx, "list alerts", http.MethodGet, "/alerts", q, nil, &raw, nil); err != nil {
		return nil, err
	}
	out := make([]Alert, len(raw))
	for i, r := range raw {
		out[i] = r.Alert
		out[i].State, out[i].SilencedBy = r.Status.State, r.Status.SilencedBy
	}
	return out, nil
}

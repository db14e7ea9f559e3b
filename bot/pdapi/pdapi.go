// Package pdapi is a small client for PagerDuty's REST API: it changes
// an incident's status (acknowledge, resolve) when someone clicks a button on
// the incident's Slack thread. It is separate from hooks/pagerduty, which
// receives PagerDuty's webhooks.
package pdapi

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
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is PagerDuty's REST API.
const DefaultBaseURL = "https://api.pagerduty.com"

// Incident statuses the client can set.
const (
	StatusAcknowledged = "acknowledged"
	StatusResolved     = "resolved"
)

// Options configure a Client.
type Options struct {
	BaseURL string // default DefaultBaseURL; tests point it at a fake
	Token   string // REST API key (account or user token)
	// From is the email of a valid PagerDuty user: PagerDuty requires it on
	// writes made with an account token, and records that user as the actor.
	From       string
	HTTPClient *http.Client // default: 10s timeout
	// Retries is how many times a 429, 5xx or network error is retried;
	// default 2. A clicker is waiting, so retries are few and short.
	Retries int
	// RetryWait is the first wait between attempts, doubled each time and
	// capped at 5s; a Retry-After header within that cap wins. Default 500ms.
	RetryWait time.Duration
}

// Client talks to PagerDuty's REST API.
type Client struct {
	opt  Options
	base *url.URL
}

// New returns a Client, or an error when the options cannot work.
func New(opt Options) (*Client, error) {
	if opt.BaseURL == "" {
		opt.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(strings.TrimRight(opt.BaseURL, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("pagerduty: base URL %q is not an http(s) URL", opt.BaseURL)
	}
	if strings.TrimSpace(opt.Token) == "" {
		return nil, errors.New("pagerduty: no API token")
	}
	if strings.TrimSpace(opt.From) == "" || !strings.Contains(opt.From, "@") {
		return nil, fmt.Errorf("pagerduty: From must be a PagerDuty user's email, got %q", opt.From)
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opt.Retries < 0 {
		opt.Retries = 0
	} else if opt.Retries == 0 {
		opt.Retries = 2
	}
	if opt.RetryWait <= 0 {
		opt.RetryWait = 500 * time.Millisecond
	}
	return &Client{opt: opt, base: u}, nil
}

// Error is PagerDuty's refusal of a request.
type Error struct {
	StatusCode int      // HTTP status
	Code       int      // PagerDuty's error code, 0 if none
	Message    string   // PagerDuty's message
	Details    []string // PagerDuty's "errors" list
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if len(e.Details) > 0 {
		b.WriteString(" (" + strings.Join(e.Details, "; ") + ")")
	}
	if hint := hints[e.StatusCode]; hint != "" {
		b.WriteString(" — " + hint)
	}
	return b.String()
}

// hints say what an operator can do about an HTTP status.
var hints = map[int]string{
	http.StatusUnauthorized: "check pagerduty.token (PAGERDUTY_API_TOKEN)",
	http.StatusForbidden:    "the token may not change this incident, or pagerduty.from is not a user with access",
	http.StatusNotFound:     "PagerDuty has no such incident",
}

// Temporary reports whether retrying later may succeed.
func (e *Error) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

var incidentID = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)

// SetStatus sets incident id to StatusAcknowledged or StatusResolved with
// PUT /incidents/{id}.
func (c *Client) SetStatus(ctx context.Context, id, status string) error {
	if !incidentID.MatchString(id) {
		return fmt.Errorf("pagerduty: bad incident id %q", id)
	}
	if status != StatusAcknowledged && status != StatusResolved {
		return fmt.Errorf("pagerduty: cannot set status %q", status)
	}
	body, err := json.Marshal(map[string]any{
		"incident": map[string]string{"type": "incident_reference", "status": status},
	})
	if err != nil {
		return fmt.Errorf("pagerduty: encode: %w", err)
	}
	u := c.base.JoinPath("incidents", id)
	wait := c.opt.RetryWait
	var last error
	for attempt := 0; attempt <= c.opt.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("pagerduty: set incident %s %s: %w (last error: %v)", id, status, ctx.Err(), last)
			case <-time.After(wait):
			}
			wait = min(wait*2, 5*time.Second)
		}
		var retryAfter time.Duration
		retryAfter, last = c.put(ctx, u.String(), body)
		if last == nil {
			return nil
		}
		var pe *Error
		if errors.As(last, &pe) && !pe.Temporary() {
			break
		}
		if ctx.Err() != nil {
			break
		}
		if retryAfter > 0 && retryAfter <= 5*time.Second {
			wait = retryAfter
		}
	}
	return fmt.Errorf("pagerduty: set incident %s %s: %w", id, status, last)
}

// put sends one request; it returns the server's Retry-After, if any.
func (c *Client) put(ctx context.Context, u string, body []byte) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Token token="+c.opt.Token)
	req.Header.Set("From", c.opt.From)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	resp, err := c.opt.HTTPClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return 0, nil
	}
	e := &Error{StatusCode: resp.StatusCode}
	var doc struct {
		Error struct {
			Message string   `json:"message"`
			Code    int      `json:"code"`
			Errors  []string `json:"errors"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &doc) == nil && (doc.Error.Message != "" || doc.Error.Code != 0) {
		e.Message, e.Code, e.Details = doc.Error.Message, doc.Error.Code, doc.Error.Errors
	} else if s := strings.TrimSpace(string(data)); s != "" {
		e.Message = truncate(s, 200)
	} else {
		e.Message = http.StatusText(resp.StatusCode)
	}
	var ra time.Duration
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		ra = time.Duration(s) * time.Second
	}
	return ra, e
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

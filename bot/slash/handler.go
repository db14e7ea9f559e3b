// Package slash answers Compass's Slack slash command (/compass) and the
// buttons on its messages: handbook search, who is on call, open incidents,
// capacity alerts, team and meeting summaries, "Share in channel", and
// Acknowledge/Resolve on incident threads.
//
// The answers are built from parsed Command and Interaction values, so the
// HTTP endpoints (http.go) and Socket Mode (bot/slack) are thin adapters over
// the same Handler.
package slash

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/linker"
	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/build/search"
)

// Handbook gives the current handbook map and its search index;
// *handbook.Source implements it and swaps both when a new build lands.
type Handbook interface {
	Map() *handbook.Map
	Index() *search.Index // nil when there is no index (yet)
}

// Incidents reads the bot's incidents for /compass incidents, /compass
// capacity and the buttons. StoreIncidents adapts a bot.Store.
type Incidents interface {
	// ListOpen returns incidents that are not resolved, newest first.
	ListOpen(ctx context.Context, limit int) ([]*bot.Incident, error)
	// Find returns the latest generation of an incident, or bot.ErrNotFound.
	Find(ctx context.Context, key string) (*bot.Incident, error)
	// ReplySource returns the incident whose parent message is threadTS in
	// channel (a channel ID) and the key of the member (source) that the
	// bot's reply ts in that thread reports; bot.ErrNotFound when there is
	// no such incident or reply.
	ReplySource(ctx context.Context, channel, threadTS, ts string) (*bot.Incident, string, error)
}

// PagerDuty changes an incident's status in PagerDuty; bot/pdapi's
// Client implements it.
type PagerDuty interface {
	// SetStatus sets incident id to "acknowledged" or "resolved". The error
	// says why PagerDuty refused, in words fit for the person who clicked.
	SetStatus(ctx context.Context, id, status string) error
}

// Options configure a Handler. Handbook is required; the rest degrade: no
// Incidents means /compass incidents and the buttons explain that the bot
// has no store, no PagerDuty means PagerDuty incidents cannot be changed
// from Slack.
type Options struct {
	Handbook  Handbook
	Linker    *linker.Linker // default linker.New(Handbook, BaseURL)
	BaseURL   string         // the site's public URL (handbook.url); default the map's base_url
	Incidents Incidents
	Sink      bot.Sink // where button clicks go, through the bot's durable path
	PagerDuty PagerDuty
	// Alertmanager and Gate answer the silence buttons: without
	// Alertmanager they explain that silencing is not set up, without Gate
	// nobody may silence.
	Alertmanager Alertmanager
	Gate         Gate
	// UntilResolvedMax is how long an "Until resolved" silence lasts in
	// Alertmanager at most; default DefaultUntilResolvedMax.
	UntilResolvedMax time.Duration
	// GitHub opens a review draft's pull request; nil posts the draft in
	// the incident's thread instead.
	GitHub Proposer
	// Poster posts in incident threads (a review draft, its pull
	// request); nil answers only the person who asked.
	Poster bot.Poster
	// Threads reads incident threads, for the notes in a review draft;
	// nil drafts from the store's history alone.
	Threads ThreadReader
	// CapacityAlerts are extra alert-name globs that count as capacity
	// alerts, besides the alerts of runbooks tagged "capacity".
	CapacityAlerts []string
	Logger         *slog.Logger // the caller adds the component attribute
	Now            func() time.Time
	// Client posts follow-ups to response_url; default a 10s-timeout client.
	Client *http.Client
	// InlineBudget is how long a command may take to answer in the HTTP
	// response itself (Slack waits 3s); slower answers go to response_url.
	// Default 2s.
	InlineBudget time.Duration
	// WorkTimeout bounds background work (a slow search, a PagerDuty call);
	// default 25s.
	WorkTimeout   time.Duration
	SearchLimit   int    // default 5
	PermalinkBase string // default "https://slack.com/archives/"
}

// Handler answers commands and interactions. It is safe for concurrent use.
type Handler struct {
	opt    Options
	src    Handbook
	lk     *linker.Linker
	log    *slog.Logger
	now    func() time.Time
	client *http.Client

	wg   sync.WaitGroup // background follow-ups
	mu   sync.Mutex
	seen map[string]time.Time // recent interaction ids, for Slack's retries
}

// New returns a Handler.
func New(opt Options) (*Handler, error) {
	if opt.Handbook == nil {
		return nil, errors.New("slash: no handbook source")
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Client == nil {
		opt.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opt.InlineBudget <= 0 {
		opt.InlineBudget = 2 * time.Second
	}
	if opt.WorkTimeout <= 0 {
		opt.WorkTimeout = 25 * time.Second
	}
	if opt.UntilResolvedMax <= 0 {
		opt.UntilResolvedMax = DefaultUntilResolvedMax
	}
	if opt.SearchLimit <= 0 {
		opt.SearchLimit = 5
	}
	if opt.PermalinkBase == "" {
		opt.PermalinkBase = "https://slack.com/archives/"
	}
	if opt.Linker == nil {
		opt.Linker = linker.New(opt.Handbook, opt.BaseURL)
	}
	return &Handler{
		opt: opt, src: opt.Handbook, lk: opt.Linker, log: opt.Logger,
		now: opt.Now, client: opt.Client, seen: map[string]time.Time{},
	}, nil
}

// Wait blocks until background follow-ups have finished (shutdown, tests).
func (h *Handler) Wait() { h.wg.Wait() }

// ServeCommand answers c within the inline budget: the answer itself when it
// is ready in time, else a short "working on it" while the answer follows
// through c.ResponseURL. Either way the result is what the transport sends
// back at once (HTTP body, Socket Mode ack).
func (h *Handler) ServeCommand(ctx context.Context, c Command) Response {
	log := h.log.With("slack_user", c.UserID, "slack_channel", c.ChannelID)
	var (
		mu     sync.Mutex
		result *Response
		late   bool
		done   = make(chan struct{})
	)
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.opt.WorkTimeout)
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer cancel()
		r := h.Answer(wctx, c)
		mu.Lock()
		if late {
			mu.Unlock()
			if err := h.FollowUp(wctx, c.ResponseURL, r); err != nil {
				log.Warn("slash command follow-up failed", "error", err)
			}
			return
		}
		result = &r
		mu.Unlock()
		close(done)
	}()
	t := time.NewTimer(h.opt.InlineBudget)
	defer t.Stop()
	select {
	case <-done:
		return *result
	case <-t.C:
	}
	mu.Lock()
	defer mu.Unlock()
	if result != nil {
		return *result
	}
	late = true
	if c.ResponseURL == "" {
		log.Warn("slow slash command and no response_url to follow up on")
	}
	return Response{ResponseType: Ephemeral, Text: "Looking that up… the answer follows in a moment."}
}

// FollowUp posts r to a response_url, retrying briefly on 5xx and network
// errors (the URL stays valid for 30 minutes).
func (h *Handler) FollowUp(ctx context.Context, responseURL string, r Response) error {
	u, err := url.Parse(responseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("follow up: bad response_url %q", responseURL)
	}
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("follow up: encode: %w", err)
	}
	var last error
	for attempt := range 3 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("follow up: %w (last error: %v)", ctx.Err(), last)
			case <-time.After(time.Duration(attempt*attempt) * 300 * time.Millisecond):
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("follow up: %w", err)
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		resp, err := h.client.Do(req)
		if err != nil {
			last = err
			continue
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		resp.Body.Close()
		switch {
		case resp.StatusCode < 300:
			return nil
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			last = fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
			continue
		default:
			return fmt.Errorf("follow up: %s: %s", resp.Status, bytes.TrimSpace(msg))
		}
	}
	return fmt.Errorf("follow up: %w", last)
}

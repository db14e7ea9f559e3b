// Package slacktest is an in-process fake of the Slack Web API methods the bot
// uses (chat.postMessage, chat.update, conversations.history,
// conversations.replies, conversations.list, auth.test, usergroups.list,
// usergroups.users.list) and Slack's side of a button click (Click). It records every
// call and stores the messages posted (served back by conversations.history
// and conversations.replies, for crash recovery), refuses messages over
// Slack's limits as Slack does (invalid_blocks, msg_too_long), and can fail
// on demand (429 with Retry-After, 5xx, Slack errors, hanging; for a
// scripted period or at random), so tests can exercise the outbox against a
// real HTTP client.
package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Failure is how the fake answers a call it has been told to fail.
type Failure struct {
	Status     int    // HTTP status: 429, 500, 503…; 0 with Code means 200 {"ok":false}
	RetryAfter int    // seconds, sent as Retry-After with 429
	Code       string // Slack error code for {"ok":false,"error":Code}
	Hang       bool   // never answer; the client must time out
}

// Predefined failures.
var (
	RateLimited     = Failure{Status: http.StatusTooManyRequests, RetryAfter: 1}
	ServerError     = Failure{Status: http.StatusInternalServerError}
	ChannelNotFound = Failure{Code: "channel_not_found"}
	InvalidAuth     = Failure{Code: "invalid_auth"}
	Hang            = Failure{Hang: true}
)

// Call is one request the fake received.
type Call struct {
	Method      string // "chat.postMessage"
	Channel     string // as sent
	TS          string // chat.update: the message updated; chat.postMessage: the ts given (if it succeeded)
	ThreadTS    string
	Text        string
	Blocks      json.RawMessage
	Attachments json.RawMessage
	Broadcast   bool
	Metadata    *Metadata
	Status      int    // HTTP status answered
	Error       string // Slack error code answered, "" on success
	At          time.Time
}

// OK reports whether the call succeeded.
func (c Call) OK() bool { return c.Status == http.StatusOK && c.Error == "" }

// Metadata is Slack message metadata.
type Metadata struct {
	EventType    string         `json:"event_type"`
	EventPayload map[string]any `json:"event_payload"`
}

// Message is a message as the fake stores it, after any updates.
type Message struct {
	ChannelID   string
	TS          string
	ThreadTS    string
	Text        string
	Blocks      json.RawMessage
	Attachments json.RawMessage
	Broadcast   bool
	Metadata    *Metadata
	Updates     int    // chat.update calls applied
	User        string // a person's message (Say); "" for the bot's, which carry bot_id B1
}

// Server is the fake Slack Web API.
type Server struct {
	srv *httptest.Server

	mu        sync.Mutex
	calls     []Call
	msgs      []*Message
	channels  map[string]string     // name (no '#') → ID
	groups    map[string]*userGroup // user groups by id
	clicks    int                   // Click calls, numbering response_urls
	responses []Response            // what the app sent to response_urls
	failures  []Failure
	script    script
	down      bool
	seq       int64
	changed   chan struct{} // closed and replaced on every call
	closing   chan struct{}
	// LoseResponses makes successful posts hang after storing the message,
	// as if the response was lost in the network.
	loseN int
}

// New starts a fake; it is closed when t ends.
func New(t testing.TB) *Server {
	s := &Server{
		channels: map[string]string{},
		changed:  make(chan struct{}),
		closing:  make(chan struct{}),
		seq:      1700000000_000100,
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

// URL is the API base URL to configure (slack.api_url), ending in "/api/".
func (s *Server) URL() string { return s.srv.URL + "/api/" }

// Close stops the fake, releasing hanging calls.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.closing:
	default:
		close(s.closing)
	}
	s.mu.Unlock()
	s.srv.Close()
}

// FailNext makes the next n calls fail with f.
func (s *Server) FailNext(n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, f)
	}
}

// SetDown makes every call answer 503 until SetDown(false).
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// LoseNextResponses makes the next n successful chat.postMessage calls store
// their message and then hang without answering, like a response lost on the
// way back: the sender cannot know the post landed.
func (s *Server) LoseNextResponses(n int) {
	s.mu.Lock()
	s.loseN += n
	s.mu.Unlock()
}

// Calls returns every call so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// SuccessfulCalls returns the calls of method that succeeded.
func (s *Server) SuccessfulCalls(method string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Method == method && c.OK() {
			out = append(out, c)
		}
	}
	return out
}

// Messages returns copies of every stored message, in posting order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = *m
	}
	return out
}

// Parents returns the top-level messages (not thread replies).
func (s *Server) Parents() []Message {
	var out []Message
	for _, m := range s.Messages() {
		if m.ThreadTS == "" {
			out = append(out, m)
		}
	}
	return out
}

// Replies returns the replies in the thread of parent ts, in order.
func (s *Server) Replies(ts string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if m.ThreadTS == ts {
			out = append(out, m)
		}
	}
	return out
}

// ChannelID returns the ID the fake gave a channel name ("#ops" or "ops").
func (s *Server) ChannelID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.channels[strings.TrimPrefix(name, "#")]
}

// WaitFor waits until cond holds, re-checking after every call, and fails
// the test if it does not within timeout.
func (s *Server) WaitFor(t testing.TB, timeout time.Duration, what string, cond func(s *Server) bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond(s) {
			return
		}
		select {
		case <-ch:
		case <-time.After(100 * time.Millisecond): // conditions may also depend on time passing
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %s; calls:\n%s", timeout, what, s.Dump())
		}
	}
}

// Dump describes every call, for failure messages.
func (s *Server) Dump() string {
	var b strings.Builder
	for i, c := range s.Calls() {
		fmt.Fprintf(&b, "%3d %s %s ch=%s ts=%s thread=%s status=%d err=%s text=%q\n",
			i, c.At.Format("15:04:05.000"), c.Method, c.Channel, c.TS, c.ThreadTS, c.Status, c.Error, truncate(c.Text, 80))
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func (s *Server) record(c Call) {
	c.At = time.Now()
	s.calls = append(s.calls, c)
	close(s.changed)
	s.changed = make(chan struct{})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/respond/") {
		s.respond(w, r)
		return
	}
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "invalid_form_data"})
		return
	}
	f := r.Form
	call := Call{
		Method: method, Channel: f.Get("channel"), TS: f.Get("ts"), ThreadTS: f.Get("thread_ts"),
		Text: f.Get("text"), Broadcast: f.Get("reply_broadcast") == "true",
	}
	if v := f.Get("blocks"); v != "" {
		call.Blocks = json.RawMessage(v)
	}
	if v := f.Get("attachments"); v != "" {
		call.Attachments = json.RawMessage(v)
	}
	if v := f.Get("metadata"); v != "" {
		var md Metadata
		if json.Unmarshal([]byte(v), &md) == nil {
			call.Metadata = &md
		}
	}

	s.mu.Lock()
	var fail *Failure
	if s.down {
		fail = &Failure{Status: http.StatusServiceUnavailable}
	} else if len(s.failures) > 0 {
		fail = &s.failures[0]
		s.failures = s.failures[1:]
	} else {
		fail = s.scripted()
	}
	if fail != nil {
		call.Status = http.StatusOK
		if fail.Status != 0 {
			call.Status = fail.Status
		}
		call.Error = fail.Code
		if fail.Hang {
			call.Error = "hang"
		}
		if call.Error == "" && call.Status != http.StatusOK {
			call.Error = strconv.Itoa(call.Status)
		}
		s.record(call)
		s.mu.Unlock()
		switch {
		case fail.Hang:
			s.hang(r.Context())
		case fail.Status == http.StatusTooManyRequests:
			w.Header().Set("Retry-After", strconv.Itoa(fail.RetryAfter))
			writeJSON(w, fail.Status, map[string]any{"ok": false, "error": "ratelimited"})
		case fail.Status != 0 && fail.Status != http.StatusOK:
			http.Error(w, "fake slack failure", fail.Status)
		default:
			writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": fail.Code})
		}
		return
	}
	call.Status = http.StatusOK
	resp, lose := s.serve(&call, r)
	s.record(call)
	s.mu.Unlock()
	if lose {
		s.hang(r.Context())
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// refuse answers a message over Slack's limits as Slack does (see Check),
// or returns nil when it fits.
func refuse(c *Call) map[string]any {
	code, err := Check(c.Text, c.Blocks, c.Attachments)
	if err == nil {
		return nil
	}
	c.Error = code
	return map[string]any{"ok": false, "error": code, "errors": []string{err.Error()}}
}

func (s *Server) hang(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.closing:
	}
}

// channelID resolves a channel as sent (name or ID), creating it on first use.
func (s *Server) channelID(ch string) string {
	ch = strings.TrimPrefix(ch, "#")
	for _, id := range s.channels {
		if id == ch {
			return id
		}
	}
	if id, ok := s.channels[ch]; ok {
		return id
	}
	id := fmt.Sprintf("C%08d", len(s.channels)+1)
	s.channels[ch] = id
	return id
}

func (s *Server) find(channelID, ts string) *Message {
	for _, m := range s.msgs {
		if m.ChannelID == channelID && m.TS == ts {
			return m
		}
	}
	return nil
}

// serve answers a call that is not failing; s.mu is held.
func (s *Server) serve(c *Call, r *http.Request) (resp map[string]any, lose bool) {
	switch c.Method {
	case "auth.test":
		return map[string]any{"ok": true, "url": "https://fake.slack.com/", "team": "Fake", "user": "compass", "team_id": "T1", "user_id": "U1", "bot_id": "B1"}, false
	case "chat.postMessage":
		return s.postMessage(c)
	case "chat.update":
		return s.update(c), false
	case "conversations.list":
		return s.listChannels(), false
	case "conversations.history", "conversations.replies":
		return s.history(c, r.Form), false
	case "usergroups.list":
		return s.listUserGroups(r.Form.Get("include_users") == "true" || r.Form.Get("include_users") == "1"), false
	case "usergroups.users.list":
		return s.listGroupMembers(c, r.Form.Get("usergroup")), false
	}
	c.Error = "unknown_method"
	return map[string]any{"ok": false, "error": c.Error}, false
}

// postMessage stores a new message, or refuses it as Slack would.
func (s *Server) postMessage(c *Call) (resp map[string]any, lose bool) {
	if c.Channel == "" {
		c.Error = "channel_not_found"
		return map[string]any{"ok": false, "error": c.Error}, false
	}
	if c.Text == "" && len(c.Blocks) == 0 && len(c.Attachments) == 0 {
		c.Error = "no_text"
		return map[string]any{"ok": false, "error": c.Error}, false
	}
	if resp := refuse(c); resp != nil {
		return resp, false
	}
	id := s.channelID(c.Channel)
	if c.ThreadTS != "" && s.find(id, c.ThreadTS) == nil {
		c.Error = "thread_not_found"
		return map[string]any{"ok": false, "error": c.Error}, false
	}
	// Slack's ts is the posting time in microseconds, unique per channel.
	s.seq = max(s.seq+1, time.Now().UnixMicro())
	ts := fmt.Sprintf("%d.%06d", s.seq/1_000_000, s.seq%1_000_000)
	c.TS = ts
	s.msgs = append(s.msgs, &Message{
		ChannelID: id, TS: ts, ThreadTS: c.ThreadTS, Text: c.Text, Blocks: c.Blocks,
		Attachments: c.Attachments, Broadcast: c.Broadcast, Metadata: c.Metadata,
	})
	lose = s.loseN > 0
	if lose {
		s.loseN--
	}
	return map[string]any{"ok": true, "channel": id, "ts": ts, "message": map[string]any{"text": c.Text, "ts": ts}}, lose
}

// Say posts a person's message (user is a Slack user id) in the thread
// of threadTS in channel, as if typed in Slack, and returns its ts.
func (s *Server) Say(channelID, threadTS, user, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq = max(s.seq+1, time.Now().UnixMicro())
	ts := fmt.Sprintf("%d.%06d", s.seq/1_000_000, s.seq%1_000_000)
	s.msgs = append(s.msgs, &Message{ChannelID: channelID, TS: ts, ThreadTS: threadTS, Text: text, User: user})
	return ts
}

// update replaces a stored message, or refuses the update as Slack would.
func (s *Server) update(c *Call) map[string]any {
	id := s.channelID(c.Channel)
	if id != strings.TrimPrefix(c.Channel, "#") || !strings.HasPrefix(c.Channel, "C") {
		// Slack's chat.update takes a channel ID, not a name.
		c.Error = "channel_not_found"
		return map[string]any{"ok": false, "error": c.Error}
	}
	m := s.find(id, c.TS)
	if m == nil {
		c.Error = "message_not_found"
		return map[string]any{"ok": false, "error": c.Error}
	}
	if resp := refuse(c); resp != nil {
		return resp
	}
	m.Text, m.Blocks, m.Attachments = c.Text, c.Blocks, c.Attachments
	if c.Metadata != nil {
		m.Metadata = c.Metadata
	}
	m.Updates++
	return map[string]any{"ok": true, "channel": id, "ts": c.TS, "text": c.Text}
}

// listChannels lists the channels the fake has seen, by name.
func (s *Server) listChannels() map[string]any {
	var chans []map[string]any
	names := make([]string, 0, len(s.channels))
	for n := range s.channels {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		chans = append(chans, map[string]any{"id": s.channels[n], "name": n, "is_channel": true})
	}
	return map[string]any{"ok": true, "channels": chans, "response_metadata": map[string]any{"next_cursor": ""}}
}

// history serves conversations.history (top-level and broadcast messages)
// and conversations.replies (a thread), newest first.
func (s *Server) history(c *Call, f url.Values) map[string]any {
	id := strings.TrimPrefix(c.Channel, "#")
	known := false
	for _, cid := range s.channels {
		known = known || cid == id
	}
	if !known {
		c.Error = "channel_not_found"
		return map[string]any{"ok": false, "error": c.Error}
	}
	oldest := f.Get("oldest")
	var out []map[string]any
	// Newest first, as Slack returns them.
	for i := len(s.msgs) - 1; i >= 0; i-- {
		m := s.msgs[i]
		if m.ChannelID != id || (oldest != "" && m.TS < oldest) {
			continue
		}
		if c.Method == "conversations.history" && m.ThreadTS != "" && !m.Broadcast {
			continue
		}
		if c.Method == "conversations.replies" && m.TS != c.TS && m.ThreadTS != c.TS {
			continue
		}
		msg := map[string]any{"type": "message", "ts": m.TS, "text": m.Text}
		if m.User != "" {
			msg["user"] = m.User
		} else {
			msg["bot_id"] = "B1"
		}
		if m.ThreadTS != "" {
			msg["thread_ts"] = m.ThreadTS
		}
		if m.Metadata != nil && (f.Get("include_all_metadata") == "1" || f.Get("include_all_metadata") == "true") {
			msg["metadata"] = m.Metadata
		}
		out = append(out, msg)
	}
	return map[string]any{"ok": true, "messages": out, "has_more": false}
}

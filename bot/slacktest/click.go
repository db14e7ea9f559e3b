package slacktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// User is a Slack user as a click's payload names them.
type User struct {
	ID       string // "U0123ABCD"
	Username string
	Name     string
}

// Response is what the app sent to a click's response_url.
type Response struct {
	User            string `json:"-"` // who clicked
	ResponseType    string `json:"response_type"`
	Text            string `json:"text"`
	Blocks          json.RawMessage
	ReplaceOriginal bool `json:"replace_original"`
	DeleteOriginal  bool `json:"delete_original"`
}

// Click plays Slack's side of u clicking the button actionID on the stored
// message ts in channel (the parent's blocks or its attachment's): it
// builds the block_actions payload with the button's value, signs it with
// secret as Slack signs requests (v0, HMAC-SHA256), and posts it to the
// app's interactivity URL target. The payload's response_url points at the
// fake, which keeps what the app sends there (Responses). It fails the
// test when the message has no such button or the app does not answer 200.
func (s *Server) Click(t testing.TB, target, secret string, u User, channelID, ts, actionID string) {
	t.Helper()
	s.mu.Lock()
	m := s.find(channelID, ts)
	var value string
	found := false
	if m != nil {
		value, found = buttonValue(m.Blocks, m.Attachments, actionID)
	}
	s.clicks++
	n := s.clicks
	s.mu.Unlock()
	if !found {
		t.Fatalf("slacktest: no %s button on message %s in %s", actionID, ts, channelID)
	}
	payload := map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": u.ID, "username": u.Username, "name": u.Name, "team_id": "T1"},
		"team":         map[string]any{"id": "T1", "domain": "fake"},
		"channel":      map[string]any{"id": channelID},
		"container":    map[string]any{"type": "message", "message_ts": ts, "channel_id": channelID, "is_ephemeral": false},
		"response_url": s.srv.URL + "/respond/" + strconv.Itoa(n) + "/" + url.PathEscape(u.ID),
		"trigger_id":   fmt.Sprintf("%d.1.fake", n),
		"actions": []map[string]any{{
			"action_id": actionID, "block_id": "compass_incident", "value": value, "type": "button",
			"action_ts": fmt.Sprintf("%d.%06d", time.Now().Unix(), n),
		}},
	}
	s.deliver(t, target, secret, payload, "click "+actionID)
}

// Shortcut plays Slack's side of u choosing the message shortcut
// callbackID (a message action) on the stored message ts in channel: a
// message_action payload naming the message (with its thread_ts), signed
// and posted to target like a click. The response_url points at the fake
// (Responses). It fails the test when there is no such message or the app
// does not answer 200.
func (s *Server) Shortcut(t testing.TB, target, secret string, u User, channelID, ts, callbackID string) {
	t.Helper()
	s.mu.Lock()
	m := s.find(channelID, ts)
	var msg map[string]any
	if m != nil {
		msg = map[string]any{"type": "message", "ts": m.TS, "thread_ts": m.ThreadTS, "text": m.Text}
	}
	s.clicks++
	n := s.clicks
	s.mu.Unlock()
	if msg == nil {
		t.Fatalf("slacktest: no message %s in %s", ts, channelID)
	}
	s.deliver(t, target, secret, map[string]any{
		"type":         "message_action",
		"callback_id":  callbackID,
		"user":         map[string]any{"id": u.ID, "username": u.Username, "name": u.Name, "team_id": "T1"},
		"team":         map[string]any{"id": "T1", "domain": "fake"},
		"channel":      map[string]any{"id": channelID},
		"message_ts":   ts,
		"message":      msg,
		"response_url": s.srv.URL + "/respond/" + strconv.Itoa(n) + "/" + url.PathEscape(u.ID),
		"trigger_id":   fmt.Sprintf("%d.1.fake", n),
		"action_ts":    fmt.Sprintf("%d.%06d", time.Now().Unix(), n),
	}, "shortcut "+callbackID)
}

// deliver signs payload as Slack signs requests (v0, HMAC-SHA256) and posts
// it to the app's interactivity URL target, failing the test unless the app
// answers 200.
func (s *Server) deliver(t testing.TB, target, secret string, payload map[string]any, what string) {
	t.Helper()
	data, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	body := "payload=" + url.QueryEscape(string(data))
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	now := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	io.WriteString(mac, "v0:"+now+":"+body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", now)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("slacktest: %s: %v", what, err)
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("slacktest: %s answered %s: %s", what, resp.Status, msg)
	}
}

// buttonValue finds button actionID in a message's blocks or attachments.
func buttonValue(blocks, attachments json.RawMessage, actionID string) (string, bool) {
	var bs []struct {
		Elements []struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	var atts []struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	lists := []json.RawMessage{blocks}
	if len(attachments) > 0 && json.Unmarshal(attachments, &atts) == nil {
		for _, a := range atts {
			lists = append(lists, a.Blocks)
		}
	}
	for _, l := range lists {
		if len(l) == 0 || json.Unmarshal(l, &bs) != nil {
			continue
		}
		for _, b := range bs {
			for _, e := range b.Elements {
				if e.Type == "button" && e.ActionID == actionID {
					return e.Value, true
				}
			}
		}
	}
	return "", false
}

// respond keeps what the app posts to a click's response_url
// (/respond/{n}/{user}); Slack answers such posts 200 "ok".
func (s *Server) respond(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/respond/")
	_, user, _ := strings.Cut(rest, "/")
	var resp Response
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, &resp); err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	var raw struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	json.Unmarshal(body, &raw)
	resp.Blocks, resp.User = raw.Blocks, user
	if code, err := Check(resp.Text, resp.Blocks, nil); err != nil {
		http.Error(w, code+": "+err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.responses = append(s.responses, resp)
	s.record(Call{Method: "response_url", Text: resp.Text, Status: http.StatusOK})
	s.mu.Unlock()
	io.WriteString(w, "ok")
}

// Responses returns what the app sent to response_urls, in order.
func (s *Server) Responses() []Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Response(nil), s.responses...)
}

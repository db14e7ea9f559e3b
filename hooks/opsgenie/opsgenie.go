// Package opsgenie receives Opsgenie outgoing webhook callbacks (alert
// actions: create, acknowledge, close, add note, …) and turns them into
// bot.Events keyed by Opsgenie alert id.
package opsgenie

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/hooks/webhook"
)

// Source is the Event.Source and thread-key prefix of this adapter.
const Source = "opsgenie"

// Options configure the handler. Opsgenie's outgoing webhook integration can
// send basic auth (credentials in the URL) or custom headers: configure
// Header (e.g. "X-Compass-Token") and Token, or put "Authorization: Bearer
// <Token>" in the integration's headers. BaseURL (e.g.
// "https://acme.app.opsgenie.com") makes events link to the alert.
type Options = webhook.Options

// New returns the handler for POST /hooks/opsgenie. Without credentials (and
// without Insecure) it refuses every request with 403.
func New(opts Options, sink bot.Sink, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return webhook.New(Source, opts, func(_ *http.Request, body []byte, now time.Time) (bot.Delivery, error) {
		d, err := Decode(body, now)
		if err != nil {
			return d, err
		}
		if len(d.Events) == 0 {
			log.Info("opsgenie action accepted and ignored", "source", Source, "action", action(body))
		}
		for i := range d.Events {
			d.Events[i].URL = alertURL(opts.BaseURL, strings.TrimPrefix(d.Events[i].Key, Source+"/"))
		}
		return d, nil
	}, sink, log)
}

type payload struct {
	Action          string  `json:"action"`
	Alert           *alert  `json:"alert"`
	Source          *source `json:"source"`
	IntegrationName string  `json:"integrationName"`
	IntegrationID   string  `json:"integrationId"`
}

type source struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type alert struct {
	AlertID     string          `json:"alertId"`
	Message     string          `json:"message"`
	Description string          `json:"description"`
	Tags        []string        `json:"tags"`
	TinyID      string          `json:"tinyId"`
	Entity      string          `json:"entity"`
	Alias       string          `json:"alias"`
	CreatedAt   json.RawMessage `json:"createdAt"` // epoch milliseconds, or RFC 3339
	UpdatedAt   json.RawMessage `json:"updatedAt"` // epoch nanoseconds, or RFC 3339
	Username    string          `json:"username"`
	UserID      string          `json:"userId"`
	Priority    string          `json:"priority"`
	Note        string          `json:"note"`
	Owner       string          `json:"owner"`
	Teams       []string        `json:"teams"`
	Details     map[string]any  `json:"details"`
}

type mapping struct {
	kind   bot.EventKind
	status bot.Status // "" keeps the incident's status
}

// actions maps normalised action names (lower case, no spaces).
var actions = map[string]mapping{
	"create":          {bot.KindTriggered, bot.StatusFiring},
	"acknowledge":     {bot.KindAcknowledged, bot.StatusAcknowledged},
	"unacknowledge":   {bot.KindUnacknowledged, bot.StatusFiring},
	"close":           {bot.KindResolved, bot.StatusResolved},
	"addnote":         {bot.KindAnnotated, ""},
	"escalate":        {bot.KindEscalated, ""},
	"escalatenext":    {bot.KindEscalated, ""},
	"assignownership": {bot.KindReassigned, ""},
	"takeownership":   {bot.KindReassigned, ""},
	"updatepriority":  {bot.KindPriorityUpdated, ""},
}

// Decode parses one callback body. Mapped actions yield one event keyed
// "opsgenie/{alertId}", whose DedupKey is the alert's alias (for alerts
// Alertmanager created, the SHA-256 of the alert group's key, which
// correlates the alert with the group); other actions yield a delivery with no events
// (accepted and ignored). Opsgenie sends no delivery id, so ContentKey hashes
// the action, alert id, update time, actor and note. now is the receipt
// time, used when the alert carries no times.
func Decode(body []byte, now time.Time) (bot.Delivery, error) {
	var p payload
	if err := webhook.DecodeJSON(body, &p); err != nil {
		return bot.Delivery{}, err
	}
	if p.Action == "" {
		return bot.Delivery{}, fmt.Errorf("action: missing; not an Opsgenie outgoing webhook payload")
	}
	if p.Alert == nil || p.Alert.AlertID == "" {
		return bot.Delivery{}, fmt.Errorf("alert.alertId: missing")
	}
	a := p.Alert
	created, err := parseTime(a.CreatedAt)
	if err != nil {
		return bot.Delivery{}, fmt.Errorf("alert.createdAt: %w", err)
	}
	updated, err := parseTime(a.UpdatedAt)
	if err != nil {
		return bot.Delivery{}, fmt.Errorf("alert.updatedAt: %w", err)
	}
	d := bot.Delivery{
		Source:     Source,
		ContentKey: contentKey(p.Action, a.AlertID, string(a.UpdatedAt), a.Username, a.Note, a.Owner, a.Priority),
	}
	m, ok := actions[normalise(p.Action)]
	if !ok {
		return d, nil
	}
	e := bot.Event{
		Source:   Source,
		Key:      Source + "/" + a.AlertID,
		Kind:     m.kind,
		Status:   m.status,
		Title:    webhook.TrimStatusPrefix(cmp.Or(a.Message, a.Alias, "Opsgenie alert "+cmp.Or(a.TinyID, a.AlertID))),
		DedupKey: a.Alias,
		Severity: Severity(a.Priority),
		Actor:    a.Username,
		Labels:   labels(a),
		At:       cmp.Or(updated, created, now),
	}
	switch m.kind {
	case bot.KindAnnotated:
		e.Note = a.Note
	case bot.KindReassigned:
		e.Note = a.Owner // bare: the bot renders "Reassigned to <Note>"
	case bot.KindPriorityUpdated:
		e.Note = a.Priority
	default:
		e.Note = a.Note // Opsgenie lets acknowledge and close carry a note
	}
	if m.kind == bot.KindTriggered {
		e.At = cmp.Or(created, updated, now)
	}
	d.Events = []bot.Event{e}
	return d, nil
}

// Severity maps Opsgenie priorities: P1 and P2 page someone, P3 is a warning,
// P4 and P5 are informational.
func Severity(priority string) bot.Severity {
	switch strings.ToUpper(strings.TrimSpace(priority)) {
	case "P1", "P2":
		return bot.SeverityCritical
	case "P3":
		return bot.SeverityWarning
	case "P4", "P5":
		return bot.SeverityInfo
	}
	return ""
}

func normalise(action string) string {
	return strings.ToLower(strings.Join(strings.Fields(action), ""))
}

// labelKeys are the routing labels taken from "key:value" (or "key=value")
// tags and from details.
// compass_incident names the incident explicitly (bot.IncidentLabel);
// Alertmanager copies the group's common labels into details.
var labelKeys = []string{"team", "service", "cluster", "namespace", bot.IncidentLabel}

func labels(a *alert) map[string]string {
	l := map[string]string{}
	for _, tag := range a.Tags {
		k, v, ok := strings.Cut(tag, ":")
		if !ok {
			k, v, ok = strings.Cut(tag, "=")
		}
		if !ok {
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if v != "" && isLabelKey(k) {
			if _, dup := l[k]; !dup { // first tag wins, as Opsgenie keeps tag order
				l[k] = v
			}
		}
	}
	for k, v := range a.Details { // details are explicit fields; they beat tags
		k = strings.ToLower(strings.TrimSpace(k))
		if s := detailString(v); s != "" && isLabelKey(k) {
			l[k] = s
		}
	}
	if _, ok := l["team"]; !ok && len(a.Teams) > 0 && a.Teams[0] != "" {
		l["team"] = a.Teams[0]
	}
	if a.Priority != "" {
		l["priority"] = a.Priority
	}
	if a.TinyID != "" {
		l["tiny_id"] = a.TinyID
	}
	if len(l) == 0 {
		return nil
	}
	return l
}

func isLabelKey(k string) bool {
	for _, lk := range labelKeys {
		if k == lk {
			return true
		}
	}
	return false
}

func detailString(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// parseTime accepts Opsgenie's epoch numbers, whose unit differs by field
// (createdAt in milliseconds, updatedAt in nanoseconds), by magnitude; and
// RFC 3339 strings. Absent or null is zero.
func parseTime(raw json.RawMessage) (time.Time, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return time.Time{}, nil
	}
	if unq, err := strconv.Unquote(s); err == nil {
		if unq == "" {
			return time.Time{}, nil
		}
		if t, err := time.Parse(time.RFC3339Nano, unq); err == nil {
			return t.UTC(), nil
		}
		s = unq
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("%s is neither an epoch number nor an RFC 3339 time", raw)
	}
	var t time.Time
	switch {
	case n >= 1e17:
		t = time.Unix(0, n)
	case n >= 1e14:
		t = time.UnixMicro(n)
	case n >= 1e11:
		t = time.UnixMilli(n)
	default:
		t = time.Unix(n, 0)
	}
	return t.UTC(), nil
}

func contentKey(parts ...string) string {
	h := sha256.New()
	h.Write([]byte("opsgenie"))
	for _, p := range parts {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func alertURL(base, alertID string) string {
	u, err := url.Parse(base)
	if base == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return strings.TrimRight(u.String(), "/") + "/alert/detail/" + url.PathEscape(alertID) + "/details"
}

// action reads the action name for the log line of an ignored callback.
func action(body []byte) string {
	var p struct {
		Action string `json:"action"`
	}
	_ = json.Unmarshal(body, &p)
	return p.Action
}

// Package pagerduty receives PagerDuty V3 webhooks, verifies their HMAC
// signatures and turns incident events into bot.Events keyed by incident id.
// PagerDuty disables a subscription after repeated 4xx answers, so anything
// signed and well-formed is accepted: event types this adapter doesn't map
// become a delivery with no events.
package pagerduty

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/hooks/webhook"
)

// Source is the Event.Source and thread-key prefix of this adapter.
const Source = "pagerduty"

// SignatureHeader carries "v1=<hex>" signatures, comma-separated, one per
// signing secret while a secret is being rotated.
const SignatureHeader = "X-PagerDuty-Signature"

// WebhookIDHeader identifies a delivery; PagerDuty delivers at least once and
// reuses the id on retries, so the bot deduplicates on it.
const WebhookIDHeader = "X-Webhook-Id"

// Options configure the handler: Secrets are the subscription's signing
// secrets (several during rotation, any one may match), MaxBytes the body
// limit, and Insecure skips signature checks when no secret is set (local
// testing only).
type Options = webhook.Options

// New returns the handler for POST /hooks/pagerduty. Without secrets (and
// without Insecure) it refuses every request with 403.
func New(opts Options, sink bot.Sink, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var secrets []string
	for _, s := range opts.Secrets {
		if s = strings.TrimSpace(s); s != "" {
			secrets = append(secrets, s)
		}
	}
	if len(secrets) == 0 && !opts.Insecure {
		log.Warn("pagerduty webhook has no signing secret configured; every request will be refused", "source", Source)
	}
	return &webhook.Handler{
		Source:   Source,
		MaxBytes: opts.MaxBytes,
		Verify: func(r *http.Request, body []byte) error {
			if len(secrets) == 0 {
				if opts.Insecure {
					return nil
				}
				return webhook.Forbidden("no PagerDuty signing secret is configured; refusing unsigned webhooks")
			}
			return Verify(secrets, r.Header.Values(SignatureHeader), body)
		},
		Decode: func(r *http.Request, body []byte, now time.Time) (bot.Delivery, error) {
			d, err := Decode(body, now)
			if err != nil {
				return d, err
			}
			d.ID = r.Header.Get(WebhookIDHeader)
			if len(d.Events) == 0 {
				log.Info("pagerduty event accepted and ignored", "source", Source, "delivery_id", d.ID, "reason", ignoredReason(body))
			}
			return d, nil
		},
		Sink: sink,
		Log:  log,
	}
}

// Verify checks the signature header values against the body: it passes
// when any v1 signature equals HMAC-SHA256(secret, body) for any secret.
// No signature at all is a 401; signatures that match nothing are a 403.
func Verify(secrets []string, headers []string, body []byte) error {
	var sigs [][]byte
	present := false
	for _, h := range headers {
		for _, part := range strings.Split(h, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			present = true
			version, hexSig, ok := strings.Cut(part, "=")
			if !ok || version != "v1" {
				continue // unknown versions may appear later; skip, don't fail
			}
			if sig, err := hex.DecodeString(hexSig); err == nil && len(sig) == sha256.Size {
				sigs = append(sigs, sig)
			}
		}
	}
	if !present {
		return webhook.Unauthorized("missing " + SignatureHeader + " header")
	}
	matched := false
	for _, secret := range secrets {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		want := mac.Sum(nil)
		for _, sig := range sigs {
			// Check every pair without stopping early, so timing doesn't
			// reveal which secret or signature matched.
			if hmac.Equal(sig, want) {
				matched = true
			}
		}
	}
	if !matched {
		return webhook.Forbidden("no valid " + SignatureHeader + " signature")
	}
	return nil
}

// Sign returns the header value PagerDuty would send for body with these
// secrets; for tests and for replaying captured webhooks by hand.
func Sign(body []byte, secrets ...string) string {
	parts := make([]string, 0, len(secrets))
	for _, s := range secrets {
		mac := hmac.New(sha256.New, []byte(s))
		mac.Write(body)
		parts = append(parts, "v1="+hex.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(parts, ",")
}

type envelope struct {
	Event *struct {
		ID           string          `json:"id"`
		EventType    string          `json:"event_type"`
		ResourceType string          `json:"resource_type"`
		OccurredAt   string          `json:"occurred_at"`
		Agent        json.RawMessage `json:"agent"` // decoded only for mapped types
		Data         json.RawMessage `json:"data"`
	} `json:"event"`
}

type reference struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Summary string `json:"summary"`
	HTMLURL string `json:"html_url"`
}

// data covers the incident and the incident_note shapes of event.data.
type data struct {
	ID               string      `json:"id"`
	Type             string      `json:"type"`
	HTMLURL          string      `json:"html_url"`
	Number           int64       `json:"number"`
	Status           string      `json:"status"`
	IncidentKey      string      `json:"incident_key"` // the Events API dedup_key: Alertmanager's hashed group key
	Title            string      `json:"title"`
	Urgency          string      `json:"urgency"`
	Service          *reference  `json:"service"`
	EscalationPolicy *reference  `json:"escalation_policy"`
	Priority         *reference  `json:"priority"`
	Assignees        []reference `json:"assignees"`
	Teams            []reference `json:"teams"`
	Incident         *reference  `json:"incident"` // incident_note
	Content          string      `json:"content"`  // incident_note
}

var kinds = map[string]bot.EventKind{
	"incident.triggered":        bot.KindTriggered,
	"incident.acknowledged":     bot.KindAcknowledged,
	"incident.unacknowledged":   bot.KindUnacknowledged,
	"incident.escalated":        bot.KindEscalated,
	"incident.reassigned":       bot.KindReassigned,
	"incident.delegated":        bot.KindReassigned, // to another escalation policy
	"incident.annotated":        bot.KindAnnotated,
	"incident.priority_updated": bot.KindPriorityUpdated,
	"incident.resolved":         bot.KindResolved,
	"incident.reopened":         bot.KindReopened,
}

// Decode parses one V3 webhook body. Incident events of the mapped types
// yield one event keyed "pagerduty/{incident id}", whose DedupKey is the
// incident_key (for incidents Alertmanager opened, the SHA-256 of the alert
// group's key, which correlates the page with the group); other event types and
// resources yield none (accepted and ignored). ContentKey hashes the event
// id, so a retry with a new delivery id still deduplicates. now is the
// receipt time, used when occurred_at is missing. The caller sets ID from
// the X-Webhook-Id header.
func Decode(body []byte, now time.Time) (bot.Delivery, error) {
	var env envelope
	if err := webhook.DecodeJSON(body, &env); err != nil {
		return bot.Delivery{}, err
	}
	if env.Event == nil {
		return bot.Delivery{}, fmt.Errorf("event: missing; not a V3 webhook payload")
	}
	ev := env.Event
	d := bot.Delivery{Source: Source, ContentKey: contentKey(ev.ID, body)}
	kind, ok := kinds[ev.EventType]
	if !ok || ev.ResourceType != "incident" {
		return d, nil
	}
	var dt data
	if len(ev.Data) > 0 {
		if err := webhook.DecodeJSON(ev.Data, &dt); err != nil {
			return bot.Delivery{}, fmt.Errorf("event.data: %w", err)
		}
	}
	at := now
	if ev.OccurredAt != "" {
		t, err := time.Parse(time.RFC3339Nano, ev.OccurredAt)
		if err != nil {
			return bot.Delivery{}, fmt.Errorf("event.occurred_at: %q is not an ISO 8601 time", ev.OccurredAt)
		}
		at = t.UTC()
	}
	e := bot.Event{Source: Source, Kind: kind, At: at}
	if len(ev.Agent) > 0 {
		var agent *reference
		if err := webhook.DecodeJSON(ev.Agent, &agent); err != nil {
			return bot.Delivery{}, fmt.Errorf("event.agent: %w", err)
		}
		if agent != nil {
			e.Actor = agent.Summary
		}
	}
	incidentID := dt.ID
	if dt.Type == "incident_note" || kind == bot.KindAnnotated {
		if dt.Incident == nil || dt.Incident.ID == "" {
			return bot.Delivery{}, fmt.Errorf("event.data.incident.id: missing in %s", ev.EventType)
		}
		incidentID = dt.Incident.ID
		e.Title = webhook.TrimStatusPrefix(dt.Incident.Summary)
		e.URL = dt.Incident.HTMLURL
		e.Note = dt.Content
		// A note doesn't change the status; "" tells the bot to keep it.
	} else {
		if incidentID == "" {
			return bot.Delivery{}, fmt.Errorf("event.data.id: missing incident id in %s", ev.EventType)
		}
		e.Title = webhook.TrimStatusPrefix(dt.Title)
		e.DedupKey = dt.IncidentKey
		e.URL = dt.HTMLURL
		e.Status = status(dt.Status)
		e.Severity = severity(dt.Urgency, dt.Priority)
		e.Labels = labels(&dt)
		switch kind {
		case bot.KindEscalated, bot.KindReassigned:
			e.Note = assigneeNote(&dt)
		case bot.KindPriorityUpdated:
			if dt.Priority != nil {
				e.Note = dt.Priority.Summary
			} else {
				e.Note = "no priority"
			}
		case bot.KindResolved:
			if e.Status == "" {
				e.Status = bot.StatusResolved
			}
		}
	}
	e.Key = Source + "/" + incidentID
	d.Events = []bot.Event{e}
	return d, nil
}

func contentKey(eventID string, body []byte) string {
	h := sha256.New()
	if eventID != "" {
		h.Write([]byte("pagerduty event\x00" + eventID))
	} else {
		h.Write([]byte("pagerduty body\x00"))
		h.Write(body)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func status(s string) bot.Status {
	switch s {
	case "triggered":
		return bot.StatusFiring
	case "acknowledged":
		return bot.StatusAcknowledged
	case "resolved":
		return bot.StatusResolved
	}
	return ""
}

// severity maps urgency first (high pages someone now), then priority names
// such as P1–P5 when urgency is absent.
func severity(urgency string, priority *reference) bot.Severity {
	switch urgency {
	case "high":
		return bot.SeverityCritical
	case "low":
		return bot.SeverityWarning
	}
	if priority != nil {
		switch strings.ToUpper(priority.Summary) {
		case "P1", "P2", "SEV1", "SEV-1", "SEV2", "SEV-2":
			return bot.SeverityCritical
		case "P3", "SEV3", "SEV-3":
			return bot.SeverityWarning
		case "P4", "P5", "SEV4", "SEV-4", "SEV5", "SEV-5":
			return bot.SeverityInfo
		}
	}
	return ""
}

func labels(d *data) map[string]string {
	l := map[string]string{}
	if d.Service != nil && d.Service.Summary != "" {
		l["service"] = d.Service.Summary
	}
	if d.EscalationPolicy != nil && d.EscalationPolicy.Summary != "" {
		l["escalation_policy"] = d.EscalationPolicy.Summary
	}
	if d.Priority != nil && d.Priority.Summary != "" {
		l["priority"] = d.Priority.Summary
	}
	if d.Urgency != "" {
		l["urgency"] = d.Urgency
	}
	if len(d.Teams) > 0 && d.Teams[0].Summary != "" {
		l["team"] = d.Teams[0].Summary
	}
	if d.Number > 0 {
		l["incident_number"] = fmt.Sprint(d.Number)
	}
	if len(l) == 0 {
		return nil
	}
	return l
}

// assigneeNote names who the incident went to, bare, as the bot renders
// "Reassigned to <Note>": the assignees, else the escalation policy.
func assigneeNote(d *data) string {
	var names []string
	for _, a := range d.Assignees {
		names = append(names, cmp.Or(a.Summary, a.ID))
	}
	if len(names) == 0 {
		if d.EscalationPolicy != nil {
			return d.EscalationPolicy.Summary
		}
		return ""
	}
	return strings.Join(names, ", ")
}

// ignoredReason says why a delivery produced no events, for the log line.
func ignoredReason(body []byte) string {
	var env envelope
	if json.Unmarshal(body, &env) != nil || env.Event == nil {
		return "unreadable"
	}
	return fmt.Sprintf("event_type %q resource_type %q not mapped", env.Event.EventType, env.Event.ResourceType)
}

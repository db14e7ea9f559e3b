// Package alertmanager receives Prometheus Alertmanager webhook notifications
// (payload version 4) and turns each into one bot.Event for the alert group,
// keyed so that copies from several HA replicas deduplicate.
package alertmanager

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/hooks/internal/alertgroup"
	"github.com/compasshq/compass/hooks/webhook"
)

// Source is the Event.Source and thread-key prefix of this adapter.
const Source = "alertmanager"

// Options configure the handler. Alertmanager's http_config sends either a
// bearer token (authorization.credentials, as Token) or basic auth
// (Username and Password); both are accepted when configured.
type Options = webhook.Options

// New returns the handler for POST /hooks/alertmanager. Without credentials
// (and without Insecure) it refuses every request with 403.
func New(opts Options, sink bot.Sink, log *slog.Logger) http.Handler {
	return webhook.New(Source, opts, webhook.Body(Decode), sink, log)
}

// Decode parses one webhook body into a Delivery with a single KindAlerts
// event keyed "alertmanager/{receiver}/{groupKey}", with DedupKey(groupKey). now is the receipt time.
// Alertmanager sends no delivery id, so ID is empty and ContentKey carries the
// identity: receiver, group key, status and every alert's fingerprint, status
// and times.
func Decode(body []byte, now time.Time) (bot.Delivery, error) {
	var p alertgroup.Payload
	if err := webhook.DecodeJSON(body, &p); err != nil {
		return bot.Delivery{}, err
	}
	if p.Version != "4" {
		return bot.Delivery{}, fmt.Errorf("version: unsupported payload version %q, want \"4\"", p.Version)
	}
	if p.Receiver == "" {
		return bot.Delivery{}, fmt.Errorf("receiver: missing")
	}
	if p.GroupKey == "" {
		return bot.Delivery{}, fmt.Errorf("groupKey: missing")
	}
	ev, err := alertgroup.Event(Source, Source+"/"+p.Receiver+"/"+p.GroupKey, &p, now)
	if err != nil {
		return bot.Delivery{}, err
	}
	ev.URL = alertsURL(p.ExternalURL, p.Receiver, p.GroupLabels)
	ev.DedupKey = DedupKey(p.GroupKey)
	return bot.Delivery{
		Source:     Source,
		ContentKey: alertgroup.ContentKey([]string{Source, p.Receiver, p.GroupKey, p.Status, strconv.Itoa(p.TruncatedAlerts)}, p.Alerts),
		Events:     []bot.Event{ev},
	}, nil
}

// DedupKey is what Alertmanager's PagerDuty and Opsgenie integrations send
// for the alert group with this group key (PagerDuty's dedup_key, Opsgenie's
// alias): the SHA-256 of the key, in lower-case hex. A page carrying it
// joins the group's incident.
func DedupKey(groupKey string) string {
	sum := sha256.Sum256([]byte(groupKey))
	return hex.EncodeToString(sum[:])
}

// alertsURL links to the group in Alertmanager's UI: the alerts view
// filtered by receiver and the group labels.
func alertsURL(external, receiver string, group map[string]string) string {
	if external == "" {
		return ""
	}
	u, err := url.Parse(external)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	q := url.Values{}
	q.Set("receiver", receiver)
	if len(group) > 0 {
		var m []string
		for _, k := range slices.Sorted(maps.Keys(group)) {
			m = append(m, k+"="+strconv.Quote(group[k]))
		}
		q.Set("filter", "{"+strings.Join(m, ",")+"}")
	}
	return strings.TrimRight(u.String(), "/") + "/#/alerts?" + q.Encode()
}

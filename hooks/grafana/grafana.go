// Package grafana receives Grafana unified-alerting webhook notifications
// (payload version "1", Alertmanager's shape plus Grafana's fields) and turns
// each into one bot.Event for the alert group.
package grafana

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/hooks/internal/alertgroup"
	"github.com/compasshq/compass/hooks/webhook"
)

// Source is the Event.Source and thread-key prefix of this adapter.
const Source = "grafana"

// Options configure the handler. Grafana's webhook contact point sends either
// an Authorization header (scheme Bearer with Token as credentials) or HTTP
// basic auth (Username and Password).
type Options = webhook.Options

// New returns the handler for POST /hooks/grafana. Without credentials (and
// without Insecure) it refuses every request with 403.
func New(opts Options, sink bot.Sink, log *slog.Logger) http.Handler {
	return webhook.New(Source, opts, webhook.Body(Decode), sink, log)
}

// legacy holds the fields only Grafana's legacy (pre-9) alerting sent, to
// recognise that payload and say so instead of "unsupported version".
type legacy struct {
	RuleName string `json:"ruleName"`
	Version  string `json:"version"`
}

// Decode parses one webhook body into a Delivery with a single KindAlerts
// event keyed "grafana/{groupKey}". now is the receipt time. ContentKey
// covers the org, receiver, group key, status and every alert's fingerprint,
// status and times, so retries and HA Grafana instances deduplicate.
func Decode(body []byte, now time.Time) (bot.Delivery, error) {
	var p alertgroup.Payload
	if err := webhook.DecodeJSON(body, &p); err != nil {
		return bot.Delivery{}, err
	}
	if p.Version != "1" {
		var l legacy
		if json.Unmarshal(body, &l) == nil && l.RuleName != "" && l.Version == "" {
			return bot.Delivery{}, fmt.Errorf("legacy Grafana alerting payload (rule %q) is not supported; use a unified alerting contact point", l.RuleName)
		}
		return bot.Delivery{}, fmt.Errorf("version: unsupported payload version %q, want \"1\"", p.Version)
	}
	if p.GroupKey == "" {
		return bot.Delivery{}, fmt.Errorf("groupKey: missing")
	}
	ev, err := alertgroup.Event(Source, Source+"/"+p.GroupKey, &p, now)
	if err != nil {
		return bot.Delivery{}, err
	}
	ev.URL = groupURL(p.ExternalURL, p.Alerts)
	return bot.Delivery{
		Source: Source,
		ContentKey: alertgroup.ContentKey([]string{Source, strconv.FormatInt(p.OrgID, 10), p.Receiver, p.GroupKey, p.Status,
			strconv.Itoa(p.TruncatedAlerts)}, p.Alerts),
		Events: []bot.Event{ev},
	}, nil
}

// groupURL links to the rule when every alert comes from one rule, else to
// Grafana's alert groups page.
func groupURL(external string, alerts []alertgroup.Alert) string {
	if len(alerts) > 0 && alerts[0].GeneratorURL != "" {
		same := true
		for _, a := range alerts[1:] {
			same = same && a.GeneratorURL == alerts[0].GeneratorURL
		}
		if same {
			return alerts[0].GeneratorURL
		}
	}
	u, err := url.Parse(external)
	if external == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return strings.TrimRight(u.String(), "/") + "/alerting/groups"
}

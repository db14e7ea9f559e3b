package main

import (
	"fmt"
	"time"

	"github.com/compasshq/compass/bot/amapi"
)

// AlertmanagerAPIConfig is compass.yaml's bot.alertmanager block: the
// Alertmanager API the silence buttons call (not the webhook's
// credentials, which are the top-level alertmanager block).
type AlertmanagerAPIConfig struct {
	// URLs of the Alertmanager replicas, tried in turn; none turns the
	// silence buttons' answers into "not set up".
	URLs     wordList      `mapstructure:"urls"`
	Token    string        `mapstructure:"token"` // bearer token, or
	Username string        `mapstructure:"username"`
	Password string        `mapstructure:"password"`
	Timeout  time.Duration `mapstructure:"timeout"` // per request to one replica
}

// SilenceConfig is compass.yaml's bot.silence block.
type SilenceConfig struct {
	// Allowed may silence any incident: Slack user ids and user group
	// handles or ids, besides the owning team's user group.
	Allowed wordList `mapstructure:"allowed"`
	// UntilResolvedMax bounds an "Until resolved" silence in Alertmanager.
	UntilResolvedMax time.Duration `mapstructure:"until_resolved_max"`
	// CheckInterval: how often the bot looks at silenced incidents (ends
	// until-resolved silences, resolves groups whose alerts are gone).
	CheckInterval time.Duration `mapstructure:"check_interval"`
	// MembershipTTL: how long a user group's members are cached.
	MembershipTTL time.Duration `mapstructure:"membership_ttl"`
}

// alertmanagerAPI returns the silence buttons' Alertmanager client, nil
// when bot.alertmanager.urls is empty.
func alertmanagerAPI(c Config) (*amapi.Client, error) {
	a := c.Bot.Alertmanager
	if len(a.URLs) == 0 {
		return nil, nil
	}
	cl, err := amapi.New(amapi.Options{URLs: a.URLs, Token: a.Token, Username: a.Username, Password: a.Password, Timeout: a.Timeout})
	if err != nil {
		return nil, fmt.Errorf("bot.alertmanager: %w", err)
	}
	return cl, nil
}

// validateSilence reports every problem with the silence settings.
func validateSilence(c Config) []error {
	var errs []error
	if _, err := alertmanagerAPI(c); err != nil {
		errs = append(errs, err)
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"bot.alertmanager.timeout", c.Bot.Alertmanager.Timeout}, {"bot.silence.until_resolved_max", c.Bot.Silence.UntilResolvedMax},
		{"bot.silence.check_interval", c.Bot.Silence.CheckInterval}, {"bot.silence.membership_ttl", c.Bot.Silence.MembershipTTL},
	} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s: want a positive duration, got %s", d.key, d.v))
		}
	}
	return errs
}

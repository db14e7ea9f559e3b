package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/compasshq/compass/build"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/github"
	"github.com/compasshq/compass/bot/httpserver"
	"github.com/compasshq/compass/bot/pdapi"
	"github.com/compasshq/compass/bot/postgres"
	"github.com/compasshq/compass/bot/slack"
	"github.com/compasshq/compass/bot/slash"
	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// configFile is the site's (and the bot's) configuration file name.
const configFile = "compass.yaml"

// Config is everything compass reads from compass.yaml, COMPASS_*
// environment variables and flags, decoded once by loadConfig. Subcommands
// hand its typed sub-structs to the components; nothing below cmd/compass
// reads configuration.
//
// Adding a key is a one-place change: add a field with its mapstructure tag
// (the key's last part) to the struct of its block, and its default to
// DefaultConfig. loadConfig registers every field, so the key is then read
// from compass.yaml and from COMPASS_<BLOCK>_<KEY> (e.g. bot.lease is
// COMPASS_BOT_LEASE); a flag reaches it through keyFlag. Durations are
// written like 4h or 90s; lists in the environment are comma-separated.
// Two generated places follow, and tests fail until they do: the
// configuration keys page (go run ./cmd/compass docs) and the starter
// compass.yaml of compass init (build/scaffold/starter), which lists every
// key with its default.
type Config struct {
	Site         SiteConfig      `mapstructure:",squash"` // top-level keys
	Check        CheckConfig     `mapstructure:"check"`
	Log          LogConfig       `mapstructure:"log"`
	Bot          BotConfig       `mapstructure:"bot"`
	Slack        SlackConfig     `mapstructure:"slack"`
	Handbook     HandbookConfig  `mapstructure:"handbook"`
	PagerDuty    PagerDutyConfig `mapstructure:"pagerduty"`
	Alertmanager HookAuth        `mapstructure:"alertmanager"`
	Grafana      HookAuth        `mapstructure:"grafana"`
	Opsgenie     OpsgenieConfig  `mapstructure:"opsgenie"`
	// Secrets come from their own environment variables only, never from
	// compass.yaml (which is usually committed).
	Secrets Secrets `mapstructure:"-"`
}

// SiteConfig are the site's keys, at the top level of compass.yaml.
type SiteConfig struct {
	Title      string `mapstructure:"title"`
	BaseURL    string `mapstructure:"base_url"`
	Out        string `mapstructure:"out"` // relative: under the site root (from --out: under the working directory)
	Theme      string `mapstructure:"theme"`
	UnsafeHTML bool   `mapstructure:"unsafe_html"`
	RepoURL    string `mapstructure:"repo_url"`
	// SlackWorkspace is the workspace (e.g. acme.slack.com) that people's
	// Slack names link into.
	SlackWorkspace string `mapstructure:"slack_workspace"`
	EditBranch     string `mapstructure:"edit_branch"`
	Drafts         bool   `mapstructure:"drafts"`
	Strict         bool   `mapstructure:"strict"`
	KeepGoing      bool   `mapstructure:"keep_going"`
	// HeadingIDs names the rule for heading ids: "compass" (default),
	// "github" (github-slugger, as GitHub and Docusaurus) or "mkdocs".
	HeadingIDs string `mapstructure:"heading_ids"`
}

// CheckConfig is compass.yaml's check block:
//
//	check:
//	  warn_days: 30
//	  rules: {orphan-page: off, review-overdue: error}
//	  ignore: ["content/archive/**"]
type CheckConfig struct {
	WarnDays int            `mapstructure:"warn_days"`
	Rules    ruleSeverities `mapstructure:"rules"`
	Ignore   pathGlobs      `mapstructure:"ignore"`
}

// LogConfig configures the one logger of a run (see newLogger).
type LogConfig struct {
	// Level is debug, info, warn or error; "" is info for the bot and warn
	// for the site commands, whose report is their output.
	Level string `mapstructure:"level"`
	// Format is text or json; "" is JSON for the bot unless stderr is a
	// terminal, and text for the site commands.
	Format string `mapstructure:"format"`
}

// BotConfig is compass.yaml's bot block.
type BotConfig struct {
	Listen       string        `mapstructure:"listen"`
	Store        string        `mapstructure:"store"` // SQLite file, or a postgres:// URL
	Channel      string        `mapstructure:"channel"`
	Routes       []bot.Route   `mapstructure:"routes"`
	ReopenWindow time.Duration `mapstructure:"reopen_window"`
	// RefreshInterval: how often an open incident's parent is re-rendered
	// with nothing else changing it ("Open for"); 0 disables.
	RefreshInterval time.Duration `mapstructure:"refresh_interval"`
	SocketMode      bool          `mapstructure:"socket_mode"`
	CapacityAlerts  alertGlobs    `mapstructure:"capacity_alerts"` // extra capacity alert globs
	// MaxConnections caps the HTTP connections served at once, well under
	// the open-file limit; a few more are kept for /healthz, /readyz and
	// /metrics.
	MaxConnections int `mapstructure:"max_connections"`
	// ReadyzSlackFailing: /readyz fails once every Slack call has failed
	// for this long; 0 disables the check.
	ReadyzSlackFailing time.Duration `mapstructure:"readyz_slack_failing"`
	// MaxAge: how long an op failing with 5xx or network errors is
	// retried before it is given up.
	MaxAge time.Duration `mapstructure:"max_age"`
	// Retention: how long resolved incidents, delivery records and
	// finished ops are kept.
	Retention time.Duration `mapstructure:"retention"`
	// ReplicaID names this replica in the Postgres outbox's claims; ""
	// is the host name. Stable across restarts, distinct between live
	// replicas.
	ReplicaID string `mapstructure:"replica_id"`
	// Lease: how long a Postgres claim on an op holds unless renewed; a
	// dead replica's ops are taken over after it.
	Lease time.Duration `mapstructure:"lease"`
	// CorrelateLabels: label names whose equal values (all of them) join
	// a page or alert group to an open incident when no dedup key or
	// compass_incident label does; empty turns label matching off.
	CorrelateLabels labelNames `mapstructure:"correlate_labels"`
	// Alertmanager is the API the silence buttons call; Silence who may
	// press them and how silences are kept.
	Alertmanager AlertmanagerAPIConfig `mapstructure:"alertmanager"`
	Silence      SilenceConfig         `mapstructure:"silence"`
	// GitHub: where Draft review opens pull requests; without a token
	// the draft is posted in the incident's thread.
	GitHub GitHubConfig `mapstructure:"github"`
}

// GitHubConfig is the handbook repository the bot proposes incident
// reviews to.
type GitHubConfig struct {
	Token  string `mapstructure:"token"`
	Repo   string `mapstructure:"repo"` // owner/name
	Base   string `mapstructure:"base"` // the branch pull requests target
	APIURL string `mapstructure:"api_url"`
}

// SlackConfig is compass.yaml's slack block.
type SlackConfig struct {
	APIURL string `mapstructure:"api_url"`
}

// HandbookConfig is where the bot finds the handbook.
type HandbookConfig struct {
	URL string `mapstructure:"url"` // the site's base URL, for links
	Map string `mapstructure:"map"` // path or URL of compass.json
}

// PagerDutyConfig configures the PagerDuty REST client of the incident
// buttons; the token may also come from PAGERDUTY_API_TOKEN.
type PagerDutyConfig struct {
	APIURL string `mapstructure:"api_url"`
	Token  string `mapstructure:"token"`
	From   string `mapstructure:"from"`
}

// HookAuth are a webhook adapter's shared-secret credentials: a bearer
// token or basic auth.
type HookAuth struct {
	Token    string `mapstructure:"token"`
	Username string `mapstructure:"username"`
	Password string `mapstructure:"password"`
}

// OpsgenieConfig adds Opsgenie's custom header and base URL (for links to
// the alert) to the credentials.
type OpsgenieConfig struct {
	HookAuth `mapstructure:",squash"`
	Header   string `mapstructure:"header"`
	BaseURL  string `mapstructure:"base_url"`
}

// Secrets are read from the environment by readSecrets.
type Secrets struct {
	SlackToken     string   // SLACK_BOT_TOKEN
	SigningSecret  string   // SLACK_SIGNING_SECRET, comma-separated during rotation
	AppToken       string   // SLACK_APP_TOKEN (Socket Mode)
	PagerDutyKeys  []string // PAGERDUTY_WEBHOOK_SECRET, comma-separated during rotation
	PagerDutyToken string   // PAGERDUTY_API_TOKEN, when pagerduty.token is unset
}

// DefaultConfig is the one place compass's defaults are written; flags
// bound to a key show this value as their default.
func DefaultConfig() Config {
	return Config{
		Site: SiteConfig{Title: build.DefaultTitle, Out: "public"},
		Bot: BotConfig{
			Listen:             "127.0.0.1:8080",
			Store:              "compass-bot.db",
			ReopenWindow:       4 * time.Hour,
			RefreshInterval:    10 * time.Minute,
			MaxAge:             24 * time.Hour,
			Retention:          30 * 24 * time.Hour,
			Lease:              postgres.DefaultLease,
			MaxConnections:     httpserver.DefaultMaxConnections,
			ReadyzSlackFailing: 15 * time.Minute,
			Alertmanager:       AlertmanagerAPIConfig{Timeout: 5 * time.Second},
			Silence: SilenceConfig{
				UntilResolvedMax: slash.DefaultUntilResolvedMax, CheckInterval: time.Minute,
				MembershipTTL: 5 * time.Minute,
			},
			GitHub: GitHubConfig{Base: "main", APIURL: github.DefaultAPIURL},
		},
		Slack:     SlackConfig{APIURL: slack.DefaultAPIURL},
		PagerDuty: PagerDutyConfig{APIURL: pdapi.DefaultBaseURL},
	}
}

// defaultValues maps every key to its default, flattened from
// DefaultConfig ("bot.listen" → "127.0.0.1:8080").
func defaultValues() map[string]any {
	m := map[string]any{}
	flattenKeys(reflect.ValueOf(DefaultConfig()), "", m)
	return m
}

// flattenKeys walks a config struct by its mapstructure tags; squashed
// structs add their fields to the enclosing block.
func flattenKeys(v reflect.Value, prefix string, out map[string]any) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, opt, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		if opt == "squash" {
			flattenKeys(fv, prefix, out)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Duration]() {
			flattenKeys(fv, prefix+name+".", out)
			continue
		}
		out[prefix+name] = fv.Interface()
	}
}

// flagKey is the pflag annotation naming the config key a flag sets.
const flagKey = "compass_config_key"

// keyFlag defines flag name on f for config key; its default is the key's
// default from DefaultConfig, and loadConfig lets it win over every other
// source when it is given.
func keyFlag(f *pflag.FlagSet, name, key, usage string) {
	def, ok := defaultValues()[key]
	if !ok {
		panic("keyFlag: no config key " + key)
	}
	switch d := def.(type) {
	case string:
		f.String(name, d, usage)
	case bool:
		f.Bool(name, d, usage)
	case int:
		f.Int(name, d, usage)
	case time.Duration:
		f.Duration(name, d, usage)
	default:
		panic(fmt.Sprintf("keyFlag: key %s has type %T", key, def))
	}
	if err := f.SetAnnotation(name, flagKey, []string{key}); err != nil {
		panic(err)
	}
}

// errRead marks loadConfig's errors that leave no Config at all: compass.yaml
// could not be read.
var errRead = errors.New("read")

// Blocks of Config a command reads, for loadConfig: the mapstructure tags,
// and "site" for the top-level keys.
var (
	siteBlocks = []string{"site", "check", "log"}
	botBlocks  = []string{"log", "bot", "slack", "handbook", "pagerduty", "alertmanager", "grafana", "opsgenie"}
)

// loadConfig decodes the configuration of the site or bot rooted at dir. In
// order of precedence: flags defined with keyFlag (when given), COMPASS_*
// environment variables, dir/compass.yaml if it exists, DefaultConfig.
//
// Every block is decoded, but only values in the blocks the command reads
// are its problem: a mistake in the bot block does not stop a build. Those
// are all reported in the error, which comes with the rest of the Config
// decoded; an unreadable compass.yaml is errRead.
func loadConfig(dir string, flags *pflag.FlagSet, blocks ...string) (Config, error) {
	v := viper.New()
	for key, def := range defaultValues() {
		v.SetDefault(key, def) // also makes the key settable from the environment
	}
	v.SetEnvPrefix("COMPASS")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_", "-", "_"))
	v.AutomaticEnv()
	path := filepath.Join(dir, configFile)
	if _, err := os.Stat(path); err == nil {
		v.SetConfigFile(path)
		if err := v.ReadInConfig(); err != nil {
			return Config{}, fmt.Errorf("%w %s: %w", errRead, path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return Config{}, fmt.Errorf("%w %s: %w", errRead, path, err)
	}
	if flags != nil {
		var err error // BindPFlag fails only on a nil flag
		flags.VisitAll(func(f *pflag.Flag) {
			if keys := f.Annotations[flagKey]; len(keys) == 1 && err == nil {
				err = v.BindPFlag(keys[0], f)
			}
		})
		if err != nil {
			return Config{}, err
		}
	}
	c := Config{Secrets: readSecrets()}
	settings := v.AllSettings()
	var errs []error
	cv := reflect.ValueOf(&c).Elem()
	for i := range cv.NumField() {
		name, opt, _ := strings.Cut(cv.Type().Field(i).Tag.Get("mapstructure"), ",")
		input, block, prefix := any(settings[name]), name, name+"."
		switch {
		case name == "-":
			continue
		case opt == "squash":
			input, block, prefix = settings, "site", ""
		}
		err := decodeBlock(input, cv.Field(i).Addr().Interface())
		if err != nil && slices.Contains(blocks, block) {
			errs = append(errs, decodeErrors(prefix, err)...)
		}
	}
	return c, errors.Join(errs...)
}

// decodeBlock decodes one block of settings into out (a pointer), with the
// hooks of decodeHook and viper's weak typing (COMPASS_BOT_SOCKET_MODE=true
// is a bool).
func decodeBlock(input, out any) error {
	d, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		DecodeHook: decodeHook, WeaklyTypedInput: true, Result: out,
	})
	if err != nil {
		return err
	}
	return d.Decode(input)
}

// decodeErrors flattens mapstructure's nested errors into one error per
// key, each "block.key: problem".
func decodeErrors(prefix string, err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, decodeErrors(prefix, e)...)
		}
		return out
	}
	de, ok := err.(*mapstructure.DecodeError)
	if !ok {
		if inner := errors.Unwrap(err); inner != nil {
			return decodeErrors(prefix, inner) // "decoding failed due to …"
		}
		return []error{err}
	}
	inner := de.Unwrap()
	if _, ok := inner.(interface{ Unwrap() []error }); ok {
		return decodeErrors(prefix, inner) // a struct's fields
	}
	key := prefix + de.Name()
	if strings.Contains(inner.Error(), key) {
		return []error{inner} // the message names the key already
	}
	return []error{fmt.Errorf("%s: %w", key, inner)}
}

// readSecrets reads the secrets from their environment variables.
func readSecrets() Secrets {
	s := Secrets{
		SlackToken: os.Getenv("SLACK_BOT_TOKEN"), SigningSecret: os.Getenv("SLACK_SIGNING_SECRET"),
		AppToken: os.Getenv("SLACK_APP_TOKEN"), PagerDutyToken: os.Getenv("PAGERDUTY_API_TOKEN"),
	}
	for _, k := range strings.Split(os.Getenv("PAGERDUTY_WEBHOOK_SECRET"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			s.PagerDutyKeys = append(s.PagerDutyKeys, k)
		}
	}
	return s
}

// Types whose values decodeHook reads by their own rules.
type (
	ruleSeverities map[string]string // check.rules: rule id → off, warning, error
	pathGlobs      []string          // check.ignore
	alertGlobs     []string          // bot.capacity_alerts: a list, or comma-separated
	labelNames     []string          // bot.correlate_labels: a list, or comma-separated
	wordList       []string          // a list, or comma- or space-separated words (URLs, ids, handles)
)

// decodeHook reads durations, routes and the lists and maps above from
// compass.yaml values or environment strings, with errors that say what was
// wanted.
func decodeHook(_ reflect.Type, to reflect.Type, data any) (any, error) {
	switch to {
	case reflect.TypeFor[time.Duration]():
		s, ok := data.(string)
		if !ok {
			return data, nil
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("want a duration like 4h or 90s, got %q", s)
		}
		return d, nil
	case reflect.TypeFor[[]bot.Route]():
		return decodeRoutes(data)
	case reflect.TypeFor[ruleSeverities]():
		return decodeRules(data)
	case reflect.TypeFor[pathGlobs]():
		return decodeGlobs(data)
	case reflect.TypeFor[alertGlobs]():
		return decodeAlertGlobs(data), nil
	case reflect.TypeFor[labelNames]():
		if names, ok := data.(labelNames); ok {
			return names, nil
		}
		return labelNames(decodeAlertGlobs(data)), nil
	case reflect.TypeFor[wordList]():
		return wordList(decodeAlertGlobs(data)), nil
	}
	return data, nil
}

var _ mapstructure.DecodeHookFuncType = decodeHook

// decodeRoutes reads bot.routes from compass.yaml (a list) or from
// COMPASS_BOT_ROUTES (the same list as JSON).
func decodeRoutes(raw any) ([]bot.Route, error) {
	switch r := raw.(type) {
	case nil:
		return nil, nil
	case []bot.Route:
		return r, nil
	case string:
		if strings.TrimSpace(r) == "" {
			return nil, nil
		}
		var routes []bot.Route
		if err := json.Unmarshal([]byte(r), &routes); err != nil {
			return nil, fmt.Errorf(`bot.routes: want JSON like [{"match":{"team":"payments"},"channel":"#payments"}]: %w`, err)
		}
		return routes, nil
	}
	// Round-trip through JSON: viper hands YAML lists over as []any of
	// map[string]any.
	data, err := json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("bot.routes: %w", err)
	}
	var routes []bot.Route
	if err := json.Unmarshal(data, &routes); err != nil {
		return nil, fmt.Errorf("bot.routes: want a list of {match: {label: value}, channel: \"#x\"}: %w", err)
	}
	for i, r := range routes {
		if r.Channel == "" || len(r.Match) == 0 {
			return nil, fmt.Errorf("bot.routes[%d]: needs a match and a channel", i)
		}
	}
	return routes, nil
}

// decodeRules reads check.rules, a mapping of rule id to severity.
func decodeRules(raw any) (ruleSeverities, error) {
	switch r := raw.(type) {
	case nil:
		return nil, nil
	case ruleSeverities:
		return r, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("compass.yaml: check.rules must be a mapping of rule id to off, warning or error")
	}
	rules := ruleSeverities{}
	for k, val := range m {
		switch x := val.(type) {
		case string:
			rules[k] = x
		case bool: // YAML 1.1 reads a bare off as false
			rules[k] = map[bool]string{false: "off", true: "error"}[x]
		default:
			return nil, fmt.Errorf("compass.yaml: check.rules.%s: want off, warning or error, got %v", k, val)
		}
	}
	return rules, nil
}

// decodeGlobs reads check.ignore, a list of path globs.
func decodeGlobs(raw any) (pathGlobs, error) {
	switch r := raw.(type) {
	case nil:
		return nil, nil
	case pathGlobs:
		return r, nil
	case string: // from the environment: comma-separated
		var globs pathGlobs
		for _, g := range strings.Split(r, ",") {
			if g = strings.TrimSpace(g); g != "" {
				globs = append(globs, g)
			}
		}
		return globs, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("compass.yaml: check.ignore must be a list of path globs")
	}
	var globs pathGlobs
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("compass.yaml: check.ignore: %v is not a path glob", x)
		}
		globs = append(globs, s)
	}
	return globs, nil
}

// decodeAlertGlobs reads bot.capacity_alerts: a list whose items may hold
// several comma-separated globs, or (from the environment) one string of
// globs separated by commas or spaces.
func decodeAlertGlobs(raw any) alertGlobs {
	var items []string
	switch r := raw.(type) {
	case alertGlobs:
		return r
	case string:
		items = strings.Fields(r)
	case []any:
		for _, x := range r {
			items = append(items, fmt.Sprint(x))
		}
	case []string:
		items = r
	}
	var globs alertGlobs
	for _, s := range items {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				globs = append(globs, p)
			}
		}
	}
	return globs
}

package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// SocketHandlers are what Socket Mode hands commands and clicks to: the same
// handlers as the HTTP endpoints (*slash.Handler implements it), so both
// transports answer alike. The types are plain (form fields, raw JSON) so
// that this package, which slash's tests use as the bot's Poster, does not
// import slash.
type SocketHandlers interface {
	// SocketCommand answers a slash command given as Slack's form fields
	// within Slack's 3 seconds; the JSON goes back as the envelope's
	// acknowledgement payload.
	SocketCommand(ctx context.Context, form url.Values) (json.RawMessage, error)
	// SocketInteraction starts the work an interaction payload (the JSON
	// that HTTP carries in the "payload" field) asks for and returns at once.
	SocketInteraction(ctx context.Context, payload []byte) error
}

// SocketOptions configure RunSocket.
type SocketOptions struct {
	AppToken   string // app-level token (xapp-…) with connections:write
	BotToken   string // bot token (xoxb-…)
	APIURL     string // default DefaultAPIURL; tests point it at a fake
	Handlers   SocketHandlers
	Logger     *slog.Logger // the caller adds the component attribute
	HTTPClient *http.Client // default: 30s timeout
}

// withDefaults fills in the options left unset.
func (opt SocketOptions) withDefaults() SocketOptions {
	opt.APIURL, opt.HTTPClient = apiDefaults(opt.APIURL, opt.HTTPClient)
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return opt
}

// RunSocket connects to Slack over Socket Mode and serves slash commands and
// interactions until ctx ends, reconnecting as slack-go does. It is for
// workspaces whose bot cannot receive inbound HTTP: no signing secret is
// needed, since the connection itself is authenticated by the app token.
func RunSocket(ctx context.Context, opt SocketOptions) error {
	if !strings.HasPrefix(opt.AppToken, "xapp-") {
		return errors.New("socket mode: SLACK_APP_TOKEN must be an app-level token (xapp-…)")
	}
	if opt.Handlers == nil {
		return errors.New("socket mode: no handlers")
	}
	opt = opt.withDefaults()
	log := opt.Logger
	api := slack.New(opt.BotToken, slack.OptionAppLevelToken(opt.AppToken),
		slack.OptionAPIURL(opt.APIURL), slack.OptionHTTPClient(opt.HTTPClient))
	client := socketmode.New(api)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- client.RunContext(ctx) }()

	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case err := <-errc:
			cancel()
			if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
				return nil
			}
			return fmt.Errorf("socket mode: %w", err)
		case evt := <-client.Events:
			switch evt.Type {
			case socketmode.EventTypeConnecting:
				log.Info("connecting to Slack")
			case socketmode.EventTypeConnected:
				log.Info("connected to Slack")
			case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
				log.Warn("socket mode trouble; slack-go reconnects", "event", evt.Type, "detail", fmt.Sprint(evt.Data))
			case socketmode.EventTypeInvalidAuth:
				cancel()
				<-errc
				return errors.New("socket mode: Slack refused the app token (invalid_auth); check SLACK_APP_TOKEN")
			case socketmode.EventTypeSlashCommand:
				cmd, ok := evt.Data.(slack.SlashCommand)
				if !ok || evt.Request == nil {
					continue
				}
				req := *evt.Request
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, err := opt.Handlers.SocketCommand(ctx, commandForm(cmd))
					if err != nil {
						log.Warn("slash command refused", "error", err)
						client.Ack(req)
						return
					}
					if err := client.Ack(req, resp); err != nil {
						log.Warn("ack slash command", "error", err)
					}
				}()
			case socketmode.EventTypeInteractive:
				if evt.Request == nil {
					continue
				}
				// Acknowledge first: Slack only needs to know it arrived.
				if err := client.Ack(*evt.Request); err != nil {
					log.Warn("ack interaction", "error", err)
				}
				if err := opt.Handlers.SocketInteraction(ctx, evt.Request.Payload); err != nil {
					log.Warn("bad interaction payload", "error", err)
				}
			case socketmode.EventTypeEventsAPI:
				if evt.Request != nil {
					client.Ack(*evt.Request)
				}
			}
		}
	}
}

// commandForm gives slack-go's decoded command back its form field names,
// so that both transports parse commands with the same code.
func commandForm(c slack.SlashCommand) url.Values {
	f := url.Values{}
	for k, v := range map[string]string{
		"command": c.Command, "text": c.Text, "user_id": c.UserID, "user_name": c.UserName,
		"team_id": c.TeamID, "channel_id": c.ChannelID, "channel_name": c.ChannelName,
		"response_url": c.ResponseURL, "trigger_id": c.TriggerID, "api_app_id": c.APIAppID,
	} {
		if v != "" {
			f.Set(k, v)
		}
	}
	return f
}

package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/compasshq/compass/build"
	"github.com/compasshq/compass/build/serve"
	"github.com/spf13/cobra"
)

func newServeCmd(a *app) *cobra.Command {
	var (
		source string
		bind   string
		port   int
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Preview the handbook with live reload while you edit",
		Long: `Serve builds the site into memory and serves it on http://127.0.0.1:1313/,
then watches content/, layouts/, the theme, static/ and compass.yaml. An edit
rebuilds what it touches, and open pages reload by themselves (a stylesheet
change is swapped in without a reload). Content errors show on every page as
an overlay and in the terminal; the page being edited shows what was saved,
broken links marked as in compass build --keep-going.

--port 0 picks a free port. Ctrl-C stops the server.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, cfg, err := siteOptions(cmd, source)
			if err != nil {
				return err
			}
			if port < 0 || port > 65535 {
				return usageError(fmt.Errorf("--port %d is not a port number", port))
			}
			logger, err := newLogger(cfg.Log, a.stderr, siteLog)
			if err != nil {
				return usageError(err)
			}
			opts.Logger = logger
			srv := serve.New(serve.Options{
				Build: opts,
				Reload: func() (build.Options, error) {
					o, _, err := siteOptions(cmd, source)
					o.Logger = logger
					return o, err
				},
				Addr:   net.JoinHostPort(bind, strconv.Itoa(port)),
				Stdout: a.stdout,
				Logger: logger,
			})
			if err := srv.Listen(); err != nil {
				return usageError(err)
			}
			err = srv.Run(cmd.Context(), nil)
			switch {
			case errors.Is(err, build.ErrNoContent):
				return usageError(err)
			case err != nil:
				return &exitError{code: 1, err: err}
			}
			fmt.Fprintln(a.stdout, "stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&source, "source", ".", "site root holding content/, compass.yaml and layouts/")
	f.StringVar(&bind, "bind", "127.0.0.1", "address to listen on; 0.0.0.0 shares the preview with your network")
	f.IntVar(&port, "port", 1313, "port to listen on; 0 picks a free one")
	keyFlag(f, "drafts", "drafts", "also show pages with draft: true")
	return cmd
}

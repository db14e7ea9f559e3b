// Command compass builds the handbook site and runs the ops bot.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3") by
// release builds; otherwise versionString reads it from the build info.
var version = "dev"

// versionString is what compass version prints: the version, from the
// linker flag or from the module version that go install stamps
// (github.com/compasshq/compass/cmd/compass@v1.2.3), and the commit and
// whether the tree was modified, which go build stamps from git.
func versionString(info *debug.BuildInfo) string {
	v := version
	if info == nil {
		return v
	}
	if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if modified == "true" {
			rev += ", modified"
		}
		v += " (commit " + rev + ")"
	}
	return v
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// exitError carries a process exit code up to run: 1 for content errors or
// findings, 2 for usage and internal errors.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError marks err as a usage error (exit code 2).
func usageError(err error) error { return &exitError{code: 2, err: err} }

// app is what every subcommand shares: the output streams.
type app struct {
	stdout io.Writer
	stderr io.Writer
}

// run is main without the process globals, so tests can call it in process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(&app{stdout: stdout, stderr: stderr})
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(stderr, "compass:", ee.err)
		}
		return ee.code
	}
	// Anything else is a usage error from cobra (unknown command, bad
	// arguments) or an internal error: both exit 2.
	fmt.Fprintln(stderr, "compass:", err)
	return 2
}

// newRootCmd is the compass command with every subcommand.
func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "compass",
		Short:         "Build the handbook site and run the ops bot",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	keyFlag(root.PersistentFlags(), "log-level", "log.level", "log level: debug, info, warn or error (log.level; default info for the bot, warn otherwise)")
	root.AddCommand(
		newBuildCmd(a),
		newServeCmd(a),
		newCheckCmd(a),
		newNewCmd(a),
		newSearchCmd(a),
		newBotCmd(a),
		newDocsCmd(a),
		newInitCmd(a),
		newHealthcheckCmd(a),
		&cobra.Command{
			Use:   "version",
			Short: "Print the version",
			Args:  cobra.NoArgs,
			Run: func(*cobra.Command, []string) {
				info, _ := debug.ReadBuildInfo()
				fmt.Fprintln(a.stdout, "compass", versionString(info))
			},
		},
	)
	return root
}

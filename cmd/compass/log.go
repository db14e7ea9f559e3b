package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// logDefaults are what a command's logger does when log.level and
// log.format are unset.
type logDefaults struct {
	level slog.Level
	json  bool // JSON unless w is a terminal
}

var (
	// siteLog: build, check and serve print their report themselves, so
	// the log carries only warnings, as text.
	siteLog = logDefaults{level: slog.LevelWarn}
	// botLog: a service's log, read by machines unless someone watches.
	botLog = logDefaults{level: slog.LevelInfo, json: true}
)

// newLogger is where a run's one logger is made; components get it, or a
// child with a "component" attribute, and never make their own.
func newLogger(c LogConfig, w io.Writer, def logDefaults) (*slog.Logger, error) {
	level := def.level
	switch strings.ToLower(c.Level) {
	case "":
	case "debug":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	case "warn", "warning":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		return nil, fmt.Errorf("log.level: want debug, info, warn or error, got %q", c.Level)
	}
	asJSON := def.json && !isTerminal(w)
	switch strings.ToLower(c.Format) {
	case "":
	case "text":
		asJSON = false
	case "json":
		asJSON = true
	default:
		return nil, fmt.Errorf("log.format: want text or json, got %q", c.Format)
	}
	opts := &slog.HandlerOptions{Level: level}
	if asJSON {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

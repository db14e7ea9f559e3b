package main

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

// newHealthcheckCmd is `compass healthcheck URL`: the container image's
// HEALTHCHECK, since distroless images have no curl or wget.
func newHealthcheckCmd(a *app) *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:    "healthcheck URL",
		Short:  "Exit 0 when URL answers 2xx (the container health check)",
		Args:   cobra.ExactArgs(1),
		Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			c := &http.Client{Timeout: timeout}
			resp, err := c.Get(args[0])
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				return &exitError{code: 1, err: errors.New(resp.Status)}
			}
			fmt.Fprintln(a.stdout, resp.Status)
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "give up after this long")
	return cmd
}

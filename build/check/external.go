package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// checkExternal requests every distinct URL once: HEAD first, GET when the
// server refuses HEAD. At most Concurrency requests run at once and at most
// PerHost to any one host, so a handbook with hundreds of links to one wiki
// does not hammer it. Each failing URL is reported at every place it is
// written.
func checkExternal(ctx context.Context, links []extLink, o ExternalOptions) ([]Finding, error) {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.PerHost <= 0 {
		o.PerHost = 2
	}
	if o.UserAgent == "" {
		o.UserAgent = "compass-check (+https://github.com/compasshq/compass)"
	}
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: o.Timeout}
	}
	byURL := map[string][]extLink{}
	var urls []string
	for _, l := range links {
		if byURL[l.url] == nil {
			urls = append(urls, l.url)
		}
		byURL[l.url] = append(byURL[l.url], l)
	}
	slices.Sort(urls)

	global := make(chan struct{}, o.Concurrency)
	var mu sync.Mutex
	hosts := map[string]chan struct{}{}
	hostSem := func(h string) chan struct{} {
		mu.Lock()
		defer mu.Unlock()
		if hosts[h] == nil {
			hosts[h] = make(chan struct{}, o.PerHost)
		}
		return hosts[h]
	}
	problems := make([]string, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		pu, _ := url.Parse(u)
		hs := hostSem(pu.Host)
		wg.Go(func() {
			select {
			case hs <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-hs }()
			select {
			case global <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-global }()
			problems[i] = probe(ctx, client, u, o)
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Finding
	for i, u := range urls {
		if problems[i] == "" {
			continue
		}
		for _, l := range byURL[u] {
			out = append(out, Finding{File: l.file, Line: l.line, Col: l.col, Severity: ruleByID["external-link-broken"].Default,
				Rule: "external-link-broken", Message: fmt.Sprintf("link to %s %s", u, problems[i])})
		}
	}
	return out, nil
}

// probe returns "" when u answers with a success (after redirects), else
// what went wrong. 429 Too Many Requests counts as reachable: the server is
// there, it only asks us to slow down.
func probe(ctx context.Context, c *http.Client, u string, o ExternalOptions) string {
	status, err := request(ctx, c, http.MethodHead, u, o)
	if err == nil && (status == http.StatusMethodNotAllowed || status == http.StatusNotImplemented || status == http.StatusForbidden || status >= 500) {
		// Many servers answer HEAD badly; ask again the ordinary way.
		status, err = request(ctx, c, http.MethodGet, u, o)
	} else if err != nil && ctx.Err() == nil {
		status, err = request(ctx, c, http.MethodGet, u, o)
	}
	switch {
	case err != nil:
		return "failed: " + err.Error()
	case status == http.StatusTooManyRequests:
		return ""
	case status >= 400:
		return fmt.Sprintf("answered %d %s", status, http.StatusText(status))
	}
	return ""
}

func request(ctx context.Context, c *http.Client, method, u string, o ExternalOptions) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("User-Agent", o.UserAgent)
	if method == http.MethodGet {
		req.Header.Set("Range", "bytes=0-0")
	}
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, fmt.Errorf("no answer within %s", o.Timeout)
		}
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode == http.StatusRequestedRangeNotSatisfiable {
		return http.StatusOK, nil
	}
	return resp.StatusCode, nil
}

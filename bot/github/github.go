// Package github proposes a file to a GitHub repository as a pull request,
// through the REST API, so that a repeated request finds the pull request
// it opened before instead of opening another.
package github

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAPIURL is GitHub's REST API.
const DefaultAPIURL = "https://api.github.com"

// Options configure a Client.
type Options struct {
	Token  string // a token allowed to push branches and open pull requests
	Repo   string // "owner/name"
	Base   string // the branch pull requests target; default "main"
	APIURL string // default "https://api.github.com"; GitHub Enterprise: "https://ghe.example.com/api/v3"
	HTTP   *http.Client
}

// Client talks to one repository.
type Client struct {
	opt         Options
	owner, name string
}

// New checks opt and returns a Client.
func New(opt Options) (*Client, error) {
	owner, name, ok := strings.Cut(opt.Repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("github: repo %q is not owner/name", opt.Repo)
	}
	if opt.Token == "" {
		return nil, errors.New("github: no token")
	}
	if opt.Base == "" {
		opt.Base = "main"
	}
	if opt.APIURL == "" {
		opt.APIURL = DefaultAPIURL
	}
	opt.APIURL = strings.TrimRight(opt.APIURL, "/")
	if opt.HTTP == nil {
		opt.HTTP = &http.Client{Timeout: 20 * time.Second}
	}
	return &Client{opt: opt, owner: owner, name: name}, nil
}

// Proposal is one file to add through a pull request.
type Proposal struct {
	Branch  string // the same for every attempt at the same change
	Path    string // in the repository: "content/reviews/2026-10-14-disk.md"
	Content []byte
	Message string // the commit message
	Title   string // the pull request's
	Body    string
}

// Propose makes sure a pull request from p.Branch exists with p's file on
// it, and returns its web URL; created is false when one from that branch
// already existed (open, closed or merged), which is then left as it is.
// Each step looks before it writes, so a retry after any failure picks up
// where the last attempt stopped.
func (c *Client) Propose(ctx context.Context, p Proposal) (prURL string, created bool, err error) {
	if u, err := c.findPull(ctx, p.Branch); err != nil || u != "" {
		return u, false, err
	}
	if err := c.ensureBranch(ctx, p.Branch); err != nil {
		return "", false, err
	}
	if err := c.ensureFile(ctx, p); err != nil {
		return "", false, err
	}
	var pr struct {
		HTMLURL string `json:"html_url"`
	}
	err = c.do(ctx, http.MethodPost, c.repoPath("pulls"), map[string]string{
		"title": p.Title, "head": p.Branch, "base": c.opt.Base, "body": p.Body,
	}, &pr)
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusUnprocessableEntity {
		// Another click opened it between our look and now.
		if u, ferr := c.findPull(ctx, p.Branch); ferr == nil && u != "" {
			return u, false, nil
		}
	}
	if err != nil {
		return "", false, fmt.Errorf("open pull request: %w", err)
	}
	return pr.HTMLURL, true, nil
}

// findPull returns the web URL of a pull request from branch, "" if none.
func (c *Client) findPull(ctx context.Context, branch string) (string, error) {
	var prs []struct {
		HTMLURL string `json:"html_url"`
	}
	q := url.Values{"head": {c.owner + ":" + branch}, "state": {"all"}}
	if err := c.do(ctx, http.MethodGet, c.repoPath("pulls")+"?"+q.Encode(), nil, &prs); err != nil {
		return "", fmt.Errorf("look for the pull request: %w", err)
	}
	if len(prs) == 0 {
		return "", nil
	}
	return prs[0].HTMLURL, nil
}

// ensureBranch creates branch at the base branch's head unless it exists.
func (c *Client) ensureBranch(ctx context.Context, branch string) error {
	err := c.do(ctx, http.MethodGet, c.repoPath("git/ref/heads/"+pathEscape(branch)), nil, nil)
	if err == nil || !isStatus(err, http.StatusNotFound) {
		return wrap("look for the branch", err)
	}
	var base struct {
		Object struct {
			SHA string `json:"sha"`
		} `json:"object"`
	}
	if err := c.do(ctx, http.MethodGet, c.repoPath("git/ref/heads/"+pathEscape(c.opt.Base)), nil, &base); err != nil {
		return fmt.Errorf("read base branch %s: %w", c.opt.Base, err)
	}
	err = c.do(ctx, http.MethodPost, c.repoPath("git/refs"), map[string]string{"ref": "refs/heads/" + branch, "sha": base.Object.SHA}, nil)
	if isStatus(err, http.StatusUnprocessableEntity) {
		return nil // created meanwhile by another attempt
	}
	return wrap("create branch", err)
}

// ensureFile writes p's file on its branch unless it is there already
// with the same content.
func (c *Client) ensureFile(ctx context.Context, p Proposal) error {
	var cur struct {
		SHA     string `json:"sha"`
		Content string `json:"content"`
	}
	path := c.repoPath("contents/"+pathEscape(p.Path)) + "?ref=" + url.QueryEscape(p.Branch)
	err := c.do(ctx, http.MethodGet, path, nil, &cur)
	if err != nil && !isStatus(err, http.StatusNotFound) {
		return fmt.Errorf("read %s: %w", p.Path, err)
	}
	if err == nil {
		// GitHub wraps base64 at 60 columns.
		if b, derr := base64.StdEncoding.DecodeString(strings.ReplaceAll(cur.Content, "\n", "")); derr == nil && bytes.Equal(b, p.Content) {
			return nil
		}
	}
	body := map[string]string{
		"message": p.Message, "branch": p.Branch,
		"content": base64.StdEncoding.EncodeToString(p.Content),
	}
	if cur.SHA != "" {
		body["sha"] = cur.SHA
	}
	return wrap("write "+p.Path, c.do(ctx, http.MethodPut, c.repoPath("contents/"+pathEscape(p.Path)), body, nil))
}

// APIError is an answer of GitHub's other than 2xx.
type APIError struct {
	Status  int
	Message string // GitHub's message, "Reference already exists"
}

func (e *APIError) Error() string {
	return fmt.Sprintf("github: %d %s", e.Status, e.Message)
}

func isStatus(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == status
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

func (c *Client) repoPath(rest string) string {
	return "/repos/" + url.PathEscape(c.owner) + "/" + url.PathEscape(c.name) + "/" + rest
}

// pathEscape escapes each segment of a slash path.
func pathEscape(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// do sends one API request with JSON in and out; out may be nil.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.opt.APIURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.opt.Token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.opt.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(b, &e) != nil || e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
		return &APIError{Status: resp.StatusCode, Message: e.Message}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decode %s %s: %w", method, path, err)
	}
	return nil
}

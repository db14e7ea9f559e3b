package github

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeGitHub is the part of GitHub's REST API Propose uses, for one
// repository, "team/handbook", whose main branch is at "base-sha".
type fakeGitHub struct {
	t     *testing.T
	mu    sync.Mutex
	refs  map[string]string            // branch → sha
	files map[string]map[string]string // branch → path → content
	pulls []fakePull
	fail  map[string]int // route pattern → failures (500) left
	calls []string
}

type fakePull struct {
	Number                  int
	Title, Head, Base, Body string
}

func newFakeGitHub(t *testing.T) (*fakeGitHub, *httptest.Server) {
	f := &fakeGitHub{t: t, refs: map[string]string{"main": "base-sha"}, files: map[string]map[string]string{}, fail: map[string]int{}}
	mux := http.NewServeMux()
	route := func(pattern string, h func(w http.ResponseWriter, r *http.Request)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls = append(f.calls, r.Method+" "+r.URL.Path)
			if r.Header.Get("Authorization") != "Bearer tok" {
				reply(w, 401, map[string]string{"message": "Bad credentials"})
				return
			}
			if f.fail[pattern] > 0 {
				f.fail[pattern]--
				reply(w, 500, map[string]string{"message": "Server Error"})
				return
			}
			h(w, r)
		})
	}
	route("GET /repos/team/handbook/pulls", func(w http.ResponseWriter, r *http.Request) {
		out := []map[string]any{}
		for _, p := range f.pulls {
			if "team:"+p.Head == r.URL.Query().Get("head") {
				out = append(out, map[string]any{"number": p.Number, "html_url": f.pullURL(p.Number)})
			}
		}
		reply(w, 200, out)
	})
	route("POST /repos/team/handbook/pulls", func(w http.ResponseWriter, r *http.Request) {
		var p fakePull
		decode(t, r, &p)
		for _, o := range f.pulls {
			if o.Head == p.Head {
				reply(w, 422, map[string]string{"message": "Validation Failed"})
				return
			}
		}
		if _, ok := f.refs[p.Head]; !ok || f.refs[p.Base] == "" {
			reply(w, 422, map[string]string{"message": "Validation Failed"})
			return
		}
		p.Number = len(f.pulls) + 1
		f.pulls = append(f.pulls, p)
		reply(w, 201, map[string]any{"number": p.Number, "html_url": f.pullURL(p.Number)})
	})
	route("GET /repos/team/handbook/git/ref/heads/{branch...}", func(w http.ResponseWriter, r *http.Request) {
		sha, ok := f.refs[r.PathValue("branch")]
		if !ok {
			reply(w, 404, map[string]string{"message": "Not Found"})
			return
		}
		reply(w, 200, map[string]any{"object": map[string]string{"sha": sha}})
	})
	route("POST /repos/team/handbook/git/refs", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Ref, SHA string }
		decode(t, r, &in)
		b, ok := strings.CutPrefix(in.Ref, "refs/heads/")
		if _, exists := f.refs[b]; !ok || exists {
			reply(w, 422, map[string]string{"message": "Reference already exists"})
			return
		}
		f.refs[b] = in.SHA
		reply(w, 201, map[string]any{"ref": in.Ref})
	})
	route("GET /repos/team/handbook/contents/{path...}", func(w http.ResponseWriter, r *http.Request) {
		c, ok := f.files[r.URL.Query().Get("ref")][r.PathValue("path")]
		if !ok {
			reply(w, 404, map[string]string{"message": "Not Found"})
			return
		}
		reply(w, 200, map[string]string{"sha": "file-sha", "content": base64.StdEncoding.EncodeToString([]byte(c))})
	})
	route("PUT /repos/team/handbook/contents/{path...}", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Message, Content, Branch, SHA string }
		decode(t, r, &in)
		if _, ok := f.refs[in.Branch]; !ok || in.Message == "" {
			reply(w, 422, map[string]string{"message": "Validation Failed"})
			return
		}
		path := r.PathValue("path")
		if _, exists := f.files[in.Branch][path]; exists && in.SHA != "file-sha" {
			reply(w, 409, map[string]string{"message": "sha wasn't supplied"})
			return
		}
		b, err := base64.StdEncoding.DecodeString(in.Content)
		if err != nil {
			t.Errorf("content is not base64: %v", err)
		}
		if f.files[in.Branch] == nil {
			f.files[in.Branch] = map[string]string{}
		}
		f.files[in.Branch][path] = string(b)
		f.refs[in.Branch] = "commit-" + path
		reply(w, 201, map[string]any{})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeGitHub) pullURL(n int) string {
	return "https://github.com/team/handbook/pull/" + string(rune('0'+n))
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func decode(t *testing.T, r *http.Request, v any) {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		t.Errorf("%s %s: body is not JSON: %v", r.Method, r.URL.Path, err)
	}
}

var proposal = Proposal{
	Branch: "compass/review-2026-10-14-0123456789", Path: "content/reviews/2026-10-14-disk full.md",
	Content: []byte("---\ntitle: Disk\n---\nbody\n"), Message: "Add the review of Disk",
	Title: "Incident review: Disk", Body: "Drafted from the thread.",
}

func TestProposeOpensOnePullRequest(t *testing.T) {
	f, srv := newFakeGitHub(t)
	c, err := New(Options{Token: "tok", Repo: "team/handbook", APIURL: srv.URL + "/"})
	if err != nil {
		t.Fatal(err)
	}
	u, created, err := c.Propose(context.Background(), proposal)
	if err != nil || !created || u != "https://github.com/team/handbook/pull/1" {
		t.Fatalf("first Propose = %q, %v, %v; want pull 1, created", u, created, err)
	}
	if got := f.files[proposal.Branch][proposal.Path]; got != string(proposal.Content) {
		t.Errorf("file on the branch = %q, want %q", got, proposal.Content)
	}
	want := fakePull{Number: 1, Title: proposal.Title, Head: proposal.Branch, Base: "main", Body: proposal.Body}
	if len(f.pulls) != 1 || f.pulls[0] != want {
		t.Errorf("pulls = %+v, want [%+v]", f.pulls, want)
	}
	// A repeated click: the same pull request, nothing written.
	n := len(f.calls)
	u2, created, err := c.Propose(context.Background(), proposal)
	if err != nil || created || u2 != u {
		t.Fatalf("second Propose = %q, %v, %v; want %q, not created", u2, created, err, u)
	}
	if len(f.pulls) != 1 || len(f.calls) != n+1 {
		t.Errorf("second Propose made %d calls (%v) and left %d pulls; want one look and one pull", len(f.calls)-n, f.calls[n:], len(f.pulls))
	}
}

// TestProposeResumes fails each write step once: every retry continues
// where the last attempt stopped, and one pull request comes out.
func TestProposeResumes(t *testing.T) {
	for _, step := range []string{
		"GET /repos/team/handbook/git/ref/heads/{branch...}",
		"POST /repos/team/handbook/git/refs",
		"PUT /repos/team/handbook/contents/{path...}",
		"POST /repos/team/handbook/pulls",
	} {
		t.Run(step, func(t *testing.T) {
			f, srv := newFakeGitHub(t)
			f.fail[step] = 1
			c, _ := New(Options{Token: "tok", Repo: "team/handbook", APIURL: srv.URL})
			if _, _, err := c.Propose(context.Background(), proposal); err == nil || !strings.Contains(err.Error(), "500") {
				t.Fatalf("first attempt: err %v, want GitHub's 500", err)
			}
			u, created, err := c.Propose(context.Background(), proposal)
			if err != nil || !created || u == "" {
				t.Fatalf("retry = %q, %v, %v", u, created, err)
			}
			if len(f.pulls) != 1 || f.files[proposal.Branch][proposal.Path] != string(proposal.Content) {
				t.Errorf("pulls %+v, file %q", f.pulls, f.files[proposal.Branch][proposal.Path])
			}
		})
	}
}

func TestProposeChangedDraftUpdatesFile(t *testing.T) {
	f, srv := newFakeGitHub(t)
	c, _ := New(Options{Token: "tok", Repo: "team/handbook", APIURL: srv.URL})
	f.fail["POST /repos/team/handbook/pulls"] = 1
	c.Propose(context.Background(), proposal)
	p := proposal
	p.Content = []byte("---\ntitle: Disk\n---\nmore notes\n")
	if _, _, err := c.Propose(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if got := f.files[p.Branch][p.Path]; got != string(p.Content) {
		t.Errorf("file = %q, want the newer draft", got)
	}
}

func TestNewAndAPIErrors(t *testing.T) {
	for _, o := range []Options{{Token: "tok", Repo: "handbook"}, {Token: "tok", Repo: "a/b/c"}, {Repo: "a/b"}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	_, srv := newFakeGitHub(t)
	c, _ := New(Options{Token: "wrong", Repo: "team/handbook", APIURL: srv.URL})
	_, _, err := c.Propose(context.Background(), proposal)
	if !isStatus(err, http.StatusUnauthorized) || !strings.Contains(err.Error(), "Bad credentials") {
		t.Errorf("err %v, want GitHub's 401 with its message", err)
	}
}

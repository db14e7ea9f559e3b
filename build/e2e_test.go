package build

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/compasshq/compass/build/handbook"
	"github.com/compasshq/compass/internal/testutil"
)

// TestBrowser builds the example handbook (content/ at the repository
// root), serves it on 127.0.0.1 and drives headless Chromium through the
// home page, a charter and a meeting page. It fails on any console error or
// exception and on any request to a host other than the test server.
//
// Without Chromium it skips, unless COMPASS_E2E=1 (set in CI), where a
// missing browser is a failure rather than a silently skipped test.
func TestBrowser(t *testing.T) {
	ctx := testutil.Browser(t, 3*time.Minute, chromedp.Headless, chromedp.WindowSize(1280, 900))
	out := testutil.ExampleSite(t, func(ctx context.Context, source, out string) error {
		res, err := Build(ctx, Options{Source: source, Out: out, Title: "Lattice Labs handbook"})
		if err == nil {
			t.Logf("built %d pages", res.Pages)
		}
		return err
	})

	var m handbook.Map
	b, err := os.ReadFile(filepath.Join(out, "compass.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Teams) == 0 || len(m.Meetings) == 0 {
		t.Fatalf("the example handbook needs a charter and a meeting; compass.json has %d teams, %d meetings", len(m.Teams), len(m.Meetings))
	}

	srv := httptest.NewServer(http.FileServer(http.Dir(out)))
	defer srv.Close()
	srvURL, _ := url.Parse(srv.URL)

	var mu sync.Mutex
	var problems []string
	requests := 0
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value))
				}
				problems = append(problems, "console error: "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, fmt.Sprintf("exception: %s %s:%d", ev.ExceptionDetails.Text, ev.ExceptionDetails.URL, ev.ExceptionDetails.LineNumber))
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				problems = append(problems, "browser log: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			requests++
			u, err := url.Parse(ev.Request.URL)
			if err != nil || (u.Scheme != "data" && u.Host != srvURL.Host) {
				problems = append(problems, "request left the test server: "+ev.Request.URL)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	t.Run("home", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(css("main h1"))); err != nil {
			t.Fatal(err)
		}
		title, err := chromedp.Run(ctx, chromedp.Title())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(title, "Lattice Labs handbook") {
			t.Errorf("home title %q", title)
		}
		if testutil.Update() {
			png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("testdata", "screenshot.png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("charter", func(t *testing.T) {
		team := m.Teams[0]
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+team.URL), chromedp.WaitVisible(css(".kind-block.charter"))); err != nil {
			t.Fatal(err)
		}
		h1, err := chromedp.Run(ctx, chromedp.Text(css("main h1")))
		if err != nil {
			t.Fatal(err)
		}
		if h1 != team.Name {
			t.Errorf("charter h1 %q, want %q", h1, team.Name)
		}
		if team.Mission != "" {
			mission, err := chromedp.Run(ctx, chromedp.Text(css(".mission")))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(mission, team.Mission) {
				t.Errorf("mission %q, want it to contain %q", mission, team.Mission)
			}
		}
		people, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.people tbody tr").length`))
		if err != nil {
			t.Fatal(err)
		}
		if people != len(team.People) {
			t.Errorf("people table has %d rows, want %d", people, len(team.People))
		}
	})
	t.Run("meeting", func(t *testing.T) {
		mt := m.Meetings[0]
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+mt.URL), chromedp.WaitVisible(css(".kind-block.meeting"))); err != nil {
			t.Fatal(err)
		}
		items, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("ol.agenda li").length`))
		if err != nil {
			t.Fatal(err)
		}
		if items != len(mt.Agenda) {
			t.Errorf("agenda has %d items, want %d", items, len(mt.Agenda))
		}
		cadence, err := chromedp.Run(ctx, chromedp.Text(css(".cadence")))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(strings.ToLower(cadence), mt.Cadence.Every) {
			t.Errorf("cadence %q does not start with %q", cadence, mt.Cadence.Every)
		}
	})
	t.Run("organisation views", func(t *testing.T) { browserViews(t, ctx, srv.URL, &m) })
	t.Run("sidebar navigates", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(css(".sidebar a"))); err != nil {
			t.Fatal(err)
		}
		href, err := chromedp.Run(ctx, chromedp.AttributeValue(css(".sidebar a"), "href"))
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(css(".sidebar a")), chromedp.WaitVisible(css(`.sidebar a[aria-current="page"]`))); err != nil {
			t.Fatal(err)
		}
		path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
		if err != nil {
			t.Fatal(err)
		}
		current, err := chromedp.Run(ctx, chromedp.AttributeValue(css(`.sidebar a[aria-current="page"]`), "href"))
		if err != nil {
			t.Fatal(err)
		}
		if path != href.Value || current.Value != href.Value {
			t.Errorf("clicked %q, landed on %q with current item %q", href.Value, path, current.Value)
		}
	})

	mu.Lock()
	defer mu.Unlock()
	// Pages, stylesheets, scripts and the favicon: if the listener saw none,
	// the "no request leaves 127.0.0.1" check above proved nothing.
	if requests < 8 {
		t.Errorf("saw only %d requests; is the network listener working?", requests)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

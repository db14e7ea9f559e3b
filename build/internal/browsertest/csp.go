package browsertest

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/pelletier/go-toml/v2"
)

// NetlifyHeaders returns the headers the netlify.toml at path sets for
// every page ("/*"), as Netlify would send them; it must set a
// Content-Security-Policy, which the browser tests hold the theme to.
func NetlifyHeaders(tb testing.TB, path string) map[string]string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var cfg struct {
		Headers []struct {
			For    string            `toml:"for"`
			Values map[string]string `toml:"values"`
		} `toml:"headers"`
	}
	if err := toml.Unmarshal(b, &cfg); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	for _, h := range cfg.Headers {
		if h.For == "/*" && h.Values["Content-Security-Policy"] != "" {
			return h.Values
		}
	}
	tb.Fatalf(`%s sets no Content-Security-Policy for "/*"`, path)
	return nil
}

// Violations collects what pages opened in a browser report against their
// Content-Security-Policy, and their uncaught exceptions. They arrive three
// ways: the page's securitypolicyviolation events (recorded by a script
// the DevTools protocol injects, which the policy does not govern), the
// browser log and the console.
type Violations struct {
	mu     sync.Mutex
	logged []string
}

// RecordViolations starts recording in ctx, before any page is opened.
func RecordViolations(tb testing.TB, ctx context.Context) *Violations {
	tb.Helper()
	v := &Violations{}
	err := chromedp.Listen(ctx, func(ev any) {
		if msg := eventText(ev); msg != "" {
			v.mu.Lock()
			v.logged = append(v.logged, msg)
			v.mu.Unlock()
		}
	})
	fatalIf(tb, "listen to the browser", err)
	_, err = chromedp.Call(ctx, log.Enable, cdp.Empty{})
	fatalIf(tb, "enable the browser log", err)
	_, err = chromedp.Call(ctx, runtime.Enable, cdp.Empty{})
	fatalIf(tb, "enable the runtime", err)
	_, err = chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
		window.__csp = [];
		document.addEventListener("securitypolicyviolation", function (e) {
			window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
				" at " + (e.sourceFile || "?") + ":" + e.lineNumber + ":" + e.columnNumber +
				(e.sample ? " (" + e.sample + ")" : ""));
		});`})
	fatalIf(tb, "add the violation recorder", err)
	return v
}

// eventText is the text of a log entry, console call or exception.
func eventText(ev any) string {
	switch e := ev.(type) {
	case *log.EventEntryAdded:
		return e.Entry.Text
	case *runtime.EventConsoleAPICalled:
		var msg string
		for _, a := range e.Args {
			msg += string(a.Value) + " " + a.Description
		}
		return msg
	case *runtime.EventExceptionThrown:
		msg := "exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			msg += " " + e.ExceptionDetails.Exception.Description
		}
		return msg
	}
	return ""
}

// Reset forgets what the browser reported so far (the page's own record
// starts afresh with each page).
func (v *Violations) Reset() {
	v.mu.Lock()
	v.logged = nil
	v.mu.Unlock()
}

// Read returns the current page's violations and what the browser reported
// about the policy or an exception since the last Reset.
func (v *Violations) Read(ctx context.Context) ([]string, error) {
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp`))
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, m := range v.logged {
		if strings.Contains(m, "Content Security Policy") || strings.Contains(m, "Content-Security-Policy") || strings.HasPrefix(m, "exception:") {
			got = append(got, "browser reported: "+m)
		}
	}
	return got, nil
}

// fatalIf stops the test when a step of setting up the browser failed.
func fatalIf(tb testing.TB, what string, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

//go:build linux

package httpserver_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/compasshq/compass/bot/httpserver"
	"github.com/compasshq/compass/internal/testutil"
)

// TestOpenFileLimit is issue 13 item 6 as reported: a bot limited to 1,024
// open files is sent 1,500 idle connections. With the default cap, /healthz
// still answers, a webhook gets an answer, and the server never fails to
// accept for want of file descriptors ("too many open files"). The server
// runs in a child process (this test binary again) so that only it has the
// low limit.
func TestOpenFileLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 1,500 connections")
	}
	// The client side needs 1,600 files: raise the soft limit if it is
	// lower (1,024 is a common default; the hard limit is usually higher).
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < 1600 && lim.Max >= 1600 {
		raised := syscall.Rlimit{Cur: 1600, Max: lim.Max}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) })
	} else if lim.Cur < 1600 {
		msg := fmt.Sprintf("this process may open at most %d files; the test needs 1,600", lim.Max)
		if testutil.E2E() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "COMPASS_FDLIMIT_SERVER=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr testutil.SyncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	lines := bufio.NewScanner(stdout)
	var addr string
	for lines.Scan() {
		if a, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
			addr = a
			break
		}
	}
	if addr == "" {
		t.Fatalf("server child did not start:\n%s", stderr.String())
	}
	go func() {
		for lines.Scan() {
		}
	}()

	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	for range 1500 {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("dial idle connection %d: %v", len(idle)+1, err)
		}
		idle = append(idle, c)
	}
	base := "http://" + addr
	if code, _, body := do(t, "GET", base+"/healthz"); code != 200 {
		t.Errorf("/healthz with 1,500 idle connections = %d %q, want 200", code, body)
	}
	if code, _, body := do(t, "POST", base+"/hooks/test"); code != 200 && code != 503 {
		t.Errorf("webhook with 1,500 idle connections = %d %q, want 200 or 503", code, body)
	}
	if strings.Contains(stderr.String(), "too many open files") {
		t.Errorf("the server ran out of file descriptors:\n%s", stderr.String())
	}
}

// TestMain runs the server child of TestOpenFileLimit when asked to, and
// the tests otherwise.
func TestMain(m *testing.M) {
	if os.Getenv("COMPASS_FDLIMIT_SERVER") == "1" {
		serveWithFileLimit()
		return
	}
	os.Exit(m.Run())
}

// serveWithFileLimit is the child of TestOpenFileLimit: a server with the
// default cap in a process limited to 1,024 open files, serving until it is
// killed.
func serveWithFileLimit() {
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: 1024, Max: 1024}); err != nil {
		panic(err)
	}
	maxConns, _ := strconv.Atoi(os.Getenv("COMPASS_FDLIMIT_CAP")) // 0: the default
	srv := httpserver.New(httpserver.Options{Addr: "127.0.0.1:0", MaxConnections: maxConns, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	srv.Handle("POST /hooks/test", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	err := srv.ListenAndServe(context.Background(), func(a net.Addr) { os.Stdout.WriteString("listening on " + a.String() + "\n") })
	panic(err)
}

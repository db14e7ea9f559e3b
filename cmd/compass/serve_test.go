package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer the server goroutine and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestServePortInUse(t *testing.T) {
	dir := writeFiles(t, map[string]string{"content/_index.md": "---\ntitle: Home\n---\nHi.\n"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--source", dir, "--port", fmt.Sprint(port)}, &stdout, &stderr)
	want := fmt.Sprintf("compass: port %d is in use; try --port %d\n", port, port+1)
	if code != 2 || stderr.String() != want {
		t.Errorf("code %d, stderr %q; want 2, %q", code, stderr.String(), want)
	}
}

func TestServeStartsAndStops(t *testing.T) {
	dir := writeFiles(t, map[string]string{"content/_index.md": "---\ntitle: Home\n---\nHi.\n"})
	ctx, cancel := context.WithCancel(context.Background())
	out, errs := &lockedBuffer{}, &lockedBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--source", dir, "--port", "0"}, out, errs) }()
	deadline := time.After(60 * time.Second)
	for !strings.Contains(out.String(), "serving http://127.0.0.1:") {
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d: %s%s", code, out, errs)
		case <-deadline:
			t.Fatalf("serve did not print its URL: %s%s", out, errs)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 || !strings.HasSuffix(out.String(), "stopped\n") {
			t.Errorf("code %d, stdout %q, stderr %q", code, out, errs)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop on cancel")
	}
}

package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestHealthcheck: the container health check passes on 2xx only, and on
// a server that is not there it fails rather than hangs.
func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	tests := []struct {
		name   string
		status int
		url    string
		want   int
	}{
		{"healthy", http.StatusOK, srv.URL + "/healthz", 0},
		{"unhealthy", http.StatusServiceUnavailable, srv.URL + "/healthz", 1},
		{"nobody there", http.StatusOK, "http://127.0.0.1:1/healthz", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status = tt.status
			if code, out := runCompass(t, "healthcheck", "--timeout", "2s", tt.url); code != tt.want {
				t.Errorf("exit %d, want %d:\n%s", code, tt.want, out)
			}
		})
	}
}

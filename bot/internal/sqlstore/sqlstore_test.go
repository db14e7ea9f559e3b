package sqlstore

import (
	"testing"
	"time"
)

func TestNanos(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		want int64
	}{
		{"zero time is 0", time.Time{}, 0},
		{"nanoseconds kept", time.Unix(1700000000, 123456789), 1700000000123456789},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Nanos(tt.t)
			if got != tt.want {
				t.Fatalf("Nanos = %d, want %d", got, tt.want)
			}
			if back := FromNanos(got); !back.Equal(tt.t) {
				t.Fatalf("FromNanos(Nanos(t)) = %v, want %v", back, tt.t)
			}
		})
	}
}

func TestPrefixed(t *testing.T) {
	tests := []struct{ name, p, cols, want string }{
		{"one", "o.", "id", "o.id"},
		{"spaces and newlines", "o.", "id, kind,\n\tstate", "o.id, o.kind, o.state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Prefixed(tt.p, tt.cols); got != tt.want {
				t.Fatalf("Prefixed(%q, %q) = %q, want %q", tt.p, tt.cols, got, tt.want)
			}
		})
	}
}

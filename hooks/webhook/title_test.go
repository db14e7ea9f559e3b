package webhook

import "testing"

func TestTrimStatusPrefix(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"firing with count", "[FIRING:3] prod-eu-1 capacity: memory", "prod-eu-1 capacity: memory"},
		{"resolved", "[RESOLVED] prod-eu-1 capacity", "prod-eu-1 capacity"},
		{"lower case and spaces", "  [firing:12]   disk full", "disk full"},
		{"no prefix", "Checkout API error rate above 5%", "Checkout API error rate above 5%"},
		{"prefix only stays", "[FIRING:1]", "[FIRING:1]"},
		{"other bracket kept", "[P1] checkout down", "[P1] checkout down"},
		{"not at the start", "checkout [FIRING:2] down", "checkout [FIRING:2] down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TrimStatusPrefix(tt.in); got != tt.want {
				t.Errorf("TrimStatusPrefix(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

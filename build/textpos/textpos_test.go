package textpos_test

import (
	"testing"

	"github.com/compasshq/compass/build/textpos"
)

func TestLineCol(t *testing.T) {
	data := []byte("ab\ncde\n\nf")
	tests := []struct {
		name      string
		off       int64
		line, col int
	}{
		{"start", 0, 1, 1},
		{"first line", 1, 1, 2},
		{"the newline ends its line", 2, 1, 3},
		{"second line", 3, 2, 1},
		{"second line end", 5, 2, 3},
		{"empty line", 7, 3, 1},
		{"last byte", 8, 4, 1},
		{"end", 9, 4, 2},
		{"past the end", 99, 4, 2},
		{"negative", -5, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, col := textpos.LineCol(data, tt.off)
			if line != tt.line || col != tt.col {
				t.Errorf("LineCol(%d) = %d:%d, want %d:%d", tt.off, line, col, tt.line, tt.col)
			}
		})
	}
}

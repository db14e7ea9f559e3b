package contrast

import (
	"math"
	"testing"
)

func TestRatio(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want float64
	}{
		{"black on white", "#000", "#fff", 21},
		{"same colour", "#777777", "#777777", 1},
		{"grey on white", "#767676", "#ffffff", 4.54}, // the lightest grey that passes AA on white
		{"order does not matter", "#ffffff", "#767676", 4.54},
		{"github dark text", "#e6edf3", "#0d1117", 16.02},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse(tt.a)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Parse(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if got := Ratio(a, b); math.Abs(got-tt.want) > 0.01 {
				t.Errorf("Ratio(%s, %s) = %.3f, want %.2f", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    RGB
		wantErr bool
	}{
		{in: "#0b57d0", want: RGB{0x0b, 0x57, 0xd0}},
		{in: "#ABC", want: RGB{0xaa, 0xbb, 0xcc}},
		{in: "0b57d0", wantErr: true},
		{in: "#12345", wantErr: true},
		{in: "#gggggg", wantErr: true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil && got.String() != "#"+map[bool]string{true: "aabbcc", false: "0b57d0"}[tt.in == "#ABC"] {
			t.Errorf("String() = %s", got)
		}
	}
}

// Ensure must reach the ratio against every background, and leave a
// colour that already passes alone.
func TestEnsure(t *testing.T) {
	light, _ := Parse("#f6f8fa")
	hl, _ := Parse("#fff8c5")
	dark, _ := Parse("#161b22")
	tests := []struct {
		name   string
		fg     string
		bgs    []RGB
		toward RGB
	}{
		{"faint grey on light", "#aaaaaa", []RGB{light, hl}, Black},
		{"dark punctuation on dark", "#30363d", []RGB{dark}, White},
		{"already fine", "#1f2328", []RGB{light}, Black},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fg, _ := Parse(tt.fg)
			got := Ensure(fg, tt.bgs, AA, tt.toward)
			if r := Lowest(got, tt.bgs); r < AA {
				t.Errorf("Ensure(%s) = %s with contrast %.2f, want ≥ %.1f", tt.fg, got, r, AA)
			}
			if Lowest(fg, tt.bgs) >= AA && got != fg {
				t.Errorf("Ensure changed %s, which already passes, to %s", fg, got)
			}
		})
	}
}

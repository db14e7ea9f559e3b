// Package contrast computes WCAG 2 contrast ratios between sRGB colours and
// nudges a colour until it reaches a ratio, so the theme's colour rules can
// be generated and tested rather than judged by eye.
package contrast

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// AA is the WCAG 2 level AA minimum contrast ratio for normal-size text.
const AA = 4.5

// RGB is an opaque sRGB colour with 8-bit channels.
type RGB struct{ R, G, B uint8 }

// Black and White are the ends colours are pushed towards.
var (
	Black = RGB{0, 0, 0}
	White = RGB{255, 255, 255}
)

// Parse reads "#rgb" or "#rrggbb" (case-insensitive).
func Parse(s string) (RGB, error) {
	h := strings.TrimPrefix(strings.TrimSpace(s), "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) != 6 || len(s) == len(h) {
		return RGB{}, fmt.Errorf("parse colour %q: want #rgb or #rrggbb", s)
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return RGB{}, fmt.Errorf("parse colour %q: %w", s, err)
	}
	return RGB{uint8(v >> 16), uint8(v >> 8), uint8(v)}, nil
}

// String returns the colour as "#rrggbb".
func (c RGB) String() string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// Luminance is the WCAG 2 relative luminance of c, 0 (black) to 1 (white).
func (c RGB) Luminance() float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

// Ratio is the WCAG 2 contrast ratio of a and b, from 1 to 21; the order
// of the arguments does not matter.
func Ratio(a, b RGB) float64 {
	la, lb := a.Luminance(), b.Luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// Mix returns a blended with b: t=0 gives a, t=1 gives b.
func Mix(a, b RGB, t float64) RGB {
	m := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + (float64(y)-float64(x))*t)) }
	return RGB{m(a.R, b.R), m(a.G, b.G), m(a.B, b.B)}
}

// Ensure returns fg, or fg mixed towards `toward` in small steps until its
// contrast with every colour of bgs is at least min. Hue is kept as far as
// the ratio allows, so a palette stays recognisable. Mixing all the way
// reaches `toward` itself, which is the best that can be done.
func Ensure(fg RGB, bgs []RGB, min float64, toward RGB) RGB {
	for step := 0; step <= 50; step++ {
		c := Mix(fg, toward, float64(step)/50)
		if Lowest(c, bgs) >= min {
			return c
		}
	}
	return toward
}

// Lowest is the smallest contrast of fg with any colour of bgs.
func Lowest(fg RGB, bgs []RGB) float64 {
	low := math.Inf(1)
	for _, bg := range bgs {
		low = math.Min(low, Ratio(fg, bg))
	}
	return low
}

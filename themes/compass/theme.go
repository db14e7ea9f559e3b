// Package compass is Compass's default theme: html/template layouts and
// assets embedded in the binary, so `compass build` works anywhere without a
// theme on disk. A site overrides any file by providing one with the same
// name (see build's theme loading).
package compass

import "embed"

// FS holds layouts/ (templates) and assets/ (CSS, JS, images).
//
//go:embed layouts assets
var FS embed.FS

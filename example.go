// Package compass holds what the compass binary carries from the root of
// its repository: the example handbook that compass init --example copies,
// so it works after go install, with no checkout.
package compass

import "embed"

// ExampleHandbook is the repository's content/ folder, the example
// handbook that also serves as the test corpus.
//
//go:embed all:content
var ExampleHandbook embed.FS

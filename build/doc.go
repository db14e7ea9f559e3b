// Package build turns a handbook's content/ into the static site in public/:
// it loads and validates every page's front matter, renders Markdown,
// resolves links and anchors, applies the theme's templates and writes the
// pages, compass.json and the search index.
package build

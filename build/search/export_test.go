package search

// The Go/JS agreement tests (package search_test) compare the browser's
// tokenizer and stemmer with these.
var (
	Stem     = stem
	Tokenize = tokenize
)

type Token = token

package search

// manifest is search/manifest.json: the entry point of the search index. It is
// small and is the only file a reader must fetch before a query; it names
// every other file of the index.
type manifest struct {
	Version int       `json:"version"` // indexVersion
	Docs    int       `json:"docs"`    // number of indexed sections
	Pages   int       `json:"pages"`   // number of pages
	Scale   float64   `json:"scale"`   // BM25 score of one impact unit
	Dict    []dictRef `json:"dict"`    // dictionary shards, sorted by first term
	Post    []string  `json:"post"`    // postings packs, by number
	Pos     []string  `json:"pos"`     // positions packs, by number
	Meta    []metaRef `json:"meta"`    // document shards, sorted by first doc
}

// dictRef names a dictionary shard and the first term it holds; a shard holds
// every term from its first up to the next shard's first.
type dictRef struct {
	First string `json:"f"`
	File  string `json:"n"`
}

// metaRef names a document shard and the first document ID it holds.
type metaRef struct {
	First int    `json:"f"`
	File  string `json:"n"`
}

// metaFile is the decompressed JSON of a document shard: whole pages and
// their sections, with the text used for snippets.
type metaFile struct {
	// Pages: [url, title, kind, team] for each page in the shard.
	Pages [][4]string `json:"pages"`
	// Docs: one per section, in ID order: [page index in Pages, URL suffix
	// ("" for the page itself, "#anchor", or a full URL), heading, excerpt].
	Docs []metaFileDoc `json:"docs"`
}

// metaFileDoc is one section in a metaFile, encoded as a JSON array.
type metaFileDoc [4]any

// Weights of a clause's match kinds: an exact term counts fully, a prefix
// expansion of the last word typed and a one-edit typo less. Scores are
// integer sums of weight × impact, so Go and JavaScript rank identically.
const (
	WeightExact  = 4
	WeightPrefix = 3
	WeightParts  = 2
	WeightTypo   = 2
	// MaxExpansions caps how many dictionary terms a prefix expands to (the
	// most frequent win), so a two-letter prefix stays cheap.
	MaxExpansions = 24
	// MinTypoLen is the shortest word, in characters, that gets typo
	// tolerance.
	MinTypoLen = 5
	// MinPrefixLen is the shortest last word, in characters, that is
	// expanded as a prefix.
	MinPrefixLen = 2
)

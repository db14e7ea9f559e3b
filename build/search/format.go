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
	Post    string    `json:"post"`    // postings records of every term
	Pos     string    `json:"pos"`     // positions records of every term
	Meta    string    `json:"meta"`    // page records
	MetaDir string    `json:"mdir"`    // per document, where its page's record is
}

// dictRef names a dictionary shard and the first term it holds; a shard holds
// every term from its first up to the next shard's first.
type dictRef struct {
	First string `json:"f"`
	File  string `json:"n"`
}

// pageRecord is the decompressed JSON of one page's record in the meta file:
// what a hit shows.
type pageRecord struct {
	Page  [4]string   `json:"p"` // url, title, kind, team
	First int         `json:"f"` // ID of the page's first document
	Docs  [][3]string `json:"d"` // per document: URL suffix, heading, excerpt
}

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

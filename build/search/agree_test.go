package search_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compasshq/compass/build/search"
	"github.com/compasshq/compass/internal/testutil"
)

// searchJS is the browser engine under test.
var searchJS = filepath.Join("..", "..", "themes", "compass", "assets", "search.js")

// node runs testdata/agree.cjs with args and stdin. Without Node the test
// skips, or fails under COMPASS_E2E=1.
func node(t *testing.T, stdin string, args ...string) []byte {
	t.Helper()
	bin := testutil.Tool(t, "node", "apt-get install nodejs")
	cmd := exec.Command(bin, append([]string{filepath.Join("testdata", "agree.cjs")}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// corpusText is text to compare the Go and JS tokenizers and stemmers on:
// the fixture plus the real handbook when it exists.
func corpusText(t *testing.T) string {
	var b strings.Builder
	for _, d := range fixtureDocs() {
		b.WriteString(d.Title + "\n" + d.Section + "\n" + d.Text + "\n")
	}
	_ = filepath.WalkDir(filepath.Join("..", "..", "content"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			if data, err := os.ReadFile(p); err == nil {
				b.Write(data)
				b.WriteByte('\n')
			}
		}
		return nil
	})
	b.WriteString("Überwachung läuft naïve café 北京 ΣΊΣΥΦΟΣ σίσυφος İSTANBUL etcdHTTP5xxErrors IPv6Address x2y3 generously skies dying\n")
	return b.String()
}

func TestStemJSAgreement(t *testing.T) {
	seen := map[string]bool{}
	var words []string
	add := func(w string) {
		if !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	for _, w := range search.SplitWords(corpusText(t)) {
		add(w.Lower)
		for _, p := range w.Parts {
			add(p)
		}
	}
	// Every suffix the rules know, on a few stems.
	for _, s := range []string{"ational", "tional", "enci", "anci", "izer", "abli", "alli", "entli", "eli", "ousli",
		"ization", "ation", "ator", "alism", "iveness", "fulness", "ousness", "aliti", "iviti", "biliti",
		"icate", "ative", "alize", "iciti", "ical", "ful", "ness", "ement", "ment", "ent", "ion", "sses", "ies",
		"ied", "eed", "eedly", "ingly", "edly", "ing", "ed", "ly", "li", "logi", "y", "s", "e", "ll"} {
		for _, base := range []string{"rel", "hop", "cond", "gener", "commun", "bat", "sens", "x", "abcde"} {
			add(base + s)
		}
	}
	got := strings.Split(strings.TrimSuffix(string(node(t, strings.Join(words, "\n")+"\n", "stem", searchJS)), "\n"), "\n")
	if len(got) != len(words) {
		t.Fatalf("node returned %d stems for %d words", len(got), len(words))
	}
	bad := 0
	for i, w := range words {
		if want := search.Stem(w); got[i] != want {
			t.Errorf("stem %q: JS %q, Go %q", w, got[i], want)
			if bad++; bad > 20 {
				t.FailNow()
			}
		}
	}
	t.Logf("%d words agree", len(words))
}

func TestTokenizeJSAgreement(t *testing.T) {
	text := corpusText(t)
	var got []search.Token
	var raw []struct {
		Term  string `json:"term"`
		Pos   int    `json:"pos"`
		Whole bool   `json:"whole"`
	}
	if err := json.Unmarshal(node(t, text, "tokens", searchJS), &raw); err != nil {
		t.Fatal(err)
	}
	for _, r := range raw {
		got = append(got, search.Token{Term: r.Term, Pos: r.Pos, Whole: r.Whole})
	}
	want := search.Tokenize(text)
	if !slices.Equal(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("token %d: JS %+v, Go %+v", i, got[i], want[i])
			}
		}
		t.Fatalf("JS gave %d tokens, Go %d", len(got), len(want))
	}
}

// agreementQueries cover every query feature.
var agreementQueries = []string{
	"KubeMemoryOvercommit", "kubecpuovercommit", "cpu overcommit", "memory", "overcommitted memory",
	"NodeFilesys", "filesystem space filling", "replicat", "replcation lag ", "compensatoin ",
	`"disk full"`, `"out of space"`, `"full disk"`, "escalate kind:policy", "page team:data",
	"node tag:disk", "tag:oncall", "on-call shift", "incident commander", "delete images", "pa",
	"freeze deploys", "week", "primary secondary", "rotation hand", "pods restart",
	// Words with digits are ids: no typo tolerance, prefixes still expand.
	"HB-04242", "memory2", "replicat1on", "node5 ", "KubeMemoryOvercommit2",
}

// compareWithJS runs queries in Go and in Node over the index in dir and
// requires the same top-5 URLs and scores.
func compareWithJS(t *testing.T, ix *search.Index, dir string, queries []string) {
	t.Helper()
	var js [][]struct {
		URL     string  `json:"url"`
		Score   float64 `json:"score"`
		Snippet string  `json:"snippet"`
	}
	if err := json.Unmarshal(node(t, strings.Join(queries, "\n")+"\n", "search", searchJS, dir, "5"), &js); err != nil {
		t.Fatal(err)
	}
	if len(js) != len(queries) {
		t.Fatalf("node answered %d queries, want %d", len(js), len(queries))
	}
	nonEmpty := 0
	for i, q := range queries {
		hits, err := ix.Search(q, 5)
		if err != nil {
			t.Fatal(err)
		}
		var goURLs, jsURLs []string
		for _, h := range hits {
			goURLs = append(goURLs, h.URL)
		}
		for j, h := range js[i] {
			jsURLs = append(jsURLs, h.URL)
			if j < len(hits) && (h.Score-hits[j].Score > 1e-9 || hits[j].Score-h.Score > 1e-9) {
				t.Errorf("query %q hit %d: JS score %v, Go %v", q, j, h.Score, hits[j].Score)
			}
		}
		if !slices.Equal(goURLs, jsURLs) {
			t.Errorf("query %q:\n Go %v\n JS %v", q, goURLs, jsURLs)
		}
		if len(hits) > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < len(queries)/2 {
		t.Errorf("only %d of %d queries found anything: the comparison proves little", nonEmpty, len(queries))
	}
}

func TestSearchJSAgreementFixture(t *testing.T) {
	ix, dir := openIndex(t, fixtureDocs())
	compareWithJS(t, ix, dir, agreementQueries)
}

func TestWriteRemovesStaleShards(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "search")
	docs := fixtureDocs()
	if err := search.Write(dir, slices.Clone(docs[:3])); err != nil {
		t.Fatal(err)
	}
	if err := search.Write(dir, slices.Clone(docs)); err != nil {
		t.Fatal(err)
	}
	files, err := search.Build(docs)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	for name := range files {
		want = append(want, name)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("files after rewrite = %v, want %v", got, want)
	}
}

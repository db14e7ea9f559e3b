package search

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []token
	}{
		{"plain words stemmed", "Restarting pods", []token{{"restart", 0, false}, {"pod", 1, false}}},
		{"stop words keep positions", "out of memory", []token{{"out", 0, false}, {"memori", 2, false}}},
		{"camelCase whole and parts", "KubeCPUOvercommit fires", []token{
			{"kubecpuovercommit", 0, true}, {"kube", 0, false}, {"cpu", 1, false}, {"overcommit", 2, false}, {"fire", 3, false}}},
		{"long alert name", "NodeFilesystemSpaceFillingUp", []token{
			{"nodefilesystemspacefillingup", 0, true}, {"node", 0, false}, {"filesystem", 1, false},
			{"space", 2, false}, {"fill", 3, false}, {"up", 4, false}}},
		{"acronym then word", "HTTPServerDown", []token{{"httpserverdown", 0, true}, {"http", 0, false}, {"server", 1, false}, {"down", 2, false}}},
		{"digits stay with their part", "etcdHTTP5xxErrors", []token{{"etcdhttp5xxerrors", 0, true}, {"etcd", 0, false}, {"http5xx", 1, false}, {"error", 2, false}}},
		{"punctuation splits", "node_exporter/v1.2", []token{{"node", 0, false}, {"export", 1, false}, {"v1", 2, false}, {"2", 3, false}}},
		{"unicode letters", "Überwachung läuft", []token{{"überwachung", 0, false}, {"läuft", 1, false}}},
		{"too long dropped", strings.Repeat("x", maxTermLen+1) + " ok", []token{{"ok", 1, false}}},
		{"empty", " -- ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tokenize(tt.text); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Tokenize(%q) =\n%v, want\n%v", tt.text, got, tt.want)
			}
		})
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name    string
		q       string
		clauses []string // "w:text", "p:text" (prefix word), "q:phrase"
		filters map[string][]string
	}{
		{"words and prefix", "disk ful", []string{"w:disk", "p:ful"}, map[string][]string{}},
		{"trailing space ends prefix", "disk full ", []string{"w:disk", "w:full"}, map[string][]string{}},
		{"phrase", `"disk full" now`, []string{"q:disk full", "p:now"}, map[string][]string{}},
		{"unclosed phrase", `"disk fu`, []string{"q:disk fu"}, map[string][]string{}},
		{"filters", "Kind:Runbook team:sre tag:oncall tag:disk cpu", []string{"p:cpu"},
			map[string][]string{"kind": {"runbook"}, "team": {"sre"}, "tag": {"disk", "oncall"}}},
		{"unknown key is words", "foo:bar", []string{"w:foo", "p:bar"}, map[string][]string{}},
		{"stop words dropped", "the disk", []string{"p:disk"}, map[string][]string{}},
		{"punctuation inside a field", "node-exporter", []string{"w:node", "p:exporter"}, map[string][]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := ParseQuery(tt.q)
			var got []string
			for _, c := range q.Clauses {
				switch {
				case c.Phrase:
					got = append(got, "q:"+c.Text)
				case c.Prefix:
					got = append(got, "p:"+c.Text)
				default:
					got = append(got, "w:"+c.Text)
				}
			}
			if !reflect.DeepEqual(got, tt.clauses) {
				t.Errorf("clauses = %v, want %v", got, tt.clauses)
			}
			if !reflect.DeepEqual(q.Filters, tt.filters) {
				t.Errorf("filters = %v, want %v", q.Filters, tt.filters)
			}
		})
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{`disk "out of memory" kind:runbook`, `"`, `tag: team:`, "KubeCPUOvercommit"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		q := ParseQuery(s)
		for i, c := range q.Clauses {
			// Every word clause's text occurs in the query and has a term;
			// only the last clause may be a prefix.
			if !c.Phrase && (!strings.Contains(s, c.Text) || c.Word.Lower == "") {
				t.Fatalf("clause %q not from query %q", c.Text, s)
			}
			if c.Prefix && i != len(q.Clauses)-1 {
				t.Fatalf("prefix clause %d of %d in %q", i, len(q.Clauses), s)
			}
		}
		for k, vs := range q.Filters {
			if !isFilterKey(k) || len(vs) == 0 {
				t.Fatalf("bad filter %s=%v from %q", k, vs, s)
			}
		}
	})
}

func TestWithinOneEdit(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"memory", "memroy", true}, {"memory", "memry", true}, {"memory", "memoryy", true},
		{"memory", "menory", true}, {"memory", "memory", false}, {"memory", "mmory", true},
		{"memory", "mmeroy", false}, {"cat", "dog", false}, {"ab", "ba", true},
		// The slash commands' typo cases ("oncal" is taken for "oncall").
		{"oncal", "oncall", true}, {"onncall", "oncall", true}, {"oncalk", "oncall", true},
		{"ocnall", "oncall", true}, {"ocnlal", "oncall", false}, {"disk", "oncall", false},
		{"", "a", true}, {"abc", "cab", false}, {"oncall", "oncall", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+"/"+tt.b, func(t *testing.T) {
			if got := WithinOneEdit([]rune(tt.a), []rune(tt.b)); got != tt.want {
				t.Errorf("WithinOneEdit(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("filler words here ", 12) + "the disk is full " + strings.Repeat("more text after ", 10)
	tests := []struct {
		name   string
		text   string
		terms  []string
		marked []string
		prefix bool
	}{
		{"short text whole", "Disk full on node", []string{"disk"}, []string{"Disk"}, false},
		{"window moves to match", long, []string{"disk", "full"}, []string{"disk", "full"}, true},
		{"camel part matches", "KubeCPUOvercommit fired", []string{"cpu"}, []string{"KubeCPUOvercommit"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			terms := map[string]bool{}
			for _, x := range tt.terms {
				terms[x] = true
			}
			s, marks := Snippet(tt.text, terms)
			var got []string
			for _, m := range marks {
				got = append(got, s[m[0]:m[1]])
			}
			if !reflect.DeepEqual(got, tt.marked) {
				t.Errorf("Snippet marks %v, want %v (snippet %q)", got, tt.marked, s)
			}
			if tt.prefix != strings.HasPrefix(s, "…") {
				t.Errorf("Snippet %q: leading ellipsis %v, want %v", s, !tt.prefix, tt.prefix)
			}
			if len(s) > SnippetLen+8 {
				t.Errorf("Snippet length %d > %d", len(s), SnippetLen+8)
			}
		})
	}
}

// tokenizerTexts are texts on which Tokenizer must agree with Tokenize,
// repeated words included (they come from the cache the second time).
var tokenizerTexts = []string{
	"Restarting pods restarting PODS",
	"KubeCPUOvercommit fires; KubeCPUOvercommit fires again",
	"out of memory, out of memory",
	"Überwachung läuft ΣΊΣΥΦΟΣ σίσυφος İstanbul",
	"node_exporter/v1.2 node_exporter/v1.2",
	strings.Repeat("x", maxTermLen+1) + " ok " + strings.Repeat("x", maxTermLen+1),
	"bad \xff\xfe utf8\xc3 words\xe2\x82",
	"etcdHTTP5xxErrors HTTPServerDown the and",
	"",
}

func TestTokenizerMatchesTokenize(t *testing.T) {
	var tz tokenizer
	for round := range 2 {
		for _, text := range tokenizerTexts {
			t.Run(text, func(t *testing.T) {
				got := slices.Clone(tz.tokens(text))
				if want := tokenize(text); !reflect.DeepEqual(got, want) && (len(got) > 0 || len(want) > 0) {
					t.Errorf("round %d: Tokens(%q) =\n%v, want\n%v", round, text, got, want)
				}
			})
		}
	}
}

func FuzzTokenizer(f *testing.F) {
	for _, text := range tokenizerTexts {
		f.Add(text, text)
	}
	var tz tokenizer
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, text := range []string{a, b, a + " " + b} {
			got := tz.tokens(text)
			want := tokenize(text)
			if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
				t.Fatalf("Tokens(%q) =\n%v, want\n%v", text, got, want)
			}
		}
	})
}

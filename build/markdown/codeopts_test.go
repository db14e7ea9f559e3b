package markdown

import (
	"reflect"
	"testing"
)

func TestParseCodeInfo(t *testing.T) {
	tests := []struct {
		name string
		info string
		want codeOptions
	}{
		{"empty", "", codeOptions{}},
		{"mkdocs", `title="main.go" hl_lines="2 4-5" linenums="10"`,
			codeOptions{title: "main.go", lineNos: true, start: 10, highlight: [][2]int{{2, 2}, {4, 5}}}},
		{"hugo", `{linenos=table,hl_lines=[8,"15-17"],linenostart=199}`,
			codeOptions{lineNos: true, start: 199, highlight: [][2]int{{8, 8}, {15, 17}}}},
		{"docusaurus", `title="/src/a.js" {1,4-6} showLineNumbers`,
			codeOptions{title: "/src/a.js", lineNos: true, highlight: [][2]int{{1, 1}, {4, 6}}}},
		{"single quotes and spaces", `title='Clean up disk' linenums='1'`,
			codeOptions{title: "Clean up disk", lineNos: true}},
		{"numbers off", `linenums="false"`, codeOptions{}},
		{"bad ranges are dropped", `hl_lines="0 x 5-3 2"`, codeOptions{highlight: [][2]int{{2, 2}}}},
		{"unknown keys ignored", `{.class #id data-x=1}`, codeOptions{}},
		{"unterminated quote", `title="open`, codeOptions{title: "open"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseCodeInfo(tt.info); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseCodeInfo(%q) = %+v, want %+v", tt.info, got, tt.want)
			}
		})
	}
}

// Options set as node attributes (MyST's directive options) behave like the
// info string's.
func TestCodeOptionAttributes(t *testing.T) {
	var o codeOptions
	for k, v := range map[string]string{"caption": "values.yaml", "emphasize-lines": "1,3", "lineno-start": "5"} {
		o.setOption(k, v)
	}
	want := codeOptions{title: "values.yaml", lineNos: true, start: 5, highlight: [][2]int{{1, 1}, {3, 3}}}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("got %+v, want %+v", o, want)
	}
}

func FuzzParseCodeInfo(f *testing.F) {
	for _, s := range []string{`title="a" hl_lines="1-2"`, `{1,3}`, `{linenos=true,hl_lines=[1,"2-3"]}`, `="`, `{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o := parseCodeInfo(s)
		for _, r := range o.highlight {
			if r[0] < 1 || r[1] < r[0] {
				t.Fatalf("parseCodeInfo(%q) gave the impossible range %v", s, r)
			}
		}
		if o.start < 0 {
			t.Fatalf("parseCodeInfo(%q) gave start %d", s, o.start)
		}
	})
}

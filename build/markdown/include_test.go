package markdown

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/compasshq/compass/internal/testutil"
	"golang.org/x/tools/txtar"
)

// TestIncludeGolden renders page.md of each testdata/include/*.txtar with
// the archive's files as the content folder, and compares the HTML with
// the .html golden and the rest of the Result (errors marked) with .txt.
func TestIncludeGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/include/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/include/*.txtar files (%v)", err)
	}
	r := New(Options{})
	for _, file := range files {
		name := strings.TrimSuffix(file, ".txtar")
		t.Run(filepath.Base(name), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			fsys := fstest.MapFS{}
			for _, f := range ar.Files {
				fsys[f.Name] = &fstest.MapFile{Data: f.Data}
			}
			page := "docs/page.md"
			res, err := r.RenderPage(fsys[page].Data, testFirstLine, fakeResolve, &Files{FS: fsys, Page: page})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			b.WriteString(summary(res))
			for _, d := range res.Diagnostics {
				if d.Error {
					b.WriteString("error at " + d.Message + "\n")
				}
			}
			b.WriteString("includes: " + strings.Join(res.Includes, " ") + "\n")
			testutil.Golden(t, name+".html", res.HTML)
			testutil.Golden(t, name+".txt", []byte(b.String()))
		})
	}
}

func TestIncludeWithoutFiles(t *testing.T) {
	res, err := New(Options{}).Render([]byte("```{include} a.md\n```\n"), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) != 1 || !res.Diagnostics[0].Error || res.Diagnostics[0].Line != 1 {
		t.Errorf("got %+v, want one error at line 1", res.Diagnostics)
	}
}

func TestParseLineSpec(t *testing.T) {
	tests := []struct {
		spec string
		want string // fmt of the lines, or the error
	}{
		{"2-4,7", "[2 3 4 7]"},
		{"8-", "[8 9 10]"},
		{"-2", "[1 2]"},
		{"3", "[3]"},
		{"0", `:lines: "0" is outside the file's lines 1-10`},
		{"4-2", `:lines: "4-2" is outside the file's lines 1-10`},
		{"9-11", `:lines: "9-11" is outside the file's lines 1-10`},
		{"a-b", `:lines: "a-b" is not a line number or range`},
		{"", `:lines: "" is not a line number or range`},
	}
	for _, tt := range tests {
		got, err := parseLineSpec(tt.spec, 10)
		s := fmt.Sprint(got)
		if err != nil {
			s = err.Error()
		}
		if s != tt.want {
			t.Errorf("parseLineSpec(%q) = %s, want %s", tt.spec, s, tt.want)
		}
	}
}

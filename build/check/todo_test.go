package check

import (
	"context"
	"slices"
	"testing"

	"github.com/compasshq/compass/build"
)

// TestTodoMarkers: a TODO in front matter or text is a warning at its
// place, once per line; TODO in code (spans or fenced blocks) and words
// that merely contain it are not.
func TestTodoMarkers(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "content/_index.md", "---\ntitle: Home\ndescription: \"TODO: say what this is\"\n---\n"+
		"Intro. TODO write more, TODO twice.\n\n`TODO` in code, TODOS and TODO_X are fine.\n\n```\nTODO in a block\n```\n\nA `span` then TODO.\n")
	rep, err := Run(context.Background(), Options{Build: build.Options{Source: dir}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		if f.Rule == "todo" {
			got = append(got, f.Pos()+" "+f.Severity.String())
		}
	}
	want := []string{"content/_index.md:3:15 warning", "content/_index.md:5:8 warning", "content/_index.md:13:15 warning"}
	if !slices.Equal(got, want) {
		t.Errorf("todo findings %q, want %q", got, want)
	}
}

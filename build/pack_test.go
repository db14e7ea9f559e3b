package build

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// TestPackedSearchText loads the example handbook as `compass serve` does
// (text held plain) and as a build does (text packed from render until the
// index is made): both must hand the search index the same documents.
func TestPackedSearchText(t *testing.T) {
	opts := Options{Source: "..", Now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	plain, err := load(context.Background(), opts, false)
	if err != nil {
		t.Fatal(err)
	}
	packed, err := load(context.Background(), opts, true)
	if err != nil {
		t.Fatal(err)
	}
	if packed.Pages[0].packedText == nil {
		t.Fatal("a release load did not pack the search text")
	}
	want, got := plain.SearchDocuments(), packed.SearchDocuments()
	if len(want) < 100 {
		t.Fatalf("%d search documents from the example handbook, want more", len(want))
	}
	if !reflect.DeepEqual(got, want) {
		for i := range min(len(got), len(want)) {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("document %d differs when packed:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
		t.Fatalf("%d documents packed, %d plain", len(got), len(want))
	}
}

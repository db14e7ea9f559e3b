package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compasshq/compass/build/search"
)

func TestSearchCommand(t *testing.T) {
	site := t.TempDir()
	docs := []search.Document{
		{URL: "/runbooks/mem/", Page: "/runbooks/mem/", Title: "Memory overcommit", Text: "KubeMemoryOvercommit fires when requests exceed capacity.", Kind: "runbook", Team: "sre"},
		{URL: "/runbooks/mem/#mitigate", Page: "/runbooks/mem/", Title: "Memory overcommit", Section: "Mitigate", Text: "Add a node to the pool.", Kind: "runbook", Team: "sre"},
		{URL: "/policies/oncall/", Page: "/policies/oncall/", Title: "On-call", Text: "Everyone takes part in the rotation.", Kind: "policy"},
	}
	if err := search.Write(filepath.Join(site, "public", "search"), docs); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"text output", []string{"search", "--source", site, "KubeMemoryOvercommit"}, 0, "1. Memory overcommit  ("},
		{"no results", []string{"search", "--source", site, "zebra"}, 0, `No results for "zebra".`},
		{"missing index", []string{"search", "--source", t.TempDir(), "x"}, 1, "run compass build first"},
		{"no query", []string{"search", "--source", site}, 2, ""},
		{"bad limit", []string{"search", "--source", site, "--limit", "0", "x"}, 2, "--limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tt.args, &out, &errb)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, errb.String())
			}
			if !strings.Contains(out.String()+errb.String(), tt.contains) {
				t.Errorf("output %q does not contain %q", out.String()+errb.String(), tt.contains)
			}
		})
	}

	t.Run("json", func(t *testing.T) {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"search", "--index", filepath.Join(site, "public", "search"), "--json", "node", "pool"}, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		var hits []map[string]any
		if err := json.Unmarshal(out.Bytes(), &hits); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out.String())
		}
		if len(hits) != 1 || hits[0]["url"] != "/runbooks/mem/#mitigate" || hits[0]["section"] != "Mitigate" || hits[0]["title"] != "Memory overcommit" {
			t.Fatalf("hits = %v", hits)
		}
		for _, k := range []string{"url", "title", "section", "score", "snippet"} {
			if _, ok := hits[0][k]; !ok {
				t.Errorf("hit lacks %q", k)
			}
		}
	})
}

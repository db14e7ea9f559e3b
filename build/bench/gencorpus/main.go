// Command gencorpus writes the synthetic benchmark handbook, in Compass's
// layout or Hugo's, for scripts/bench/build.sh.
//
//	go run ./build/bench/gencorpus -n 10000 -layout hugo -out /tmp/corpus-hugo
//	go run ./build/bench/gencorpus -n 3000 -folders 1 -out /tmp/flat   # one folder of 3,000 pages
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/compasshq/compass/build/bench/corpus"
)

func main() {
	n := flag.Int("n", 1000, "number of pages")
	out := flag.String("out", "", "folder to write the site into (must not exist)")
	layout := flag.String("layout", "compass", "compass or hugo")
	folders := flag.Int("folders", 0, "0: nested folders (10 areas of 10 topics); else this many flat folders")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gencorpus: -out is required")
		os.Exit(2)
	}
	if _, err := os.Stat(*out); err == nil {
		fmt.Fprintf(os.Stderr, "gencorpus: %s exists; remove it first\n", *out)
		os.Exit(2)
	}
	l := corpus.Compass
	switch *layout {
	case "compass":
	case "hugo":
		l = corpus.Hugo
	default:
		fmt.Fprintf(os.Stderr, "gencorpus: unknown layout %q\n", *layout)
		os.Exit(2)
	}
	generate := func() error { return corpus.Generate(*out, *n, l) }
	if *folders > 0 {
		generate = func() error { return corpus.GenerateFlat(*out, *n, *folders, l) }
	}
	if err := generate(); err != nil {
		fmt.Fprintln(os.Stderr, "gencorpus:", err)
		os.Exit(1)
	}
}

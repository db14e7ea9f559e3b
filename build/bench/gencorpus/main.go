// Command gencorpus writes the synthetic benchmark handbook, in Compass's
// layout or Hugo's, for build/bench/hugo.sh.
//
//	go run ./build/bench/gencorpus -n 10000 -layout hugo -out /tmp/corpus-hugo
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
	if err := corpus.Generate(*out, *n, l); err != nil {
		fmt.Fprintln(os.Stderr, "gencorpus:", err)
		os.Exit(1)
	}
}

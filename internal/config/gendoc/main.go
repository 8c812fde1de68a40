// Command gendoc writes docs/configuration.md from the tags of
// config.Config (run by `go generate ./internal/config`).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/scribe-health/scribe/internal/config"
)

func main() {
	out := flag.String("o", "docs/configuration.md", "file to write")
	flag.Parse()
	if err := os.WriteFile(*out, config.Markdown(), 0o644); err != nil { // #nosec G306 -- documentation
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}

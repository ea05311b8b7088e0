// Command genschema writes the spec's JSON Schema to docs/spec.schema.json.
package main

import (
	"fmt"
	"os"

	"github.com/mailops-dev/mailops/mailops/spec"
)

func main() {
	out, err := spec.Schema()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	path := "docs/spec.schema.json"
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

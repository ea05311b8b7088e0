// Command lab runs the training lab (fake/lab) until SIGINT or SIGTERM:
//
//	go run ./examples/lab examples/lab/consolidation.yaml --clock manual --ports-file /tmp/lab.json
//
// It prints each service's address; docs/lab/ has the exercises.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/mailops-dev/mailops/fake/lab"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := lab.Command(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

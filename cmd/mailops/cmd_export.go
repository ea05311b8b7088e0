package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/mailops-dev/mailops/mailops"
)

func init() { register("export", newExportCmd) }

// exportOutput is export's --json document.
type exportOutput struct {
	Out      string         `json:"out"`
	Complete bool           `json:"complete"`
	Counts   map[string]int `json:"counts"`
}

func newExportCmd(a *app) *cobra.Command {
	var target, out string
	var sessions int
	c := &cobra.Command{
		Use:   "export --graph URL -o snapshot.yaml",
		Short: "Read a tenant (domains, recipients, groups, connectors, remote domains) into a spec-shaped snapshot",
		Long: "export reads the tenant phase by phase through a mailops.Client (at most --sessions calls in flight;\n" +
			"throttling is retried no sooner than Retry-After), printing progress on stderr. After each phase the\n" +
			"snapshot is written with its cursor (progress:), and inside the groups after every 25 groups (groupIndex:,\n" +
			"groupsRead:); when interrupted, run the same command again: it continues from the first phase, or group, not\n" +
			"yet read. A complete snapshot is read afresh.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return errors.New("export: -o FILE is required")
			}
			cl, err := connect(target, mailops.Options{MaxSessions: sessions})
			if err != nil {
				return err
			}
			counts := map[string]int{}
			s, err := runExport(cmd.Context(), cl, out, target, func(phase string, n, i, of int) {
				if n < 0 {
					a.note("export %d/%d %s: read earlier", i, of, phase)
					return
				}
				counts[phase] = n
				a.note("export %d/%d %s: %d", i, of, phase, n)
			})
			if err != nil {
				return err
			}
			o := exportOutput{Out: out, Complete: s.Complete, Counts: counts}
			return a.emit(o, func(w io.Writer) { fmt.Fprintf(w, "wrote %s\n", out) })
		},
	}
	c.Flags().StringVar(&target, "graph", "", "the tenant's Graph/Exchange endpoint (a URL, or \"microsoft\")")
	c.Flags().StringVarP(&out, "output", "o", "", "the snapshot file (continued if partial)")
	c.Flags().IntVar(&sessions, "sessions", 0, "at most this many calls in flight (default: the Client's)")
	return c
}

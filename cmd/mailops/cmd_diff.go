package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/mailops-dev/mailops/mailops"
)

func init() { register("diff", newDiffCmd) }

// diffChange is one operation diff would make.
type diffChange struct {
	Description string                   `json:"description"`
	Operation   mailops.EncodedOperation `json:"operation"`
}

// diffOutput is diff's --json document.
type diffOutput struct {
	Spec    string       `json:"spec"`
	Changes []diffChange `json:"changes"`
}

func newDiffCmd(a *app) *cobra.Command {
	var target string
	var detailed bool
	c := &cobra.Command{
		Use:   "diff SPEC --graph URL [--detailed-exitcode]",
		Short: "Compare the spec's end state with the tenant and print the operations that would close the gap",
		Long: "diff builds the desired end state from the spec (migrated domains Authoritative, every address a group with\n" +
			"its members, the spec's recipients, the absent: list removed) and diffs it against the tenant (mailops.Diff).\n" +
			"It changes nothing. With --detailed-exitcode it exits 2 when there are changes, 0 when none.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sf, _, err := loadSpec(args[0])
			if err != nil {
				return err
			}
			want, err := desiredState(sf)
			if err != nil {
				return err
			}
			cl, err := connect(target, mailops.Options{})
			if err != nil {
				return err
			}
			p, err := mailops.Diff(cmd.Context(), cl, want)
			if err != nil {
				return fmt.Errorf("diff: %w", err)
			}
			o := diffOutput{Spec: args[0], Changes: []diffChange{}}
			for _, op := range p.Operations() {
				e, err := mailops.EncodeOperation(op)
				if err != nil {
					return err
				}
				o.Changes = append(o.Changes, diffChange{Description: op.Describe(), Operation: e})
			}
			if err := a.emit(o, func(w io.Writer) {
				if len(o.Changes) == 0 {
					fmt.Fprintln(w, "no changes: the tenant matches the spec")
					return
				}
				fmt.Fprintf(w, "%d changes:\n", len(o.Changes))
				for _, ch := range o.Changes {
					fmt.Fprintln(w, "  "+ch.Description)
				}
			}); err != nil {
				return err
			}
			if detailed && len(o.Changes) > 0 {
				return &exitCodeError{Code: exitChanges}
			}
			return nil
		},
	}
	c.Flags().StringVar(&target, "graph", "", "the tenant's Graph/Exchange endpoint (a URL, or \"microsoft\")")
	c.Flags().BoolVar(&detailed, "detailed-exitcode", false, "exit 2 when changes are present")
	return c
}

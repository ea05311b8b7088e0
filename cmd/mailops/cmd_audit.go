package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/mailops-dev/mailops/mailops/delegate"
)

func init() { register("audit", newAuditCmd) }

// auditVerified is `audit verify --json`'s document.
type auditVerified struct {
	OK      bool   `json:"ok"`
	Entries int64  `json:"entries"`
	Error   string `json:"error,omitempty"`
}

// newAuditCmd groups the audit log's commands: verify.
func newAuditCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "The delegated service's audit log"}
	var store string
	verify := &cobra.Command{
		Use:   "verify [--store sqlite:PATH | --store postgres://...]",
		Short: "Check the audit log's hash chain: exit 0 if whole, 1 with the first bad entry",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			spec, err := parseStore(store)
			if err != nil {
				return err
			}
			st, err := spec.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			n, err := st.VerifyAudit(cmd.Context())
			if err != nil && !errors.Is(err, delegate.ErrAuditBroken) {
				return err
			}
			out := auditVerified{OK: err == nil, Entries: n}
			if err != nil {
				out.Error = err.Error()
			}
			if e := a.emit(out, func(w io.Writer) {
				if err == nil {
					fmt.Fprintf(w, "audit log %s: %d entries, chain verified\n", spec, n)
				}
			}); e != nil {
				return e
			}
			if err != nil {
				return &exitCodeError{Code: exitError, Err: err}
			}
			return nil
		},
	}
	verify.Flags().StringVar(&store, "store", "", "sqlite:PATH or postgres://... (default sqlite in the state dir, as serve)")
	cmd.AddCommand(verify)
	return cmd
}

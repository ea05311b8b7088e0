package main

import (
	"github.com/spf13/cobra"

	"github.com/mailops-dev/mailops/fake/lab"
)

func init() { register("lab", newLabCmd) }

// newLabCmd runs the training lab (fake/lab): one world from a scenario on
// loopback, until SIGINT or SIGTERM. Its flags are the lab's own
// (lab.Command parses them), so they are passed through unparsed.
func newLabCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:                "lab SCENARIO [--clock real|xN|manual] [--seed N] [--ports-file F]",
		Short:              "Run the training lab on loopback: DNS, SMTP, IMAP, Graph and a control page; see docs/lab/",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return lab.Command(cmd.Context(), args, a.stdout)
		},
	}
}

package main

import (
	"github.com/spf13/cobra"
)

func init() { register("render", newRenderCmd) }

func newRenderCmd(a *app) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "render SPEC --format powershell|html|json",
		Short: "Render a spec's plan(s) without a tenant: PowerShell to review, an HTML page, or the plan as JSON data",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sf, _, err := loadSpec(args[0])
			if err != nil {
				return err
			}
			built, err := buildPlans(cmd.Context(), sf, nil, nil)
			if err != nil {
				return err
			}
			if a.json && format != "json" {
				format = "json"
			}
			return renderPlans(a.stdout, built, format)
		},
	}
	c.Flags().StringVar(&format, "format", "powershell", "powershell, html or json (--json implies json)")
	return c
}

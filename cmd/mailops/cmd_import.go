package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mailops-dev/mailops/mailops/legacy"
	"github.com/mailops-dev/mailops/mailops/spec"
)

func init() { register("import", newImportCmd) }

// importOutput is import's --json document.
type importOutput struct {
	Spec        string            `json:"spec"`
	Kind        string            `json:"kind"`
	Addresses   int               `json:"addresses"`
	Decisions   []legacy.Decision `json:"decisions"`
	Assumptions []string          `json:"assumptions"`
}

func newImportCmd(a *app) *cobra.Command {
	var in importInputs
	var opts spec.ImportOptions
	var kind, out, devices, relay string
	c := &cobra.Command{
		Use:   "import --domain D [inputs] -o spec.yaml",
		Short: "Write a migration spec from a legacy server's aliases, virtual tables, .forward files and a CSV",
		Long: "import reads any subset of the legacy server's configuration (the MTA's own dumps, never its binary maps),\n" +
			"resolves every address of --domain as the legacy server delivers it, and writes a spec.\n" +
			"--forward DIR holds DIR/USER/.forward; a filter file (Exim, Sieve) is a decision, never parsed as addresses.\n" +
			"Absolute paths inside the files (:include:/etc/mail/x) resolve under --root and never outside it.\n" +
			"What cannot map is written to the spec's decisions list and printed on stderr, with file and line.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch strings.ToLower(kind) {
			case "consolidation":
				opts.Kind = spec.Consolidation
			case "cutover":
				opts.Kind = spec.Cutover
			default:
				return fmt.Errorf("import: --kind must be consolidation or cutover, not %q", kind)
			}
			if out == "" {
				return errors.New("import: -o FILE is required")
			}
			res, err := runImport(in, opts)
			if err != nil {
				return err
			}
			if err := addDevices(res.File, devices, relay); err != nil {
				return err
			}
			if err := res.File.Validate(); err != nil {
				// written anyway: a draft to complete by hand
				a.note("warning: %s is not valid yet (complete it, then run mailops validate): %v", out, err)
			}
			data, err := spec.Marshal(res.File)
			if err != nil {
				return fmt.Errorf("import: %w", err)
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return fmt.Errorf("import: %w", err)
			}
			for _, d := range res.File.Decisions {
				a.note("decision: %s", d)
			}
			for _, s := range res.Assumptions {
				a.note("assumption: %s", s)
			}
			o := importOutput{Spec: out, Kind: string(res.File.Kind), Decisions: res.File.Decisions, Assumptions: res.Assumptions}
			if o.Decisions == nil {
				o.Decisions = []legacy.Decision{}
			}
			if o.Assumptions == nil {
				o.Assumptions = []string{}
			}
			o.Addresses = len(res.File.Expect)
			return a.emit(o, func(w io.Writer) {
				fmt.Fprintf(w, "wrote %s: %s, %d addresses, %d decisions\n", out, o.Kind, o.Addresses, len(o.Decisions))
			})
		},
	}
	f := c.Flags()
	f.StringVar(&kind, "kind", "consolidation", "consolidation or cutover")
	f.StringVar(&in.Aliases, "aliases", "", "aliases(5) file, or postalias -s / praliases output")
	f.StringVar(&in.Virtual, "virtual", "", "Postfix virtual(5) table, or postmap -s output")
	f.StringVar(&in.Virtusertable, "virtusertable", "", "Sendmail virtusertable, or makemap -u output")
	f.StringVar(&in.LocalHostNames, "local-host-names", "", "Sendmail local-host-names (or mydestination, one per line)")
	f.StringVar(&in.Users, "users", "", "local mailboxes, one per line (doveadm user '*')")
	f.StringVar(&in.ForwardDir, "forward", "", "directory holding USER/.forward files")
	f.StringVar(&in.CSV, "csv", "", "CSV of address,target[,target...] rows")
	f.StringVar(&in.Root, "root", "", "copied file tree of the legacy server: absolute paths in the files resolve under it")
	f.StringVar(&opts.Domain, "domain", "", "the migrated domain")
	f.StringVar(&opts.LegacyMX, "legacy-mx", "", "the legacy MX host")
	f.StringSliceVar(&opts.TenantDomains, "tenant-domain", nil, "a tenant domain (repeatable): targets there are tenant mailboxes, others mail contacts")
	f.StringVar(&opts.Admins.Group, "admin-group", "", "consolidation: the department's admin group address (a mail-enabled security group)")
	f.StringSliceVar(&opts.Admins.Owners, "admin-owner", nil, "consolidation: an owner of the admin group (repeatable)")
	f.StringSliceVar(&opts.Admins.Members, "admin-member", nil, "consolidation: a member of the admin group (repeatable)")
	f.StringSliceVar(&opts.Admins.Mailboxes, "admin-mailbox", nil, "consolidation: an admin mailbox owning the groups directly, instead of an admin group (repeatable)")
	f.StringVar(&opts.Admin, "admin", "", "cutover: the mailbox that owns the department groups")
	f.StringSliceVar(&opts.Addresses, "address", nil, "migrate only this address (repeatable; default: every address of --domain found)")
	f.StringVar(&devices, "devices", "", "device list: networks or addresses that send without authentication, one per line")
	f.StringVar(&relay, "relay-account", "", "with --devices: the mailbox the device relay submits as")
	f.StringVarP(&out, "output", "o", "", "the spec file to write")
	return c
}

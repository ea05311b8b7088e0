package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes (docs/cli.md).
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2
	exitUnsafe  = 3
)

// exitCodeError ends a command with a given exit code. A nil Err prints
// nothing (the command has already said what it had to).
type exitCodeError struct {
	Code int
	Err  error
}

func (e *exitCodeError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *exitCodeError) Unwrap() error { return e.Err }

// app is what every command shares: its output streams and --json.
type app struct {
	stdout, stderr io.Writer
	json           bool
	emitted        bool // a JSON document has been printed
}

// emit prints v as one JSON document with --json, or calls human.
func (a *app) emit(v any, human func(w io.Writer)) error {
	if a.json {
		a.emitted = true
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("write JSON: %w", err)
		}
		return nil
	}
	human(a.stdout)
	return nil
}

// note prints a line on stderr (progress, decisions, assumptions).
func (a *app) note(format string, args ...any) {
	fmt.Fprintf(a.stderr, format+"\n", args...)
}

// commandCtor builds one subcommand.
type commandCtor struct {
	name string
	make func(*app) *cobra.Command
}

// commands are the registered subcommands; each cmd_*.go file adds its own
// from an init function, so that adding a subcommand is one file.
var commands []commandCtor

// register adds a subcommand constructor.
func register(name string, make func(*app) *cobra.Command) {
	commands = append(commands, commandCtor{name: name, make: make})
}

// newRoot builds the command tree.
func newRoot(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "mailops",
		Short: "Move mail domains onto Exchange Online without losing mail",
		Long: "mailops plans and applies the move of a mail domain onto Exchange Online from a migration spec.\n" +
			"Exit codes: 0 ok, 1 error, 2 changes present (with --detailed-exitcode), 3 unsafe.\n" +
			"The human text is not a stable interface: use --json (schemas in docs/cli.md).",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.PersistentFlags().BoolVar(&a.json, "json", false, "print one JSON document (schema in docs/cli.md)")
	sorted := slices.Clone(commands)
	slices.SortFunc(sorted, func(x, y commandCtor) int {
		if x.name < y.name {
			return -1
		}
		if x.name > y.name {
			return 1
		}
		return 0
	})
	for _, c := range sorted {
		root.AddCommand(c.make(a))
	}
	return root
}

// Main runs the command line args and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr}
	root := newRoot(a)
	root.SetArgs(normaliseArgs(args))
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ec *exitCodeError
	if errors.As(err, &ec) {
		if ec.Err != nil {
			a.printError(ec.Err)
		}
		return ec.Code
	}
	a.printError(err)
	return exitError
}

// printError prints a failure on stderr, and as JSON on stdout with --json.
func (a *app) printError(err error) {
	fmt.Fprintln(a.stderr, "mailops:", err)
	if a.json && !a.emitted {
		enc := json.NewEncoder(a.stdout)
		_ = enc.Encode(struct {
			Error string `json:"error"`
		}{err.Error()})
	}
}

// bytesReader reads b.
func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// normaliseArgs accepts Terraform's single-dash -out for --out.
func normaliseArgs(args []string) []string {
	out := make([]string, len(args))
	for i, s := range args {
		if s == "-out" || strings.HasPrefix(s, "-out=") {
			s = "-" + s
		}
		out[i] = s
	}
	return out
}

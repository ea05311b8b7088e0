// Command mailops moves a mail domain onto Exchange Online from a migration
// spec: import the legacy server's configuration into a spec, validate it,
// plan, render, diff against a tenant, apply a saved plan with a journal
// that survives a crash, and export a tenant into a snapshot.
//
// The command tree is built with cobra (github.com/spf13/cobra), the Go
// convention for multi-command tools: it gives every subcommand its help
// (mailops help CMD), shell completion and POSIX flag parsing. The command
// is thin wiring: each subcommand's logic is a small function in this
// package, tested on its own and end to end through testscript transcripts
// (testdata/script/*.txtar). Adding a subcommand is one file: a cmd_*.go
// file registers its constructor with register in an init function.
//
// Exit codes: 0 ok, 1 error, 2 changes present (only with
// --detailed-exitcode), 3 unsafe (simulated loss, used by simulate). With
// --json every command prints one JSON document whose schema is documented
// in docs/cli.md; the human text is not a stable interface.
package main

// Package legacy imports a legacy mail server's configuration: aliases(5)
// files (and their postalias -s / praliases dumps), Postfix virtual(5)
// tables (postmap -s dumps), Sendmail virtusertable (makemap -u dumps) with
// local-host-names, users' .forward files, and a CSV of address,targets.
// It never reads an MTA's binary maps.
//
// Parsers return tables of entries, each with the file and line it came
// from. A Resolver expands an address the way the legacy server delivers it
// (virtual lookup order, catch-alls, aliases recursively, .forward), so that
// the set of mailboxes the legacy server delivers to can be compared with
// what Exchange Online delivers to after a migration. What cannot map to
// Exchange Online (pipes to programs, files, filters, includes outside the
// tree) is reported as a Decision with its file and line, never dropped.
package legacy

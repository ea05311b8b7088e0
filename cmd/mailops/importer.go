package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mailops-dev/mailops/mailops/legacy"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// importInputs name the legacy server's files; any subset may be given.
type importInputs struct {
	Aliases, Virtual, Virtusertable, LocalHostNames, Users, CSV string
	// ForwardDir holds DIR/USER/.forward.
	ForwardDir string
	// Root is the copied file tree of the legacy server: absolute paths
	// inside the files (:include:/etc/mail/x) resolve under it, never
	// outside.
	Root string
}

// readTable parses one file with parse, or returns nil when no file is named.
func readTable(path string, parse func(io.Reader, string) (*legacy.Table, error)) (*legacy.Table, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	t, err := parse(f, path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	return t, nil
}

func readList(path string, parse func(io.Reader, string) ([]string, error)) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	out, err := parse(f, path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	return out, nil
}

// loadServer reads the legacy server's configuration. Filter files found
// under the forward directory are returned as decisions for domain's users:
// they are never parsed as addresses. The returned close releases the root.
func loadServer(in importInputs, domain string) (*legacy.Server, *legacy.Table, []legacy.Decision, func(), error) {
	s := &legacy.Server{}
	closeFn := func() {}
	var err error
	if s.Aliases, err = readTable(in.Aliases, legacy.ParseAliases); err != nil {
		return nil, nil, nil, closeFn, err
	}
	if in.Virtual != "" {
		f, err := os.Open(in.Virtual)
		if err != nil {
			return nil, nil, nil, closeFn, fmt.Errorf("import: %w", err)
		}
		t, doms, err := legacy.ParseVirtual(f, in.Virtual)
		f.Close()
		if err != nil {
			return nil, nil, nil, closeFn, fmt.Errorf("import: %w", err)
		}
		s.Virtual, s.VirtualDomains = t, doms
	}
	if s.Virtusertable, err = readTable(in.Virtusertable, legacy.ParseVirtusertable); err != nil {
		return nil, nil, nil, closeFn, err
	}
	if s.LocalDomains, err = readList(in.LocalHostNames, legacy.ParseLocalHostNames); err != nil {
		return nil, nil, nil, closeFn, err
	}
	if s.Users, err = readList(in.Users, legacy.ParseUsers); err != nil {
		return nil, nil, nil, closeFn, err
	}
	if s.Aliases != nil && len(s.LocalDomains) == 0 {
		// An aliases file applies to the server's local domains; without
		// local-host-names the migrated domain is the local one.
		s.LocalDomains = []string{domain}
	}
	csv, err := readTable(in.CSV, legacy.ParseCSV)
	if err != nil {
		return nil, nil, nil, closeFn, err
	}
	var decisions []legacy.Decision
	if in.ForwardDir != "" {
		if s.Forward, decisions, err = readForwards(in.ForwardDir, domain); err != nil {
			return nil, nil, nil, closeFn, err
		}
	}
	if in.Root != "" {
		r, err := os.OpenRoot(in.Root)
		if err != nil {
			return nil, nil, nil, closeFn, fmt.Errorf("import: --root: %w", err)
		}
		s.Root = r
		closeFn = func() { r.Close() }
	}
	return s, csv, decisions, closeFn, nil
}

// readForwards reads DIR/USER/.forward for every USER directory. A filter
// file (Exim or Sieve) becomes a decision; its user keeps local delivery.
func readForwards(dir, domain string) (map[string]legacy.ForwardFile, []legacy.Decision, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("import: --forward: %w", err)
	}
	out := map[string]legacy.ForwardFile{}
	var decisions []legacy.Decision
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		user := strings.ToLower(e.Name())
		path := filepath.Join(dir, e.Name(), ".forward")
		f, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("import: %w", err)
		}
		targets, pos, err := legacy.ParseForward(f, path)
		f.Close()
		if errors.Is(err, legacy.ErrFilterFile) {
			decisions = append(decisions, legacy.Decision{Pos: legacy.Pos{File: path, Line: 1}, Address: user + "@" + domain,
				What: "filter file", Reason: err.Error()})
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("import: %w", err)
		}
		out[user] = legacy.ForwardFile{Targets: targets, Pos: pos}
	}
	return out, decisions, nil
}

// runImport reads the inputs and maps them onto the tenant.
func runImport(in importInputs, opts spec.ImportOptions) (*spec.ImportResult, error) {
	s, csv, decisions, closeRoot, err := loadServer(in, opts.Domain)
	defer closeRoot()
	if err != nil {
		return nil, err
	}
	if s.Aliases == nil && s.Virtual == nil && s.Virtusertable == nil && csv == nil && len(s.Users) == 0 {
		return nil, errors.New("import: no input: give at least one of --aliases, --virtual, --virtusertable, --csv, --users")
	}
	res, err := spec.Import(s, csv, opts)
	if err != nil {
		return nil, err
	}
	res.File.Decisions = append(res.File.Decisions, decisions...)
	addAdminMailboxes(res, opts)
	slices.SortStableFunc(res.File.Decisions, func(x, y legacy.Decision) int { return strings.Compare(x.Address, y.Address) })
	return res, nil
}

// addAdminMailboxes lists the admins named on the command line as tenant
// mailboxes (an owner must be one), saying so among the assumptions.
func addAdminMailboxes(res *spec.ImportResult, opts spec.ImportOptions) {
	f := res.File
	if f.Kind == spec.Cutover {
		return // the cutover's admin is one of its users
	}
	have := map[string]bool{}
	for _, m := range f.Tenant.Mailboxes {
		have[m.Address] = true
	}
	for _, c := range f.Tenant.Contacts {
		have[c.Address] = true
	}
	admins := slices.Concat(opts.Admins.Owners, opts.Admins.Members, opts.Admins.Mailboxes)
	for _, a := range admins {
		a = strings.ToLower(a)
		if have[a] {
			continue
		}
		have[a] = true
		f.Tenant.Mailboxes = append(f.Tenant.Mailboxes, spec.Person{Address: a})
		res.Assumptions = append(res.Assumptions, "admin "+a+" is taken for an existing tenant mailbox")
	}
}

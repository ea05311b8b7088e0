package delegate

import (
	"slices"

	"github.com/mailops-dev/mailops/mailops"
)

// DomainConfig is one delegated domain.
type DomainConfig struct {
	// Name is the domain (A-label, lower case).
	Name string `json:"name"`
	// AdminGroup is the mail-enabled security group of the domain's
	// admins; it owns every address the service creates in the domain.
	AdminGroup mailops.Address `json:"adminGroup"`
	// AutoApproveInternal lets target changes whose targets are all
	// internal go through without IT.
	AutoApproveInternal bool `json:"autoApproveInternal"`
}

// Config is the service's view of the tenant's delegated domains.
type Config struct {
	Domains []DomainConfig `json:"domains"`
	// Internal are the tenant's own (accepted) domains: a target in one
	// of them is internal, any other is external.
	Internal []string `json:"internal"`
}

// Domain returns the configuration of name.
func (c Config) Domain(name string) (DomainConfig, bool) {
	i := slices.IndexFunc(c.Domains, func(d DomainConfig) bool { return d.Name == name })
	if i < 0 {
		return DomainConfig{}, false
	}
	return c.Domains[i], true
}

// External returns the targets outside the tenant's domains.
func (c Config) External(targets []mailops.Address) []mailops.Address {
	var out []mailops.Address
	for _, t := range targets {
		if !slices.Contains(c.Internal, t.Domain()) {
			out = append(out, t)
		}
	}
	return out
}

// NeedsApproval applies the domain's approval rules: new addresses,
// deletions and external targets need IT; a change of targets that are all
// internal is approved automatically when the domain allows it; IT confirms
// every self-service request.
func (c Config) NeedsApproval(r Request) bool {
	d, ok := c.Domain(r.Domain)
	if !ok || r.Kind.SelfService() { // IT confirms every self-service request
		return true
	}
	switch r.Kind {
	case ReplaceTargets:
		return !d.AutoApproveInternal || len(c.External(r.Targets)) > 0
	default:
		return true
	}
}

// allDomains lists the delegated domains, then the other internal ones
// (where self-service display-name requests live).
func (c Config) allDomains() []string {
	var out []string
	for _, d := range c.Domains {
		out = append(out, d.Name)
	}
	for _, d := range c.Internal {
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

package dnscheck

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Stage is where a migration stands; expectations differ per stage.
type Stage string

// Stages.
const (
	// Before: the MX still points at the legacy server.
	Before Stage = "before"
	// Switched: the MX points at Exchange Online; the legacy server may
	// still send and receive relayed mail.
	Switched Stage = "switched"
	// Final: Exchange Online only.
	Final Stage = "final"
)

// ParseStage parses "before", "switched" or "final".
func ParseStage(s string) (Stage, error) {
	switch Stage(s) {
	case Before, Switched, Final:
		return Stage(s), nil
	}
	return "", fmt.Errorf("%w: %w", ErrBadSpec, &mailops.ValidationError{Field: "Spec.Stage", Value: s, Reason: "want before, switched or final"})
}

// Spec says what to check.
type Spec struct {
	Domain string
	Stage  Stage
	// Verified: the domain is already verified in the tenant, so the
	// ownership TXT record is no longer needed.
	Verified bool
	// OwnershipToken is the expected "MS=ms..." value, when known.
	OwnershipToken string
	// InitialDomain is the tenant's contoso.onmicrosoft.com domain, for the
	// DKIM CNAME targets; empty skips the DKIM check unless the selector
	// targets below are given.
	InitialDomain string
	// Selector1CNAME and Selector2CNAME are the DKIM targets the tenant
	// shows (Get-DkimSigningConfig); when set they are expected exactly,
	// otherwise the targets are derived from InitialDomain.
	Selector1CNAME, Selector2CNAME string
	// EXOMX is the domain's Exchange Online MX host: the mailExchange of the
	// Mx record in the domain's Microsoft Graph serviceConfigurationRecords,
	// the only source of the value (since July 2026 new accepted domains
	// receive under mx.microsoft, MC1048624). When given, an Exchange Online
	// MX that is not exactly it is an error (mx.exo-target). When empty, any
	// Exchange Online MX of a known form is accepted (a token other than the
	// domain's is a warning) and records to add name the service record
	// instead of a host: dnscheck never derives the host from the domain.
	EXOMX string
	// LegacyHosts are the legacy mail servers (host names or IP addresses);
	// LegacySends says they still send mail for the domain (SPF must
	// authorise them).
	LegacyHosts []string
	LegacySends bool
	// MaxMXTTL is the MX TTL above which a planned switch is slowed down
	// (default one hour).
	MaxMXTTL time.Duration
}

// ErrBadSpec means the spec itself is unusable. The error also carries a
// *mailops.ValidationError naming the field and value.
var ErrBadSpec = errors.New("dnscheck: bad spec")

func badSpec(field, value, reason string) error {
	return fmt.Errorf("%w: %w", ErrBadSpec, &mailops.ValidationError{Field: field, Value: value, Reason: reason})
}

// normalize validates the spec and returns it with names in lower-case
// A-label form and defaults filled in.
func (s Spec) normalize() (Spec, error) {
	dom, err := mailops.ParseDomainName(s.Domain)
	if err != nil {
		return s, fmt.Errorf("%w: %w", ErrBadSpec, err)
	}
	s.Domain = dom
	if _, err := ParseStage(string(s.Stage)); err != nil {
		return s, err
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"Spec.InitialDomain", &s.InitialDomain}, {"Spec.Selector1CNAME", &s.Selector1CNAME}, {"Spec.Selector2CNAME", &s.Selector2CNAME}, {"Spec.EXOMX", &s.EXOMX}} {
		if *f.v == "" {
			continue
		}
		d := hostName(strings.TrimSpace(*f.v))
		if !validName(d) || !strings.Contains(d, ".") {
			return s, badSpec(f.name, *f.v, "not a valid DNS name")
		}
		*f.v = d
	}
	if _, ok := exoMXToken(s.EXOMX); s.EXOMX != "" && !ok {
		return s, badSpec("Spec.EXOMX", s.EXOMX, "not an Exchange Online MX host (<token>.mail.protection.outlook.com or <token>.<x>-v1.mx.microsoft): want the mailExchange of the domain's Mx service configuration record")
	}
	if s.OwnershipToken != "" && !strings.HasPrefix(s.OwnershipToken, "MS=ms") {
		return s, badSpec("Spec.OwnershipToken", s.OwnershipToken, `want the "MS=ms..." value the tenant shows`)
	}
	hosts := make([]string, 0, len(s.LegacyHosts))
	for i, h := range s.LegacyHosts {
		field := fmt.Sprintf("Spec.LegacyHosts[%d]", i)
		if a, err := netip.ParseAddr(strings.TrimSpace(h)); err == nil {
			hosts = append(hosts, a.String())
			continue
		}
		d, err := mailops.ParseDomainName(h)
		if err != nil {
			return s, badSpec(field, h, "neither an IP address nor a valid host name")
		}
		hosts = append(hosts, d)
	}
	s.LegacyHosts = hosts
	if s.LegacySends && len(hosts) == 0 {
		return s, badSpec("Spec.LegacyHosts", "", "LegacySends needs the legacy hosts")
	}
	switch {
	case s.MaxMXTTL < 0:
		return s, badSpec("Spec.MaxMXTTL", s.MaxMXTTL.String(), "negative")
	case s.MaxMXTTL == 0:
		s.MaxMXTTL = time.Hour
	}
	return s, nil
}

package dnscheck

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Check runs every check for the spec's stage and answers "is it safe to do
// the next step now?" (Report.Safe). It returns an error only when the check
// cannot run at all (a bad spec: ErrBadSpec with a *mailops.ValidationError
// naming the field). Lookups that fail (timeout, SERVFAIL, REFUSED) become
// "lookup-failed" findings that say what could not be checked, never
// "missing" ones.
func Check(ctx context.Context, x Exchanger, spec Spec) (Report, error) {
	spec, err := spec.normalize()
	if err != nil {
		return Report{}, err
	}
	if x == nil {
		return Report{}, badSpec("Exchanger", "nil", "no DNS server to ask")
	}
	c := &checker{ctx: ctx, q: &querier{x: x}, spec: spec, dom: spec.Domain}
	c.run()
	return Report{Domain: c.dom, Stage: spec.Stage, Findings: c.out, Queries: c.q.queries}, nil
}

type checker struct {
	ctx  context.Context
	q    *querier
	spec Spec
	dom  string
	out  []Finding

	// The apex answers, asked once.
	txts  []string
	txtOK bool
	mxs   []mxRec
	mxErr error
}

func (c *checker) run() {
	txts, err := c.q.txt(c.ctx, c.dom)
	if errors.Is(err, ErrNXDomain) {
		c.add("domain.nxdomain", Error, c.dom+" does not exist in DNS (NXDOMAIN): nothing else can be checked", nil, nil)
		return
	}
	if !c.failed("the TXT records (ownership, SPF) of "+c.dom, err) {
		c.txts, c.txtOK = txts, true
	}
	c.mxs, c.mxErr = c.q.mx(c.ctx, c.dom)
	c.ownership()
	c.mx()
	c.spf()
	c.dkim()
	c.dmarc()
	c.autodiscover()
}

func (c *checker) add(id string, sev Severity, msg string, seen, add []string) {
	c.out = append(c.out, Finding{ID: id, Severity: sev, Message: msg, Seen: seen, Add: add})
}

// failed reports a lookup that could not be answered. It returns true when
// err is such a failure (so the caller stops that check).
func (c *checker) failed(what string, err error) bool {
	if err == nil {
		return false
	}
	c.add("lookup-failed", Error, fmt.Sprintf("could not check %s: %v", what, err), nil, nil)
	return true
}

func (c *checker) has(id string) bool {
	for _, f := range c.out {
		if f.ID == id {
			return true
		}
	}
	return false
}

func (c *checker) ownership() {
	if c.spec.Verified || !c.txtOK {
		return
	}
	var ms []string
	for _, t := range c.txts {
		if strings.HasPrefix(t, "MS=ms") {
			ms = append(ms, t)
		}
	}
	want := c.spec.OwnershipToken
	add := "@ 3600 TXT \"MS=ms...\" (the value the tenant shows)"
	if want != "" {
		add = "@ 3600 TXT \"" + want + "\""
	}
	var viaMX []string
	for _, m := range c.mxs {
		if isVerificationMX(m.Host) && (want == "" || m.Host == strings.ToLower(strings.TrimPrefix(want, "MS="))+".msv1.invalid") {
			viaMX = append(viaMX, fmt.Sprintf("MX %d %s", m.Pref, m.Host))
		}
	}
	switch {
	case want != "" && contains(ms, want) || want == "" && len(ms) > 0:
		c.add("ownership.present", Info, "the ownership TXT record is published: the domain can be verified", ms, nil)
	case len(viaMX) > 0:
		c.add("ownership.present", Info, "the ownership MX record is published: the domain can be verified", viaMX, nil)
	case len(ms) > 0:
		c.add("ownership.mismatch", Error, "an MS=ms... TXT record is published but not the tenant's "+want+": verification fails", ms, []string{add})
	default:
		c.add("ownership.missing", Error, "no MS=ms... TXT record: the domain cannot be verified", c.txts, []string{add})
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// stageSeverity picks the severity for the stage: before, switched, final.
func (c *checker) stageSeverity(before, switched, final Severity) Severity {
	switch c.spec.Stage {
	case Before:
		return before
	case Switched:
		return switched
	}
	return final
}

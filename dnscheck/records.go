package dnscheck

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
)

// DKIMTarget is the classic CNAME target of a DKIM selector ("selector1" or
// "selector2") for a domain in a tenant: selector1-contoso-com._domainkey.
// contoso.onmicrosoft.com.
func DKIMTarget(selector, domain, initialDomain string) string {
	return selector + "-" + mxToken(domain) + "._domainkey." + hostName(initialDomain)
}

// dkimTargetOK reports whether target is the tenant's DKIM target for the
// selector: the classic form under the initial domain, or the newer
// <selector>-<domain-with-dashes>._domainkey.<tenant prefix>.<x>-v1.dkim.mail.microsoft.
func dkimTargetOK(target, selector, domain, initialDomain string) bool {
	if target == DKIMTarget(selector, domain, initialDomain) {
		return true
	}
	prefix, _, _ := strings.Cut(hostName(initialDomain), ".")
	rest, ok := strings.CutPrefix(target, selector+"-"+mxToken(domain)+"._domainkey."+prefix+".")
	if !ok {
		return false
	}
	region, ok := strings.CutSuffix(rest, ".dkim.mail.microsoft")
	return ok && len(region) == 4 && region[0] >= 'a' && region[0] <= 'z' && region[1:] == "-v1"
}

func (c *checker) dkim() {
	if c.spec.Stage == Before {
		return
	}
	given := map[string]string{"selector1": c.spec.Selector1CNAME, "selector2": c.spec.Selector2CNAME}
	if c.spec.InitialDomain == "" && given["selector1"] == "" && given["selector2"] == "" {
		c.add("dkim.not-checked", Info, "DKIM selectors not checked: give the tenant's initial domain (contoso.onmicrosoft.com) or the selector CNAMEs it shows", nil, nil)
		return
	}
	sev := c.stageSeverity(Warning, Warning, Error)
	for _, sel := range []string{"selector1", "selector2"} {
		want := given[sel]
		if want == "" && c.spec.InitialDomain != "" {
			want = DKIMTarget(sel, c.dom, c.spec.InitialDomain)
		}
		if want == "" {
			continue
		}
		name := sel + "._domainkey." + c.dom
		target, err := c.q.cname(c.ctx, name)
		if err != nil && !errors.Is(err, ErrNXDomain) {
			c.failed("DKIM "+sel, err)
			continue
		}
		add := []string{fmt.Sprintf("%s._domainkey 3600 CNAME %s", sel, want)}
		ok := target == want || given[sel] == "" && dkimTargetOK(target, sel, c.dom, c.spec.InitialDomain)
		switch {
		case target == "":
			c.add("dkim.missing", sev, "no CNAME at "+name+": Exchange Online cannot sign for the domain with "+sel, nil, add)
		case !ok:
			c.add("dkim.wrong-target", sev, "DKIM "+sel+" points at "+target+", not the tenant's "+want, []string{name + " CNAME " + target}, add)
		}
	}
}

func (c *checker) dmarc() {
	name := "_dmarc." + c.dom
	txt, err := c.q.txt(c.ctx, name)
	if err != nil && !errors.Is(err, ErrNXDomain) {
		c.failed("DMARC", err)
		return
	}
	var recs []string
	for _, t := range txt {
		if k, _, _ := strings.Cut(t, ";"); strings.EqualFold(strings.ReplaceAll(k, " ", ""), "v=DMARC1") {
			recs = append(recs, t)
		}
	}
	add := []string{"_dmarc 3600 TXT \"v=DMARC1; p=none; rua=mailto:dmarc@" + c.dom + "\""}
	if len(recs) == 0 {
		c.add("dmarc.missing", c.stageSeverity(Info, Info, Warning), "no DMARC record", nil, add)
		return
	}
	if len(recs) > 1 {
		c.add("dmarc.multiple", Error, "more than one DMARC record: receivers ignore DMARC", recs, nil)
		return
	}
	tags := map[string]string{}
	for _, part := range strings.Split(recs[0], ";") {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok {
			tags[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	switch p := strings.ToLower(tags["p"]); p {
	case "none":
		c.add("dmarc.policy-none", Info, "DMARC policy is none: it reports but protects nothing", recs, nil)
	case "quarantine", "reject":
		c.add("dmarc.policy", Info, "DMARC policy is "+p, recs, nil)
	default:
		c.add("dmarc.policy-invalid", Error, fmt.Sprintf("DMARC policy %q is not none, quarantine or reject: receivers ignore the record", tags["p"]), recs, add)
	}
	for _, k := range []string{"rua", "ruf"} {
		v, ok := tags[k]
		if !ok {
			continue
		}
		for _, u := range strings.Split(v, ",") {
			u = strings.TrimSpace(u)
			addr, isMailto := strings.CutPrefix(u, "mailto:")
			if i := strings.IndexByte(addr, '!'); i >= 0 {
				addr = addr[:i] // size limit suffix
			}
			if !isMailto {
				c.add("dmarc.report-uri", Error, fmt.Sprintf("DMARC %s %q is not a mailto: URI: reports are not sent", k, u), recs, add)
			} else if _, err := mailops.ParseAddress(addr); err != nil {
				c.add("dmarc.report-uri", Error, fmt.Sprintf("DMARC %s address %q is not a valid address: reports are not sent", k, addr), recs, add)
			}
		}
	}
}

func (c *checker) autodiscover() {
	name := "autodiscover." + c.dom
	target, err := c.q.cname(c.ctx, name)
	if err != nil && !errors.Is(err, ErrNXDomain) {
		c.failed("the autodiscover CNAME", err)
		return
	}
	add := []string{"autodiscover 3600 CNAME autodiscover.outlook.com"}
	switch target {
	case "autodiscover.outlook.com":
	case "":
		c.add("autodiscover.missing", c.stageSeverity(Warning, Warning, Error), "no autodiscover CNAME: clients will not configure themselves for Exchange Online", nil, add)
	default:
		c.add("autodiscover.wrong-target", c.stageSeverity(Warning, Warning, Error), "autodiscover points at "+target+", not autodiscover.outlook.com: clients configure themselves for the old server", []string{name + " CNAME " + target}, add)
	}
}

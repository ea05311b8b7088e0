package graph

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/domains"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/graph/internal/wire"
)

func checkDomain(name string) error { return mailops.Domain{Name: name}.Validate() }

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func boolv(p *bool) bool { return p != nil && *p }

// AddDomain is POST /domains, then the domain's DNS records.
func (d *Driver) AddDomain(ctx context.Context, name string) (mailops.Domain, error) {
	if err := checkDomain(name); err != nil {
		return mailops.Domain{}, err
	}
	body := models.NewDomain()
	body.SetId(&name)
	got, err := d.graph.Domains().Post(ctx, body, nil)
	if err != nil {
		return mailops.Domain{}, d.graphErr(ctx, "POST /domains", err, nil)
	}
	if got == nil {
		return mailops.Domain{}, noObject("POST /domains")
	}
	dom := mailops.Domain{Name: strings.ToLower(str(got.GetId())), Verified: boolv(got.GetIsVerified()), SupportedServices: got.GetSupportedServices()}
	if dom.Name == "" {
		dom.Name = name
	}
	return dom, d.fillRecords(ctx, &dom)
}

// fillRecords reads the verification records of an unverified domain and
// the service records of a verified one.
func (d *Driver) fillRecords(ctx context.Context, dom *mailops.Domain) error {
	item := d.graph.Domains().ByDomainId(dom.Name)
	if !dom.Verified {
		resp, err := item.VerificationDnsRecords().Get(ctx, nil)
		if err != nil {
			return d.graphErr(ctx, "GET /domains/"+dom.Name+"/verificationDnsRecords", err, nil)
		}
		recs, err := d.records(ctx, dom.Name, resp, func(u string) (models.DomainDnsRecordCollectionResponseable, error) {
			return domains.NewItemVerificationDnsRecordsRequestBuilder(u, d.adapter).Get(ctx, nil)
		})
		if err != nil {
			return err
		}
		dom.VerificationRecords = recs
		return nil
	}
	resp, err := item.ServiceConfigurationRecords().Get(ctx, nil)
	if err != nil {
		return d.graphErr(ctx, "GET /domains/"+dom.Name+"/serviceConfigurationRecords", err, nil)
	}
	recs, err := d.records(ctx, dom.Name, resp, func(u string) (models.DomainDnsRecordCollectionResponseable, error) {
		return domains.NewItemServiceConfigurationRecordsRequestBuilder(u, d.adapter).Get(ctx, nil)
	})
	if err != nil {
		return err
	}
	dom.ServiceRecords = recs
	return nil
}

// records converts a paged list of domainDnsRecords; labels become relative
// ("@" for the domain itself).
func (d *Driver) records(ctx context.Context, domain string, resp models.DomainDnsRecordCollectionResponseable,
	next func(string) (models.DomainDnsRecordCollectionResponseable, error)) ([]mailops.DNSRecord, error) {
	var out []mailops.DNSRecord
	for pages := 0; resp != nil; pages++ {
		for _, r := range resp.GetValue() {
			rec := mailops.DNSRecord{Label: relLabel(str(r.GetLabel()), domain), Optional: boolv(r.GetIsOptional())}
			if t := r.GetTtl(); t != nil {
				rec.TTL = int(*t)
			}
			switch x := r.(type) {
			case models.DomainDnsTxtRecordable:
				rec.Type, rec.Value = "TXT", str(x.GetText())
			case models.DomainDnsMxRecordable:
				rec.Type, rec.Value = "MX", str(x.GetMailExchange())
				if p := x.GetPreference(); p != nil {
					rec.Preference = int(*p)
				}
			case models.DomainDnsCnameRecordable:
				rec.Type, rec.Value = "CNAME", str(x.GetCanonicalName())
			default:
				continue // SRV and unavailable records: not mail records
			}
			out = append(out, rec)
		}
		nl := resp.GetOdataNextLink()
		if nl == nil || *nl == "" {
			break
		}
		if pages >= maxPages {
			return nil, fmt.Errorf("graph: Graph records of %s: more than %d pages: %w", domain, maxPages, mailops.ErrUnavailable)
		}
		var err error
		if resp, err = next(*nl); err != nil {
			return nil, d.graphErr(ctx, "GET (next page of records of "+domain+")", err, nil)
		}
	}
	return out, nil
}

func relLabel(label, domain string) string {
	l := strings.TrimSuffix(strings.ToLower(label), ".")
	if l == "" || l == domain || l == "@" {
		return "@"
	}
	return strings.TrimSuffix(l, "."+domain)
}

// acceptedType reads the domain's DomainType from Get-AcceptedDomain. A
// domain Exchange does not list (yet) is not an accepted domain: "".
// Verifying through Graph does not make one ("Verifying a domain through
// Microsoft Graph doesn't configure the domain for use with Office 365
// services like Exchange", domain-verify); Email in supportedServices does,
// after a delay.
func (d *Driver) acceptedType(ctx context.Context, name string) (mailops.DomainType, error) {
	raw, err := d.exo.invoke(ctx, "Get-AcceptedDomain", map[string]any{"Identity": name})
	if errors.Is(err, mailops.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	ad, err := decodeOne[acceptedDomain]("Get-AcceptedDomain", name, raw)
	if err != nil {
		return "", err
	}
	return ad.domainType(), nil
}

type acceptedDomain struct {
	DomainName string `json:"DomainName"`
	Name       string `json:"Name"`
	DomainType string `json:"DomainType"`
}

func (a acceptedDomain) domainType() mailops.DomainType {
	if strings.EqualFold(a.DomainType, string(mailops.InternalRelay)) {
		return mailops.InternalRelay
	}
	return mailops.Authoritative
}

// VerifyDomain is POST /domains/{id}/verify (after a read: verifying a
// verified domain returns it).
func (d *Driver) VerifyDomain(ctx context.Context, name string) (mailops.Domain, error) {
	if err := checkDomain(name); err != nil {
		return mailops.Domain{}, err
	}
	cur, err := d.graph.Domains().ByDomainId(name).Get(ctx, nil)
	if err != nil {
		return mailops.Domain{}, d.graphErr(ctx, "GET /domains/"+name, err, nil)
	}
	if cur == nil {
		return mailops.Domain{}, noObject("GET /domains/" + name)
	}
	if !boolv(cur.GetIsVerified()) {
		got, err := d.graph.Domains().ByDomainId(name).Verify().Post(ctx, nil)
		if err != nil {
			return mailops.Domain{}, d.graphErr(ctx, "POST /domains/"+name+"/verify", err, verifyOn400)
		}
		if got == nil {
			return mailops.Domain{}, noObject("POST /domains/" + name + "/verify")
		}
		if !boolv(got.GetIsVerified()) {
			return mailops.Domain{}, fmt.Errorf("graph: POST /domains/%s/verify answered isVerified false: %w", name, mailops.ErrNotVerified)
		}
	}
	return d.GetDomain(ctx, name)
}

// GetDomain is GET /domains/{id}, its records and, once verified, its
// accepted-domain type ("" until Get-AcceptedDomain finds it).
func (d *Driver) GetDomain(ctx context.Context, name string) (mailops.Domain, error) {
	if err := checkDomain(name); err != nil {
		return mailops.Domain{}, err
	}
	got, err := d.graph.Domains().ByDomainId(name).Get(ctx, nil)
	if err != nil {
		return mailops.Domain{}, d.graphErr(ctx, "GET /domains/"+name, err, nil)
	}
	if got == nil {
		return mailops.Domain{}, noObject("GET /domains/" + name)
	}
	dom := mailops.Domain{Name: name, Verified: boolv(got.GetIsVerified()), SupportedServices: got.GetSupportedServices()}
	if dom.Verified {
		if dom.Type, err = d.acceptedType(ctx, name); err != nil {
			return mailops.Domain{}, err
		}
	}
	return dom, d.fillRecords(ctx, &dom)
}

// ListDomains is GET /domains (every page) joined with Get-AcceptedDomain.
// It does not read each domain's DNS records (GetDomain does).
func (d *Driver) ListDomains(ctx context.Context) ([]mailops.Domain, error) {
	resp, err := d.graph.Domains().Get(ctx, nil)
	if err != nil {
		return nil, d.graphErr(ctx, "GET /domains", err, nil)
	}
	var out []mailops.Domain
	for pages := 0; ; pages++ {
		if resp == nil {
			return nil, noObject("GET /domains")
		}
		for _, g := range resp.GetValue() {
			out = append(out, mailops.Domain{Name: strings.ToLower(str(g.GetId())), Verified: boolv(g.GetIsVerified()), SupportedServices: g.GetSupportedServices()})
		}
		nl := resp.GetOdataNextLink()
		if nl == nil || *nl == "" {
			break
		}
		if pages >= maxPages {
			return nil, fmt.Errorf("graph: GET /domains: more than %d pages: %w", maxPages, mailops.ErrUnavailable)
		}
		if resp, err = domains.NewDomainsRequestBuilder(*nl, d.adapter).Get(ctx, nil); err != nil {
			return nil, d.graphErr(ctx, "GET /domains (next page)", err, nil)
		}
	}
	raw, err := d.exo.invoke(ctx, "Get-AcceptedDomain", map[string]any{"ResultSize": "Unlimited"})
	if err != nil {
		return nil, err
	}
	ads, err := decodeAll[acceptedDomain]("Get-AcceptedDomain", raw)
	if err != nil {
		return nil, err
	}
	types := map[string]mailops.DomainType{}
	for _, a := range ads {
		types[strings.ToLower(a.DomainName)] = a.domainType()
	}
	for i := range out {
		if t, ok := types[out[i].Name]; ok {
			out[i].Type = t
		}
	}
	slices.SortFunc(out, func(a, b mailops.Domain) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// SetDomainType is Set-AcceptedDomain -DomainType. Exchange does not know
// an unverified domain; the Graph domain then tells ErrNotVerified from
// ErrNotFound.
func (d *Driver) SetDomainType(ctx context.Context, name string, t mailops.DomainType) error {
	if err := checkDomain(name); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	_, err := d.exo.invoke(ctx, "Set-AcceptedDomain", map[string]any{"Identity": name, "DomainType": string(t)})
	if !errors.Is(err, mailops.ErrNotFound) {
		return err
	}
	got, gerr := d.graph.Domains().ByDomainId(name).Get(ctx, nil)
	if gerr != nil {
		return d.graphErr(ctx, "GET /domains/"+name, gerr, nil)
	}
	if got == nil {
		return noObject("GET /domains/" + name)
	}
	if !boolv(got.GetIsVerified()) {
		return fmt.Errorf("graph: domain %s is not verified, so it is not an accepted domain yet: %w", name, mailops.ErrNotVerified)
	}
	return err
}

// RemoveDomain is DELETE /domains/{id}. Graph refuses a domain objects
// still use (400): ErrForbidden.
func (d *Driver) RemoveDomain(ctx context.Context, name string) error {
	if err := checkDomain(name); err != nil {
		return err
	}
	err := d.graph.Domains().ByDomainId(name).Delete(ctx, nil)
	return d.graphErr(ctx, "DELETE /domains/"+name, err, func(_, msg string) error {
		m := strings.ToLower(msg)
		if strings.Contains(m, "reference") || strings.Contains(m, "in use") || strings.Contains(m, "dependent") {
			return mailops.ErrForbidden
		}
		return nil
	})
}

// verifyOn400 maps a refused verification: the proof is not visible, or
// another tenant holds the domain.
func verifyOn400(_, msg string) error {
	if e := wire.MessageError(msg); e != nil && e != mailops.ErrInvalid {
		return e
	}
	return mailops.ErrNotVerified
}

// TakeOverDomain is the external admin takeover of a domain held by an
// unmanaged tenant: Graph beta POST /domains/{id}/verify with
// {"forceTakeover": true} (v1.0 and msgraph-sdk-go lack the parameter), sent
// with the driver's Graph credential and transport.
func (d *Driver) TakeOverDomain(ctx context.Context, name string) (mailops.Domain, error) {
	if err := checkDomain(name); err != nil {
		return mailops.Domain{}, err
	}
	var got struct {
		ID         string `json:"id"`
		IsVerified bool   `json:"isVerified"`
	}
	op := "POST /beta/domains/" + name + "/verify (forceTakeover)"
	if err := d.rawPost(ctx, op, "/domains/"+url.PathEscape(name)+"/verify", map[string]bool{"forceTakeover": true}, &got, verifyOn400); err != nil {
		return mailops.Domain{}, err
	}
	if !got.IsVerified {
		return mailops.Domain{}, fmt.Errorf("graph: %s answered isVerified false: %w", op, mailops.ErrNotVerified)
	}
	return d.GetDomain(ctx, name)
}

// EnableEmail is PATCH /domains/{id} with supportedServices plus Email
// (Graph replaces the collection, so the current services are read first).
// Exchange Online then makes the domain an accepted domain after a delay.
func (d *Driver) EnableEmail(ctx context.Context, name string) error {
	if err := checkDomain(name); err != nil {
		return err
	}
	cur, err := d.graph.Domains().ByDomainId(name).Get(ctx, nil)
	if err != nil {
		return d.graphErr(ctx, "GET /domains/"+name, err, nil)
	}
	if cur == nil {
		return noObject("GET /domains/" + name)
	}
	if !boolv(cur.GetIsVerified()) {
		return fmt.Errorf("graph: domain %s is not verified: supported services can be set only on a verified domain: %w", name, mailops.ErrNotVerified)
	}
	svc := cur.GetSupportedServices()
	if slices.Contains(svc, "Email") {
		return nil
	}
	body := models.NewDomain()
	body.SetSupportedServices(append(slices.Clone(svc), "Email"))
	_, err = d.graph.Domains().ByDomainId(name).Patch(ctx, body, nil)
	return d.graphErr(ctx, "PATCH /domains/"+name, err, verifyOn400)
}

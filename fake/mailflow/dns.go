package mailflow

import (
	"context"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/mailops"
)

// DNS is what the world needs from DNS: an authority that changes at run time
// (and publishes a plan's DNS changes), and a caching resolver per sender.
type DNS interface {
	mailops.DNSPublisher
	// SetMX replaces a domain's MX records.
	SetMX(domain string, ttl time.Duration, mxs ...MX)
	// MX returns the authoritative MX records (no cache).
	MX(domain string) []MX
	// TXT returns the authoritative TXT values (no cache).
	TXT(domain string) []string
	// NewResolver returns a caching resolver with its own cache.
	NewResolver(name string) Resolver
	// Authority is the fake DNS itself, to serve on loopback for labs.
	Authority() *dnsserver.Authority
}

// wireDNS is the world's DNS: fake/dnsserver's authority, asked in-process
// through the same miekg/dns handler that serves loopback, and one caching
// resolver per sender. Every domain the world uses gets its own zone.
type wireDNS struct {
	clk mailops.Clock
	a   *dnsserver.Authority
	// beforeQuery runs before the authority answers a question in-process
	// (the world publishes Exchange Online hosts there, exohosts.go).
	beforeQuery func(name string)
}

// Exchange answers a query from the authority, after beforeQuery.
func (d *wireDNS) Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	if d.beforeQuery != nil && len(m.Question) > 0 {
		d.beforeQuery(m.Question[0].Name)
	}
	return d.a.Exchange(ctx, m)
}

func newWireDNS(clk mailops.Clock) *wireDNS {
	return &wireDNS{clk: clk, a: dnsserver.NewAuthority()}
}

func (d *wireDNS) Authority() *dnsserver.Authority { return d.a }

// zone makes sure a domain is inside a zone of the authority.
func (d *wireDNS) zone(domain string) {
	if !d.a.InZone(domain) {
		d.a.AddZone(domain)
	}
}

func (d *wireDNS) SetMX(domain string, ttl time.Duration, mxs ...MX) {
	d.zone(domain)
	var out []dnsserver.MX
	for _, m := range mxs {
		out = append(out, dnsserver.MX{Host: m.Host, Pref: m.Pref})
	}
	if err := d.a.SetMX(domain, uint32(ttl/time.Second), out...); err != nil {
		panic("mailflow: " + err.Error()) // the world's own domain names are valid
	}
}

func (d *wireDNS) authoritative(domain string, qtype uint16) []dns.RR {
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(domain), qtype)
	m, err := d.Exchange(context.Background(), q)
	if err != nil {
		return nil
	}
	return m.Answer
}

func (d *wireDNS) MX(domain string) []MX {
	var out []MX
	for _, rr := range d.authoritative(domain, dns.TypeMX) {
		if mx, ok := rr.(*dns.MX); ok {
			out = append(out, MX{Host: strings.TrimSuffix(mx.Mx, "."), Pref: mx.Preference})
		}
	}
	return out
}

func (d *wireDNS) TXT(domain string) []string {
	var out []string
	for _, rr := range d.authoritative(domain, dns.TypeTXT) {
		if t, ok := rr.(*dns.TXT); ok {
			s := ""
			for _, part := range t.Txt {
				s += part
			}
			out = append(out, s)
		}
	}
	return out
}

// Publish applies a plan's DNS change, creating the domain's zone if needed.
func (d *wireDNS) Publish(ctx context.Context, c mailops.DNSChange) error {
	d.zone(c.Domain)
	return d.a.Publish(ctx, c)
}

func (d *wireDNS) NewResolver(name string) Resolver {
	return &wireResolver{r: dnsserver.NewResolver(name, d, d.clk)}
}

type wireResolver struct {
	r *dnsserver.Resolver
	// hosts remembers, per domain, the MX hosts in preference order made
	// from the resolver's shared answer (mxHostsOf).
	hosts map[string]sortedHosts
}

type sortedHosts struct {
	from  *dnsserver.MX // the first record of the answer they were made from
	hosts []string
}

// mxHostsOf returns the MX hosts of a domain in preference order, as mxHosts
// would, made again only when the resolver's answer changes. The slice is
// shared: callers only read it.
func (w *wireResolver) mxHostsOf(ctx context.Context, domain string) ([]string, error) {
	mxs, err := w.r.LookupMXShared(ctx, domain)
	if err != nil || len(mxs) == 0 {
		return nil, err
	}
	if h, ok := w.hosts[domain]; ok && h.from == &mxs[0] {
		return h.hosts, nil
	}
	conv := make([]MX, len(mxs))
	for i, m := range mxs {
		conv[i] = MX{Host: m.Host, Pref: m.Pref}
	}
	hosts := mxHosts(conv)
	if w.hosts == nil {
		w.hosts = map[string]sortedHosts{}
	}
	w.hosts[domain] = sortedHosts{&mxs[0], hosts}
	return hosts, nil
}

// LookupMX answers through the sender's own cache; "no MX" and NXDOMAIN are
// errors the sender treats as no route (it defers and retries).
func (w *wireResolver) LookupMX(ctx context.Context, domain string) ([]MX, error) {
	mxs, err := w.r.LookupMX(ctx, domain)
	if err != nil {
		return nil, err
	}
	out := make([]MX, len(mxs))
	for i, m := range mxs {
		out[i] = MX{Host: m.Host, Pref: m.Pref}
	}
	return out, nil
}

// LookupHost answers through the sender's own cache.
func (w *wireResolver) LookupHost(ctx context.Context, host string) ([]string, error) {
	return w.r.LookupHost(ctx, host)
}

// proofChecker answers the cloud's ownership questions from the zone.
type proofChecker struct{ d DNS }

func (p proofChecker) HasProof(_ context.Context, domain, token string) (bool, error) {
	for _, v := range p.d.TXT(domain) {
		if v == token {
			return true, nil
		}
	}
	return false, nil
}

package mailflow

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

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
}

// zoneDNS is the simulator's built-in DNS model: authoritative records and
// per-resolver caches that honour TTLs in virtual time. fake/dnsserver is the
// wire-level fake (miekg/dns); this model is what mail flow needs at the
// speed of events.
type zoneDNS struct {
	clk mailops.Clock
	mu  sync.Mutex
	mx  map[string]mxSet
	txt map[string][]txtRec
}

type mxSet struct {
	ttl time.Duration
	mxs []MX
}

type txtRec struct {
	ttl time.Duration
	val string
}

func newZoneDNS(clk mailops.Clock) *zoneDNS {
	return &zoneDNS{clk: clk, mx: map[string]mxSet{}, txt: map[string][]txtRec{}}
}

func (z *zoneDNS) SetMX(domain string, ttl time.Duration, mxs ...MX) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.mx[domain] = mxSet{ttl, append([]MX(nil), mxs...)}
}

func (z *zoneDNS) MX(domain string) []MX {
	z.mu.Lock()
	defer z.mu.Unlock()
	return append([]MX(nil), z.mx[domain].mxs...)
}

func (z *zoneDNS) TXT(domain string) []string {
	z.mu.Lock()
	defer z.mu.Unlock()
	var out []string
	for _, t := range z.txt[domain] {
		out = append(out, t.val)
	}
	return out
}

func fqdn(domain, label string) string {
	if label == "" || label == "@" {
		return domain
	}
	return strings.TrimSuffix(label, ".") + "." + domain
}

// Publish applies a plan's DNS change: removals first, then additions. MX and
// TXT records are modelled; other types (CNAME, SRV) are accepted and have no
// effect on mail flow.
func (z *zoneDNS) Publish(_ context.Context, c mailops.DNSChange) error {
	if c.AddVerification {
		return fmt.Errorf("mailflow: DNS change for %s still asks for the verification record: resolve it first", c.Domain)
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, r := range c.Remove {
		name := fqdn(c.Domain, r.Label)
		switch r.Type {
		case "MX":
			s := z.mx[name]
			var keep []MX
			for _, m := range s.mxs {
				if !(strings.EqualFold(m.Host, r.Value) && int(m.Pref) == r.Preference) {
					keep = append(keep, m)
				}
			}
			s.mxs = keep
			z.mx[name] = s
		case "TXT":
			var keep []txtRec
			for _, t := range z.txt[name] {
				if t.val != r.Value {
					keep = append(keep, t)
				}
			}
			z.txt[name] = keep
		}
	}
	for _, r := range c.Add {
		name := fqdn(c.Domain, r.Label)
		ttl := time.Duration(r.TTL) * time.Second
		switch r.Type {
		case "MX":
			s := z.mx[name]
			s.mxs = append(s.mxs, MX{Host: strings.ToLower(r.Value), Pref: uint16(r.Preference)})
			s.ttl = ttl
			z.mx[name] = s
		case "TXT":
			z.txt[name] = append(z.txt[name], txtRec{ttl, r.Value})
		}
	}
	return nil
}

func (z *zoneDNS) NewResolver(name string) Resolver {
	return &cachingResolver{z: z, cache: map[string]cachedMX{}}
}

type cachedMX struct {
	mxs     []MX
	expires time.Time
}

type cachingResolver struct {
	z     *zoneDNS
	mu    sync.Mutex
	cache map[string]cachedMX
}

// LookupMX answers from the cache until the TTL runs out.
func (r *cachingResolver) LookupMX(_ context.Context, domain string) ([]MX, error) {
	now := r.z.clk.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.cache[domain]; ok && now.Before(c.expires) {
		return c.mxs, nil
	}
	r.z.mu.Lock()
	s := r.z.mx[domain]
	r.z.mu.Unlock()
	ttl := s.ttl
	if len(s.mxs) == 0 {
		ttl = 5 * time.Minute // negative caching (SOA minimum)
	}
	r.cache[domain] = cachedMX{mxs: append([]MX(nil), s.mxs...), expires: now.Add(ttl)}
	if len(s.mxs) == 0 {
		return nil, fmt.Errorf("mailflow: no MX for %s", domain)
	}
	return append([]MX(nil), s.mxs...), nil
}

// proofChecker answers the cloud's ownership questions from the zone.
type proofChecker struct{ z *zoneDNS }

func (p proofChecker) HasProof(_ context.Context, domain, token string) (bool, error) {
	for _, v := range p.z.TXT(domain) {
		if v == token {
			return true, nil
		}
	}
	return false, nil
}

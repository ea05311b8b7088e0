package dnsserver_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

func TestApexSRVAndGenericRecords(t *testing.T) {
	a := zone(t)
	soa := ask(t, a, "EXAMPLE.ac.jp", dns.TypeSOA)
	require.Len(t, soa.Answer, 1)
	assert.IsType(t, &dns.SOA{}, soa.Answer[0])
	ns := ask(t, a, "example.ac.jp", dns.TypeNS)
	require.Len(t, ns.Answer, 1)
	assert.Equal(t, "ns1.example.ac.jp.", ns.Answer[0].(*dns.NS).Ns)

	srv, err := dns.NewRR("_autodiscover._tcp.depta.example.ac.jp. 3600 IN SRV 0 0 443 autodiscover.outlook.com.")
	require.NoError(t, err)
	require.NoError(t, a.Add(srv))
	require.NoError(t, a.Add(srv), "a duplicate is ignored")
	m := ask(t, a, "_autodiscover._tcp.depta.example.ac.jp", dns.TypeSRV)
	require.Len(t, m.Answer, 1)
	assert.Equal(t, uint16(443), m.Answer[0].(*dns.SRV).Port)

	// The parent of _autodiscover._tcp is an empty non-terminal: NODATA.
	m = ask(t, a, "_tcp.depta.example.ac.jp", dns.TypeSRV)
	assert.Equal(t, dns.RcodeSuccess, m.Rcode)
	assert.Empty(t, m.Answer)
	require.Len(t, m.Ns, 1, "NODATA carries the SOA")

	a.Remove("_autodiscover._tcp.depta.example.ac.jp", dns.TypeSRV)
	assert.Equal(t, dns.RcodeNameError, ask(t, a, "_autodiscover._tcp.depta.example.ac.jp", dns.TypeSRV).Rcode)

	outside, err := dns.NewRR("x.example.org. 60 IN A 192.0.2.1")
	require.NoError(t, err)
	assert.Error(t, a.Add(outside), "outside every zone")
	assert.Error(t, a.Add(nil))

	// SRV, A and TXT through Publish, with "@" as the apex.
	require.NoError(t, a.Publish(bg, mailops.DNSChange{Domain: "depta.example.ac.jp", Add: []mailops.DNSRecord{
		{Type: "SRV", Label: "_sip._tls", Value: "100 1 443 sipdir.online.lync.com", TTL: 3600},
		{Type: "A", Label: "www", Value: "192.0.2.80", TTL: 300},
		{Type: "TXT", Label: "@", Value: "v=DMARC1; p=none", TTL: 300},
	}}))
	m = ask(t, a, "_sip._tls.depta.example.ac.jp", dns.TypeSRV)
	require.Len(t, m.Answer, 1)
	assert.Equal(t, "sipdir.online.lync.com.", m.Answer[0].(*dns.SRV).Target)
	assert.Len(t, ask(t, a, "www.depta.example.ac.jp", dns.TypeA).Answer, 1)
	assert.Len(t, ask(t, a, "depta.example.ac.jp", dns.TypeTXT).Answer, 3)
	assert.Error(t, a.Publish(bg, mailops.DNSChange{Domain: "depta.example.ac.jp", Add: []mailops.DNSRecord{{Type: "SRV", Label: "_x._tcp", Value: "bad"}}}))
}

func TestCNAMEChainsAndNegativeEnds(t *testing.T) {
	a := zone(t)
	require.NoError(t, a.SetCNAME("c1.example.ac.jp", 60, "c2.example.ac.jp"))
	require.NoError(t, a.SetCNAME("c2.example.ac.jp", 60, "c3.example.ac.jp"))
	require.NoError(t, a.SetCNAME("c3.example.ac.jp", 60, "mx.depta.example.ac.jp"))
	m := ask(t, a, "c1.example.ac.jp", dns.TypeA)
	require.Len(t, m.Answer, 4, "three CNAMEs then the A")
	assert.IsType(t, &dns.A{}, m.Answer[3])

	r := dnsserver.NewResolver("r", a, sim.New(1))
	hosts, err := r.LookupHost(bg, "c1.example.ac.jp")
	require.NoError(t, err)
	assert.Contains(t, hosts, "192.0.2.10")

	// A chain to a missing name: NXDOMAIN with the SOA for negative caching.
	require.NoError(t, a.SetCNAME("dangling.example.ac.jp", 60, "gone.example.ac.jp"))
	m = ask(t, a, "dangling.example.ac.jp", dns.TypeMX)
	assert.Equal(t, dns.RcodeNameError, m.Rcode)
	require.Len(t, m.Answer, 1)
	require.Len(t, m.Ns, 1)
	assert.IsType(t, &dns.SOA{}, m.Ns[0])

	// A loop stops, in the authority and in the resolver.
	require.NoError(t, a.SetCNAME("l1.example.ac.jp", 60, "l2.example.ac.jp"))
	require.NoError(t, a.SetCNAME("l2.example.ac.jp", 60, "l1.example.ac.jp"))
	m = ask(t, a, "l1.example.ac.jp", dns.TypeA)
	assert.LessOrEqual(t, len(m.Answer), 8)
	_, err = r.LookupHost(bg, "l1.example.ac.jp")
	assert.Error(t, err)
}

func TestConcurrentChangesAndQueries(t *testing.T) {
	a := zone(t)
	r := dnsserver.NewResolver("r", a, sim.New(1))
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				name := fmt.Sprintf("h%d-%d.example.ac.jp", i, j)
				assert.NoError(t, a.SetTXT(name, 60, "v"))
				_, err := r.LookupTXT(bg, name)
				assert.NoError(t, err)
				a.Remove(name, dns.TypeTXT)
				_, _ = a.Exchange(bg, new(dns.Msg).SetQuestion("depta.example.ac.jp.", dns.TypeMX))
				if j%10 == 0 {
					r.Flush()
				}
			}
		})
	}
	wg.Wait()
	assert.Len(t, ask(t, a, "depta.example.ac.jp", dns.TypeMX).Answer, 1)
}

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
)

// TestConcurrentChangesAndQueries runs writers, in-process readers,
// resolvers and a loopback client at once (meaningful under -race). Every
// answer is one of the states a writer set, never a mix.
func TestConcurrentChangesAndQueries(t *testing.T) {
	a := zone(t)
	srv := serve(t, a)
	r := dnsserver.NewResolver("r", a, sim.New(1))
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				name := fmt.Sprintf("h%d-%d.example.ac.jp", i, j)
				assert.NoError(t, a.SetTXT(name, 60, "v"))
				txt, err := r.LookupTXT(bg, name)
				assert.NoError(t, err)
				assert.Equal(t, []string{"v"}, txt)
				a.Remove(name, dns.TypeTXT)
				if j%10 == 0 {
					r.Flush()
				}
			}
		})
	}
	// A writer flips the MX between two whole sets.
	setA := []dnsserver.MX{{Host: legacy, Pref: 10}, {Host: "backup.example.org", Pref: 20}}
	setB := []dnsserver.MX{{Host: exo}}
	wg.Go(func() {
		for j := range 200 {
			s := setA
			if j%2 == 1 {
				s = setB
			}
			assert.NoError(t, a.SetMX(dom, 60, s...))
		}
	})
	for range 2 {
		wg.Go(func() {
			for range 200 {
				m, err := a.Exchange(bg, query(dom, dns.TypeMX))
				if assert.NoError(t, err) {
					assert.Contains(t, []int{1, 2}, len(m.Answer), "one whole set or the other")
				}
			}
		})
	}
	// Resolvers' lookups share the answers the authority stores between
	// changes: each sees one whole set or the other.
	for i := range 2 {
		wg.Go(func() {
			r := dnsserver.NewResolver(fmt.Sprint("reader-", i), a, sim.New(1))
			for range 100 {
				mx, err := r.LookupMXShared(bg, dom)
				if assert.NoError(t, err) {
					assert.Contains(t, []int{1, 2}, len(mx), "one whole set or the other")
				}
				hosts, err := r.LookupHostShared(bg, "mail."+dom)
				if assert.NoError(t, err) {
					assert.Equal(t, []string{"192.0.2.10", "2001:db8::10"}, hosts)
				}
				r.Flush()
			}
		})
	}
	wg.Go(func() {
		c := &dns.Client{Net: "udp", Timeout: netTimeout}
		for range 50 {
			m, _, err := c.Exchange(query(dom, dns.TypeMX), srv.Addr())
			if assert.NoError(t, err) {
				assert.Contains(t, []int{1, 2}, len(m.Answer))
			}
		}
	})
	wg.Wait()
	for i := range 4 {
		assert.Equal(t, dns.RcodeNameError, ask(t, a, fmt.Sprintf("h%d-0.example.ac.jp", i), dns.TypeTXT).Rcode, "every name removed")
	}
	require.Len(t, ask(t, a, dom, dns.TypeMX).Answer, 1, "the last set written")
}

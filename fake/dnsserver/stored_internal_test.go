package dnsserver

import (
	"context"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A read-only query gets the stored answer under its own Id; only plain
// queries are stored, and a change drops what is stored.
func TestStoredAnswerHeaders(t *testing.T) {
	a := NewAuthority("example.org")
	require.NoError(t, a.SetMX("example.org", 60, MX{Host: "mx.example.org", Pref: 1}))
	ro := withReadOnly(context.Background())
	ask := func(id uint16, edit func(*dns.Msg)) *dns.Msg {
		t.Helper()
		q := new(dns.Msg)
		q.SetQuestion("example.org.", dns.TypeMX)
		q.Id = id
		if edit != nil {
			edit(q)
		}
		m, err := a.Exchange(ro, q)
		require.NoError(t, err)
		assert.Equal(t, id, m.Id, "the query's Id")
		return m
	}
	m1 := ask(1, nil)
	assert.Same(t, m1, ask(1, nil), "the same question: the stored message itself")
	m2 := ask(2, nil)
	assert.NotSame(t, m1, m2)
	assert.Same(t, m1.Answer[0], m2.Answer[0], "shared sections")
	assert.False(t, ask(3, func(q *dns.Msg) { q.RecursionDesired = false }).RecursionDesired, "the RD bit copied")
	withOPT := ask(4, func(q *dns.Msg) { q.SetEdns0(4096, false) })
	assert.NotNil(t, withOPT.IsEdns0(), "a query with EDNS0 is answered afresh, with EDNS0")
	assert.NotSame(t, m1.Answer[0], withOPT.Answer[0])
	assert.Equal(t, 2, len(a.stored), "the plain queries with and without RD")

	soa := func(q *dns.Msg) { q.Question[0].Qtype = dns.TypeSOA }
	before := ask(5, soa).Answer[0].(*dns.SOA).Serial
	require.NoError(t, a.SetTXT("other.example.org", 60, "x"))
	for k, s := range a.stored {
		assert.Less(t, s.version, a.version, "a change makes every stored answer stale: %v", k)
	}
	assert.Equal(t, before+1, ask(5, soa).Answer[0].(*dns.SOA).Serial, "the zone as it is now")
}

package dnscheck

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memDNS is a tiny in-memory Exchanger: zone-file lines, NXDOMAIN for
// names without records. It counts queries.
type memDNS struct {
	rrs     map[string][]dns.RR
	queries int
}

func newMemDNS(t testing.TB, lines ...string) *memDNS {
	m := &memDNS{rrs: map[string][]dns.RR{}}
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		require.NoError(t, err, l)
		n := strings.ToLower(rr.Header().Name)
		m.rrs[n] = append(m.rrs[n], rr)
	}
	return m
}

func (m *memDNS) Exchange(_ context.Context, q *dns.Msg) (*dns.Msg, error) {
	m.queries++
	r := new(dns.Msg)
	r.SetReply(q)
	rrs, ok := m.rrs[strings.ToLower(q.Question[0].Name)]
	if !ok {
		r.Rcode = dns.RcodeNameError
		return r, nil
	}
	for _, rr := range rrs {
		if rr.Header().Rrtype == q.Question[0].Qtype {
			r.Answer = append(r.Answer, rr)
		}
	}
	return r, nil
}

func TestParseSPF(t *testing.T) {
	good := []string{
		"v=spf1",
		"v=spf1 -all",
		"V=SPF1 include:spf.protection.outlook.com ~ALL",
		"v=spf1 a mx a:mail.example.com/24 mx:example.com//64 a/24//64 ptr ptr:example.com -all",
		"v=spf1 ip4:192.0.2.0/24 ip4:192.0.2.1 ip6:2001:db8::/32 ip6:::1 -all",
		"v=spf1 exists:%{i}.%{l1r+-}._spf.%{d} -all",
		"v=spf1 include:_spf.example.com redirect=_spf.example.net exp=explain.%{d}",
		"v=spf1 unknown-modifier=anything -all",
		"v=spf1 include:%{d2}.example.com. ?all",
	}
	for _, s := range good {
		_, err := parseSPF(s)
		assert.NoError(t, err, s)
	}
	bad := map[string]string{
		"":                                   "v=spf1",
		"v=spf2 -all":                        "v=spf1",
		"v=spf1 all:x":                       "all",
		"v=spf1 include":                     "include",
		"v=spf1 include:":                    "include",
		"v=spf1 include:nodot":               "domain",
		"v=spf1 include:a..b":                "domain",
		"v=spf1 ip4:192.0.2.0/33":            "prefix",
		"v=spf1 ip4:2001:db8::1":             "address",
		"v=spf1 ip6:192.0.2.1":               "address",
		"v=spf1 ip4:192.0.2.1/024":           "prefix",
		"v=spf1 a/":                          "prefix",
		"v=spf1 mx//129":                     "prefix",
		"v=spf1 foo":                         "unknown mechanism",
		"v=spf1 redirect=a.example redirect": "unknown mechanism",
		"v=spf1 redirect=a.example redirect=b.example": "twice",
		"v=spf1 exists:%{x}.example":                   "macro",
		"v=spf1 exists:%{d.example":                    "unclosed",
		"v=spf1 include:%":                             "%",
		"v=spf1 include:日本.example":                    "ASCII",
		"v=spf1 " + strings.Repeat("a ", 3000):         "longer",
	}
	for s, want := range bad {
		_, err := parseSPF(s)
		if assert.Error(t, err, s) {
			assert.Contains(t, err.Error(), want, s)
		}
	}
	terms, err := parseSPF("v=spf1 ~a:mail.example.com/24//64 ip4:192.0.2.77/24 redirect=x.example")
	require.NoError(t, err)
	require.Len(t, terms, 3)
	assert.Equal(t, "~a:mail.example.com/24//64", terms[0].String())
	assert.Equal(t, "ip4:192.0.2.0/24", terms[1].String())
	assert.Equal(t, "redirect=x.example", terms[2].String())
	assert.True(t, isSPF("v=spf1"))
	assert.False(t, isSPF("v=spf10 -all"))
}

func TestEvalSPF(t *testing.T) {
	m := newMemDNS(t,
		`example.com. 60 IN TXT "v=spf1 include:_spf.example.com mx a:relay.example.com/30 redirect=_r.example.com"`,
		`example.com. 60 IN MX 10 mx1.example.com.`,
		`mx1.example.com. 60 IN A 192.0.2.1`,
		`relay.example.com. 60 IN A 192.0.2.9`,
		`_spf.example.com. 60 IN TXT "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/64 -all"`,
		`_r.example.com. 60 IN TXT "v=spf1 ip4:203.0.113.5 ~all"`,
	)
	rec, err := parseSPF(`v=spf1 include:_spf.example.com mx a:relay.example.com/30 redirect=_r.example.com`)
	require.NoError(t, err)
	w := newSPFWalker(context.Background(), &querier{x: m})
	for ip, want := range map[string]string{
		"198.51.100.7": spfPass,     // through the include
		"2001:db8::5":  spfPass,     // ip6 through the include
		"192.0.2.1":    spfPass,     // the MX host
		"192.0.2.10":   spfPass,     // a:relay/30 covers .8-.11
		"192.0.2.12":   spfSoftFail, // the redirect's ~all
		"203.0.113.5":  spfPass,     // the redirect's ip4
	} {
		assert.Equal(t, want, w.authorises(netip.MustParseAddr(ip), "example.com", rec), ip)
	}
	w.walk("example.com", rec, []string{"example.com"})
	assert.Equal(t, 4, w.lookups, "include, mx, a, redirect")
	assert.Zero(t, w.voids)
	assert.Empty(t, w.problems)
	assert.Equal(t, []string{"_spf.example.com", "_r.example.com"}, w.includes)
	q := m.queries
	w.walk("example.com", rec, []string{"example.com"})
	assert.Equal(t, q, m.queries, "every answer is asked once per walk")

	// An all mechanism makes the redirect ignored (RFC 7208 section 6.1).
	rec, err = parseSPF(`v=spf1 redirect=_r.example.com -all`)
	require.NoError(t, err)
	w = newSPFWalker(context.Background(), &querier{x: m})
	assert.Equal(t, spfFail, w.authorises(netip.MustParseAddr("203.0.113.5"), "example.com", rec))
	w.walk("example.com", rec, []string{"example.com"})
	assert.Zero(t, w.lookups)

	// Exchange Online's include never passes a legacy address, and is
	// counted as two lookups without a query.
	rec, err = parseSPF(`v=spf1 include:spf.protection.outlook.com -all`)
	require.NoError(t, err)
	w = newSPFWalker(context.Background(), &querier{x: m})
	q = m.queries
	assert.Equal(t, spfFail, w.authorises(netip.MustParseAddr("192.0.2.1"), "example.com", rec))
	w.walk("example.com", rec, []string{"example.com"})
	assert.Equal(t, 2, w.lookups)
	assert.Equal(t, q, m.queries)
}

// FuzzSPF: the parser, the walk and the evaluator never panic, and their
// work is bounded whatever the records (include loops, deep chains, macros,
// garbage): at most ~10 lookups' worth of queries.
func FuzzSPF(f *testing.F) {
	seeds := []string{
		"v=spf1 -all",
		"v=spf1 include:a.fuzz.example ~all",
		"v=spf1 redirect=a.fuzz.example",
		"v=spf1 ip4:192.0.2.0/24 mx a:x.example ?all",
		"v=spf1 include:%{d}.x -all",
		"v=spf1 mx mx mx mx mx mx mx mx mx mx mx mx include:a.fuzz.example",
		"v=spf1 include:b.fuzz.example include:a.fuzz.example +all",
		"v=spf1 a/24//64 exists:%{i}.x.example ptr -all",
	}
	for _, s := range seeds {
		f.Add(s, "v=spf1 include:a.fuzz.example -all", "v=spf1 include:b.fuzz.example mx a -all", uint8(3))
	}
	f.Fuzz(func(t *testing.T, rec, a, b string, chain uint8) {
		// a and b may include themselves and each other (loops); c0..cN is
		// a deep chain of includes ending in b.
		lines := []string{
			`fuzz.example. 60 IN MX 10 mx.fuzz.example.`,
			`mx.fuzz.example. 60 IN A 192.0.2.1`,
		}
		m := newMemDNS(t, lines...)
		txt := func(name, v string) {
			m.rrs[name] = append(m.rrs[name], &dns.TXT{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}, Txt: []string{v}})
		}
		txt("fuzz.example.", rec)
		txt("a.fuzz.example.", a)
		txt("b.fuzz.example.", b)
		n := int(chain % 40)
		for i := 0; i < n; i++ {
			next := "c" + strconv.Itoa(i+1) + ".fuzz.example"
			if i == n-1 {
				next = "b.fuzz.example"
			}
			txt("c"+strconv.Itoa(i)+".fuzz.example.", "v=spf1 a include:"+next+" -all")
		}
		terms, err := parseSPF(rec)
		if err != nil {
			return
		}
		for _, term := range terms {
			_ = term.String()
		}
		w := newSPFWalker(context.Background(), &querier{x: m})
		w.walk("fuzz.example", terms, []string{"fuzz.example"})
		for _, ip := range []string{"192.0.2.1", "240.0.0.1", "2001:db8::1"} {
			_ = w.authorises(netip.MustParseAddr(ip), "fuzz.example", terms)
		}
		if w.lookups > spfMaxLookups+2 {
			t.Fatalf("counted past the limit: %d", w.lookups)
		}
		// Per lookup at most: one TXT, or A+AAAA, or MX; mx hosts' addresses
		// (10 per mx) when evaluating.
		if m.queries > (spfMaxLookups+2)*2*(1+spfMaxMXHosts) {
			t.Fatalf("unbounded work: %d queries", m.queries)
		}
	})
}

package dnsserver_test

import (
	"context"
	"net"
	"net/netip"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/dnsserver"
)

// recorder is a dns.ResponseWriter that keeps what the handler writes.
type recorder struct {
	remote net.Addr
	msgs   []*dns.Msg
}

func (w *recorder) LocalAddr() net.Addr       { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53} }
func (w *recorder) RemoteAddr() net.Addr      { return w.remote }
func (w *recorder) WriteMsg(m *dns.Msg) error { w.msgs = append(w.msgs, m); return nil }
func (w *recorder) Write(b []byte) (int, error) {
	return len(b), nil
}
func (w *recorder) Close() error        { return nil }
func (w *recorder) TsigStatus() error   { return nil }
func (w *recorder) TsigTimersOnly(bool) {}
func (w *recorder) Hijack()             {}

func fuzzZone() *dnsserver.Authority {
	a := dnsserver.NewAuthority("example.ac.jp", "日本.example")
	_ = a.SetMX(dom, 60, dnsserver.MX{Host: legacy, Pref: 10})
	_ = a.SetA(legacy, 60, netip.MustParseAddr("192.0.2.10"))
	_ = a.SetCNAME("mail."+dom, 60, legacy)
	_ = a.SetCNAME("l1.example.ac.jp", 60, "l2.example.ac.jp")
	_ = a.SetCNAME("l2.example.ac.jp", 60, "l1.example.ac.jp")
	_ = a.SetTXT("_tcp.x.example.ac.jp", 60, "v")
	_ = a.FailWith("down.example.ac.jp", dnsserver.FaultServFail)
	_ = a.FailWith("quiet.example.ac.jp", dnsserver.FaultSilent)
	return a
}

// FuzzHandler feeds random packets to the handler, in-process and as UDP
// and TCP would: it never panics, and every answer it writes packs and
// answers the query's ID.
func FuzzHandler(f *testing.F) {
	for _, q := range []*dns.Msg{query(dom, dns.TypeMX), query("mail."+dom, dns.TypeA), query("l1.example.ac.jp", dns.TypeANY),
		query("nope.example.ac.jp", dns.TypeTXT), query("quiet.example.ac.jp", dns.TypeA), query("xn--wgv71a.example", dns.TypeSOA)} {
		b, err := q.Pack()
		require.NoError(f, err)
		f.Add(b)
		q.SetEdns0(1232, true)
		b, err = q.Pack()
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte{0, 1, 2, 3})
	f.Add([]byte{})
	a := fuzzZone()
	f.Fuzz(func(t *testing.T, data []byte) {
		r := new(dns.Msg)
		if err := r.Unpack(data); err != nil {
			return
		}
		ctx, cancel := context.WithCancel(bg)
		cancel() // a silent name returns at once
		m, err := a.Exchange(ctx, r)
		if err == nil {
			require.NotNil(t, m)
			assert.Equal(t, r.Id, m.Id)
			assert.True(t, m.Response)
		}
		for _, remote := range []net.Addr{&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5353}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5353}} {
			w := &recorder{remote: remote}
			a.ServeDNS(w, r)
			require.LessOrEqual(t, len(w.msgs), 1)
			for _, m := range w.msgs {
				b, err := m.Pack()
				require.NoError(t, err)
				if remote.Network() == "udp" {
					size := dns.MinMsgSize
					if o := r.IsEdns0(); o != nil {
						size = max(int(o.UDPSize()), dns.MinMsgSize)
					}
					m.Compress = true
					b, _ = m.Pack()
					assert.LessOrEqual(t, len(b), size, "fits the client's buffer")
				}
				assert.Equal(t, r.Id, m.Id)
			}
		}
	})
}

// FuzzNames feeds random names to the zone's API and queries: no panic,
// and a name accepted once is answered.
func FuzzNames(f *testing.F) {
	for _, s := range []string{dom, "日本.example", "Ünïcödé.example.ac.jp", "a..b", "_dmarc." + dom, `\000.example.ac.jp`, "xn--.example.ac.jp", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		a := dnsserver.NewAuthority("example.ac.jp")
		if err := a.SetTXT(name, 60, "v"); err != nil {
			return
		}
		q := new(dns.Msg)
		q.SetQuestion(name, dns.TypeTXT)
		m, err := a.Exchange(bg, q)
		require.NoError(t, err)
		require.Equal(t, dns.RcodeSuccess, m.Rcode, "%q", name)
		require.Len(t, m.Answer, 1, "%q", name)
		assert.Contains(t, a.Names(), m.Answer[0].Header().Name)
	})
}

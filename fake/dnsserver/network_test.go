package dnsserver_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/fake/sim"
)

// Socket deadlines for loopback clients (the only wall-clock use here).
const netTimeout = 2 * time.Second

func serve(t *testing.T, a *dnsserver.Authority) *dnsserver.Server {
	t.Helper()
	srv, err := a.Serve("")
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, srv.Close()) })
	return srv
}

func exchange(t *testing.T, netw, addr string, q *dns.Msg) *dns.Msg {
	t.Helper()
	m, _, err := (&dns.Client{Net: netw, Timeout: netTimeout}).Exchange(q, addr)
	require.NoError(t, err, netw)
	return m
}

// bigZone has a TXT set too large for 512 bytes.
func bigZone(t *testing.T) *dnsserver.Authority {
	a := zone(t)
	var vals []string
	for i := range 40 {
		vals = append(vals, fmt.Sprintf("v=verification-%02d-%s", i, strings.Repeat("x", 40)))
	}
	require.NoError(t, a.SetTXT("big.example.ac.jp", 60, vals...))
	return a
}

func TestLoopbackUDPAndTCP(t *testing.T) {
	a := zone(t)
	srv := serve(t, a)
	assert.True(t, strings.HasPrefix(srv.Addr(), "127.0.0.1:"))
	for _, netw := range []string{"udp", "tcp"} {
		m := exchange(t, netw, srv.Addr(), query(dom, dns.TypeMX))
		require.Len(t, m.Answer, 1, netw)
		assert.Equal(t, legacy+".", m.Answer[0].(*dns.MX).Mx)
		assert.True(t, m.Authoritative)
		m = exchange(t, netw, srv.Addr(), query("nope.example.ac.jp", dns.TypeA))
		assert.Equal(t, dns.RcodeNameError, m.Rcode, netw)
		require.Len(t, m.Ns, 1)
		m = exchange(t, netw, srv.Addr(), query("example.org", dns.TypeA))
		assert.Equal(t, dns.RcodeRefused, m.Rcode, netw)
	}
	// A change at run time is served at once.
	require.NoError(t, a.SetMX(dom, 60, dnsserver.MX{Host: exo}))
	m := exchange(t, "udp", srv.Addr(), query(dom, dns.TypeMX))
	assert.Equal(t, exo+".", m.Answer[0].(*dns.MX).Mx)

	// IPv6 loopback, when the machine has it.
	if l, err := net.ListenPacket("udp", "[::1]:0"); err == nil {
		_ = l.Close()
		srv6, err := a.Serve("[::1]:0")
		require.NoError(t, err)
		assert.Len(t, exchange(t, "tcp", srv6.Addr(), query(dom, dns.TypeMX)).Answer, 1)
		require.NoError(t, srv6.Close())
		assert.NoError(t, srv6.Close(), "closing again does nothing")
	}

	for _, bad := range []string{"0.0.0.0:0", "192.0.2.1:53", ":0", "nohost", "example.org:53"} {
		_, err := a.Serve(bad)
		assert.Error(t, err, bad)
	}
}

func TestTruncationAndTCPFallBack(t *testing.T) {
	a := bigZone(t)
	srv := serve(t, a)
	q := query("big.example.ac.jp", dns.TypeTXT)

	m := exchange(t, "udp", srv.Addr(), q)
	assert.True(t, m.Truncated, "TC set over UDP")
	m.Compress = true
	packed, err := m.Pack()
	require.NoError(t, err)
	assert.LessOrEqual(t, len(packed), 512, "fits the classic UDP size")

	// The client's fall-back: ask again over TCP, get all of it.
	m = exchange(t, "tcp", srv.Addr(), q)
	assert.False(t, m.Truncated)
	assert.Len(t, m.Answer, 40)

	// EDNS0: a client with a big enough buffer gets it over UDP.
	qe := query("big.example.ac.jp", dns.TypeTXT)
	qe.SetEdns0(4096, false)
	m = exchange(t, "udp", srv.Addr(), qe)
	assert.False(t, m.Truncated)
	assert.Len(t, m.Answer, 40)
	require.NotNil(t, m.IsEdns0(), "the answer carries an OPT")
	// ...and one with 1232 bytes gets TC again.
	qe = query("big.example.ac.jp", dns.TypeTXT)
	qe.SetEdns0(1232, false)
	m = exchange(t, "udp", srv.Addr(), qe)
	assert.True(t, m.Truncated)

	// In-process answers are never truncated.
	assert.Len(t, ask(t, a, "big.example.ac.jp", dns.TypeTXT).Answer, 40)
}

func TestGarbageThenAValidQuery(t *testing.T) {
	a := zone(t)
	srv := serve(t, a)
	rng := rand.New(rand.NewPCG(1, 2))
	valid, err := query(dom, dns.TypeMX).Pack()
	require.NoError(t, err)

	var junk [][]byte
	for range 50 {
		b := make([]byte, rng.IntN(700))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		junk = append(junk, b)
	}
	junk = append(junk, []byte{}, []byte{0x01}, valid[:5], valid[:12], valid[:len(valid)-3],
		[]byte("hello, this is not DNS"), make([]byte, 600))
	// A header claiming 60000 questions, and one claiming to be a response.
	lying := append([]byte(nil), valid...)
	binary.BigEndian.PutUint16(lying[4:], 60000)
	resp := append([]byte(nil), valid...)
	resp[2] |= 0x80
	junk = append(junk, lying, resp)

	conn, err := net.Dial("udp", srv.Addr())
	require.NoError(t, err)
	for _, j := range junk {
		_, _ = conn.Write(j)
	}
	require.NoError(t, conn.Close())
	for _, j := range junk[:10] {
		tc, err := net.Dial("tcp", srv.Addr())
		require.NoError(t, err)
		frame := binary.BigEndian.AppendUint16(nil, uint16(len(j)))
		_, _ = tc.Write(append(frame, j...))
		require.NoError(t, tc.Close())
	}

	for _, netw := range []string{"udp", "tcp"} {
		m := exchange(t, netw, srv.Addr(), query(dom, dns.TypeMX))
		assert.Len(t, m.Answer, 1, "%s: still serving after garbage", netw)
	}
}

func TestNetworkFaults(t *testing.T) {
	a := zone(t)
	srv := serve(t, a)
	require.NoError(t, a.FailWith(dom, dnsserver.FaultServFail))
	m := exchange(t, "udp", srv.Addr(), query(dom, dns.TypeMX))
	assert.Equal(t, dns.RcodeServerFailure, m.Rcode)

	require.NoError(t, a.FailWith(dom, dnsserver.FaultSilent))
	for _, netw := range []string{"udp", "tcp"} {
		_, _, err := (&dns.Client{Net: netw, Timeout: 100 * time.Millisecond}).Exchange(query(dom, dns.TypeMX), srv.Addr())
		var ne net.Error
		require.ErrorAs(t, err, &ne, netw)
		assert.True(t, ne.Timeout(), "%s: the packet is dropped", netw)
	}
	// Other names still answer.
	assert.Len(t, exchange(t, "udp", srv.Addr(), query(legacy, dns.TypeA)).Answer, 1)

	// A record that cannot go on the wire (a test published a broken
	// name): SERVFAIL rather than silence.
	long := strings.Repeat("x", 63) + "." + strings.Repeat("y", 63) + "." + strings.Repeat("z", 63) + "." + strings.Repeat("w", 63) + ".example.ac.jp"
	require.NoError(t, a.SetMX("broken.example.ac.jp", 60, dnsserver.MX{Host: long}))
	m = exchange(t, "tcp", srv.Addr(), query("broken.example.ac.jp", dns.TypeMX))
	assert.Equal(t, dns.RcodeServerFailure, m.Rcode)
}

func TestResolverOverTheNetwork(t *testing.T) {
	// A resolver whose upstream is a real miekg client on loopback: a
	// socket timeout is ErrTimeout.
	a := zone(t)
	srv := serve(t, a)
	r := dnsserver.NewResolver("net", netClient{addr: srv.Addr()}, sim.New(1))
	assert.Equal(t, legacy, mxHost(t, r))
	require.NoError(t, a.FailWith("quiet.example.ac.jp", dnsserver.FaultSilent))
	_, err := r.LookupTXT(bg, "quiet.example.ac.jp")
	assert.ErrorIs(t, err, dnsserver.ErrTimeout)
}

// netClient is a minimal network Exchanger: UDP, then TCP when truncated.
type netClient struct{ addr string }

func (c netClient) Exchange(_ context.Context, q *dns.Msg) (*dns.Msg, error) {
	m, _, err := (&dns.Client{Net: "udp", Timeout: 200 * time.Millisecond}).Exchange(q, c.addr)
	if err == nil && m.Truncated {
		m, _, err = (&dns.Client{Net: "tcp", Timeout: 200 * time.Millisecond}).Exchange(q, c.addr)
	}
	return m, err
}

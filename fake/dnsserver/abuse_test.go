package dnsserver_test

import (
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dig asks the server with the real client (Debian's bind9-dnsutils) and
// returns its short answer.
func dig(t *testing.T, addr string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("dig")
	require.NoError(t, err, "dig is required (Debian package bind9-dnsutils; .ci/run installs it)")
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	cmd := exec.Command(path, append([]string{"@" + host, "-p", port, "+time=2", "+tries=1", "+short"}, args...)...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "dig %v:\n%s", args, out)
	return strings.TrimSpace(string(out))
}

// Random UDP datagrams by the thousand and truncated TCP frames (a length
// prefix promising more than is sent, held open): dig still gets its answer
// over UDP and TCP while the truncated frames are held, and the server
// closes the held connections by its read timeout.
func TestAbuseThenDig(t *testing.T) {
	a := zone(t)
	srv := serve(t, a)
	want := "10 " + legacy + "."
	require.Equal(t, want, dig(t, srv.Addr(), dom, "MX"), "dig works before the abuse")

	rng := rand.New(rand.NewPCG(14, 2))
	uc, err := net.Dial("udp", srv.Addr())
	require.NoError(t, err)
	for range 3000 {
		b := make([]byte, rng.IntN(1500))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		_, _ = uc.Write(b)
	}
	require.NoError(t, uc.Close())

	valid, err := query(dom, dns.TypeMX).Pack()
	require.NoError(t, err)
	var held []net.Conn
	for i := range 50 {
		tc, err := net.Dial("tcp", srv.Addr())
		require.NoError(t, err)
		held = append(held, tc)
		var frame []byte
		switch i % 3 {
		case 0: // a length prefix and half a message
			frame = binary.BigEndian.AppendUint16(nil, uint16(len(valid)))
			frame = append(frame, valid[:len(valid)/2]...)
		case 1: // half a length prefix
			frame = []byte{0x00}
		case 2: // a length prefix promising 64 KiB, and a little garbage
			frame = append([]byte{0xff, 0xff}, valid...)
		}
		_, err = tc.Write(frame)
		require.NoError(t, err)
	}
	defer func() {
		for _, c := range held {
			_ = c.Close()
		}
	}()

	assert.Equal(t, want, dig(t, srv.Addr(), dom, "MX"), "UDP answers after the abuse, while truncated frames are held")
	assert.Equal(t, want, dig(t, srv.Addr(), "+tcp", dom, "MX"), "TCP answers too")
	assert.Equal(t, "192.0.2.10", dig(t, srv.Addr(), legacy, "A"))

	// Each held connection is closed by the server within a bounded time
	// (miekg/dns's read timeout, 2 s by default), without an answer.
	for i, c := range held {
		require.NoError(t, c.SetReadDeadline(time.Now().Add(6*time.Second)))
		n, err := c.Read(make([]byte, 512))
		assert.Zero(t, n, "no answer to a truncated frame (conn %d)", i)
		var ne net.Error
		assert.False(t, errors.As(err, &ne) && ne.Timeout(), "conn %d: closed by the server, not left open: %v", i, err)
		assert.True(t, errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || err != nil && strings.Contains(err.Error(), "reset"), "conn %d: %v", i, err)
	}
	assert.Equal(t, want, dig(t, srv.Addr(), "+tcp", dom, "MX"), "and TCP still answers afterwards")
}

// With the default address the server listens on 127.0.0.1 only, for both
// UDP and TCP.
func TestDefaultServeIsLoopback(t *testing.T) {
	srv := serve(t, zone(t))
	ap, err := netip.ParseAddrPort(srv.Addr())
	require.NoError(t, err)
	assert.Equal(t, netip.MustParseAddr("127.0.0.1"), ap.Addr(), "default listen address")
	for _, netw := range []string{"udp", "tcp"} {
		assert.Len(t, exchange(t, netw, srv.Addr(), query(dom, dns.TypeMX)).Answer, 1, "%s on %s", netw, srv.Addr())
	}
}

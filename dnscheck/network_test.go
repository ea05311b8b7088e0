package dnscheck_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/dnscheck"
)

// Every stage's healthy zone, and a broken one, give the same report over
// UDP/TCP on loopback as in-process.
func TestSameReportInProcessAndOverLoopback(t *testing.T) {
	for _, st := range []dnscheck.Stage{dnscheck.Before, dnscheck.Switched, dnscheck.Final} {
		a := zoneFor(t, st)
		if st == dnscheck.Final {
			a.Remove("autodiscover."+dom, dns.TypeCNAME)
		}
		srv, err := a.Serve("")
		require.NoError(t, err)
		s := baseSpec(st)
		inProcess := check(t, a, s)
		overNet := check(t, dnscheck.NewClient(srv.Addr()), s)
		require.NoError(t, srv.Close())
		assert.Equal(t, inProcess, overNet, st)
		assert.Equal(t, st != dnscheck.Final, overNet.Safe(), overNet.Table())
	}
}

func TestTruncatedAnswerIsReadOverTCP(t *testing.T) {
	a := switchedZone(t)
	var long []string
	for i := 0; i < 30; i++ {
		long = append(long, "filler-"+strings.Repeat("x", 60)+itoa(i))
	}
	require.NoError(t, a.SetTXT(dom, 3600, append(long, spfBoth, token)...))
	srv, err := a.Serve("")
	require.NoError(t, err)
	defer srv.Close()
	r := check(t, dnscheck.NewClient(srv.Addr()), baseSpec(dnscheck.Switched))
	assert.True(t, r.Safe(), "the 2 KB TXT answer does not fit the 1232-byte EDNS buffer, so it comes over TCP: %s", r.Table())
	assert.True(t, r.Has("mx.exo"))

	// A server that truncates every UDP answer: the client must use TCP.
	var udp, tcp atomic.Int32
	addr := serveFunc(t, func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		if w.RemoteAddr().Network() == "udp" {
			udp.Add(1)
			m.Truncated = true
		} else {
			tcp.Add(1)
			m.Answer = append(m.Answer, &dns.MX{Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeMX, Class: dns.ClassINET, Ttl: 60}, Preference: 0, Mx: "depta-example-ac-jp.mail.protection.outlook.com."})
		}
		_ = w.WriteMsg(m)
	})
	got, err := dnscheck.LookupMX(bg, dnscheck.NewClient(addr), dom)
	require.NoError(t, err)
	assert.Equal(t, []string{dnscheck.EXOMXHost(dom)}, got)
	assert.Equal(t, int32(1), udp.Load())
	assert.Equal(t, int32(1), tcp.Load())
}

// A lost UDP datagram is retried.
func TestLostDatagramIsRetried(t *testing.T) {
	var mu sync.Mutex
	seen := 0
	addr := serveFunc(t, func(w dns.ResponseWriter, q *dns.Msg) {
		mu.Lock()
		seen++
		first := seen == 1
		mu.Unlock()
		if first {
			return // dropped
		}
		m := new(dns.Msg)
		m.SetReply(q)
		m.Answer = append(m.Answer, &dns.MX{Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeMX, Class: dns.ClassINET, Ttl: 60}, Preference: 10, Mx: "mx.example."})
		_ = w.WriteMsg(m)
	})
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	got, err := dnscheck.LookupMX(ctx, dnscheck.NewClient(addr), dom)
	require.NoError(t, err)
	assert.Equal(t, []string{"mx.example"}, got)
	mu.Lock()
	assert.Equal(t, 2, seen)
	mu.Unlock()
}

// Nobody listening: a network error, not a timeout and not "no records".
func TestNobodyListening(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := pc.LocalAddr().String()
	require.NoError(t, pc.Close())
	ctx, cancel := context.WithTimeout(bg, 5*time.Second)
	defer cancel()
	_, err = dnscheck.LookupMX(ctx, dnscheck.NewClient(addr), dom)
	require.Error(t, err)
	assert.NotErrorIs(t, err, dnscheck.ErrTimeout)
	var le *dnscheck.LookupError
	assert.ErrorAs(t, err, &le)
}

// serveFunc serves a handler on loopback UDP and TCP (one port).
func serveFunc(t *testing.T, h dns.HandlerFunc) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	l, err := net.Listen("tcp", pc.LocalAddr().String())
	require.NoError(t, err)
	var wg sync.WaitGroup
	started := make(chan struct{}, 2)
	servers := []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: l, Handler: h}}
	for _, s := range servers {
		s.NotifyStartedFunc = func() { started <- struct{}{} }
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.ActivateAndServe()
		}()
	}
	<-started
	<-started
	t.Cleanup(func() {
		for _, s := range servers {
			_ = s.Shutdown()
		}
		wg.Wait()
	})
	return pc.LocalAddr().String()
}

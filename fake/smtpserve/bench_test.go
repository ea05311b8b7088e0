package smtpserve_test

import (
	"io"
	"log"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailops-dev/mailops/bench/bare"
	"github.com/mailops-dev/mailops/fake/smtpserve"
)

// benchBody is the benchmarks' message number i, with a Message-ID of its
// own (one ID for all would make every message after the first a retry of
// it in the world), written over buf.
func benchBody(buf []byte, i int) []byte {
	buf = append(buf[:0], "From: Sender <x@outside.example>\r\nTo: <alice@dept.example>\r\nMessage-ID: <"...)
	buf = strconv.AppendInt(buf, int64(i), 10)
	return append(buf, "@bench.test>\r\nSubject: bench\r\n\r\nHello.\r\n"...)
}

func benchTx(b *testing.B, c *smtp.Client, body []byte) {
	b.Helper()
	if err := c.Mail("x@outside.example", nil); err != nil {
		b.Fatal(err)
	}
	if err := c.Rcpt("alice@dept.example", nil); err != nil {
		b.Fatal(err)
	}
	wc, err := c.Data()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := wc.Write(body); err != nil {
		b.Fatal(err)
	}
	if err := wc.Close(); err != nil {
		b.Fatal(err)
	}
}

// benchKept runs b.N transactions over one kept-open connection to addr,
// calling tick (if any) after every 1024.
func benchKept(b *testing.B, addr string, tick func()) {
	c, err := smtp.Dial(addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("bench.test"); err != nil {
		b.Fatal(err)
	}
	var body []byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body = benchBody(body, i)
		benchTx(b, c, body)
		if tick != nil && i%1024 == 1023 {
			tick()
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkLoopbackTransactions is one SMTP transaction (MAIL, RCPT, DATA)
// over a kept-open loopback connection, through go-smtp into the world.
func BenchmarkLoopbackTransactions(b *testing.B) {
	w, srv := world(b)
	defer srv.Close()
	addr, err := srv.Listen(smtpserve.HostConfig{Host: legacyHost, MaxRecipients: 10})
	if err != nil {
		b.Fatal(err)
	}
	benchKept(b, addr, func() { srv.Do(func() { _ = w.Scheduler().RunFor(time.Second) }) })
}

// BenchmarkLoopbackTransactionsBare is BenchmarkLoopbackTransactions
// against a bare go-smtp server that discards DATA: the library's own cost,
// the anchor the served world is compared with (docs/performance.md).
func BenchmarkLoopbackTransactionsBare(b *testing.B) {
	s := smtp.NewServer(bare.SMTPBackend{})
	s.Domain = "bare.test"
	s.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	defer s.Close()
	benchKept(b, ln.Addr().String(), nil)
}

// benchConn is one message on a connection of its own: connect, EHLO,
// MAIL, RCPT, DATA, QUIT.
func benchConn(b *testing.B, addr string, body []byte) {
	c, err := smtp.Dial(addr)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Hello("bench.test"); err != nil {
		b.Fatal(err)
	}
	benchTx(b, c, body)
	if err := c.Quit(); err != nil {
		b.Fatal(err)
	}
}

// bareServer starts a bare go-smtp server that discards DATA, with the
// idle timeouts the served world sets.
func bareServer(b *testing.B) string {
	s := smtp.NewServer(bare.SMTPBackend{})
	s.Domain = "bare.test"
	s.ReadTimeout, s.WriteTimeout = smtpserve.DefaultIdleTimeout, smtpserve.DefaultIdleTimeout
	s.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	b.Cleanup(func() { _ = s.Close() })
	return ln.Addr().String()
}

// benchConns sends b.N messages to addr, a connection each, from
// parallel clients (parallel sessions per core; 0: one client), calling
// tick (if any) after about every 1024 messages.
func benchConns(b *testing.B, addr string, parallel int, tick func()) {
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	if parallel == 0 {
		var body []byte
		for i := 0; i < b.N; i++ {
			body = benchBody(body, i)
			benchConn(b, addr, body)
			if tick != nil && i%1024 == 1023 {
				tick()
			}
		}
	} else {
		b.SetParallelism(parallel)
		b.RunParallel(func(pb *testing.PB) {
			var body []byte
			for pb.Next() {
				i := n.Add(1)
				body = benchBody(body, int(i))
				benchConn(b, addr, body)
				if tick != nil && i%1024 == 0 {
					tick()
				}
			}
		})
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkLoopbackConnections opens a connection per transaction
// (connect, EHLO, MAIL, RCPT, DATA, QUIT).
func BenchmarkLoopbackConnections(b *testing.B) {
	w, srv := world(b)
	addr, err := srv.Listen(smtpserve.HostConfig{Host: legacyHost})
	if err != nil {
		b.Fatal(err)
	}
	benchConns(b, addr, 0, func() { srv.Do(func() { _ = w.Scheduler().RunFor(time.Second) }) })
}

// BenchmarkLoopbackConnectionsBare is BenchmarkLoopbackConnections against
// the bare go-smtp server.
func BenchmarkLoopbackConnectionsBare(b *testing.B) {
	benchConns(b, bareServer(b), 0, nil)
}

// BenchmarkLoopbackConnectionsParallel is BenchmarkLoopbackConnections
// from 10 clients a core at once, like smtp-source -s 20 on two cores
// (bench/anchors.sh).
func BenchmarkLoopbackConnectionsParallel(b *testing.B) {
	w, srv := world(b)
	addr, err := srv.Listen(smtpserve.HostConfig{Host: legacyHost})
	if err != nil {
		b.Fatal(err)
	}
	benchConns(b, addr, 10, func() { srv.Do(func() { _ = w.Scheduler().RunFor(time.Second) }) })
}

// BenchmarkLoopbackConnectionsParallelBare is
// BenchmarkLoopbackConnectionsParallel against the bare go-smtp server.
func BenchmarkLoopbackConnectionsParallelBare(b *testing.B) {
	benchConns(b, bareServer(b), 10, nil)
}

// Command anchorsrv serves one of the servers bench/anchors.sh measures side
// by side with standard tools, on loopback:
//
//	smtp-project  fake/smtpserve serving a legacy host of a mail-flow world
//	              (every message lands in the world's ledger)
//	smtp-bare     a bare github.com/emersion/go-smtp server that reads DATA
//	              and discards it (the library's own speed)
//	dns-project   fake/dnsserver's Authority serving a zone
//	dns-bare      a bare github.com/miekg/dns server answering the same
//	              records from a map
//
// It prints "ready HOST:PORT" on stdout once listening and serves until
// stdin is closed or it gets SIGINT/SIGTERM. It binds 127.0.0.1 only.
// With -cpuprofile FILE it writes a CPU profile of the whole run there, with
// -mutexprofile FILE a profile of lock contention (the world's lock in
// smtp-project).
//
//	go run ./bench/anchorsrv [-cpuprofile FILE] [-mutexprofile FILE] smtp-project
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/miekg/dns"

	"github.com/mailops-dev/mailops/bench/bare"
	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/fake/smtpserve"
	"github.com/mailops-dev/mailops/mailops"
)

// The names the anchors query and the mailbox they write to.
const (
	zone      = "bench.example."
	mxName    = "bench.example."
	aName     = "mx.bench.example."
	mailbox   = "alice@bench.example"
	legacyMX  = "mx.bench.example"
	benchAddr = "127.0.0.1:0"
)

func main() {
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	mutexprofile := flag.String("mutexprofile", "", "write a mutex contention profile of the run to this file")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: anchorsrv [-cpuprofile FILE] [-mutexprofile FILE] smtp-project|smtp-bare|dns-project|dns-bare")
		os.Exit(2)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "anchorsrv:", err)
			os.Exit(1)
		}
		defer func() { pprof.StopCPUProfile(); _ = f.Close() }()
	}
	if *mutexprofile != "" {
		runtime.SetMutexProfileFraction(1)
		defer func() {
			if f, err := os.Create(*mutexprofile); err == nil {
				_ = pprof.Lookup("mutex").WriteTo(f, 0)
				_ = f.Close()
			}
		}()
	}
	stop, err := serve(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "anchorsrv:", err)
		os.Exit(1)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
		cancel()
	}()
	<-ctx.Done()
	stop()
}

func serve(mode string) (stop func(), err error) {
	switch mode {
	case "smtp-project":
		return smtpProject()
	case "smtp-bare":
		return smtpBare()
	case "dns-project":
		return dnsProject()
	case "dns-bare":
		return dnsBare()
	}
	return nil, fmt.Errorf("unknown mode %q", mode)
}

func ready(addr string) { fmt.Printf("ready %s\n", addr) }

// smtpProject serves a legacy host of a world. The world's scheduler runs
// every 100 ms of wall time so deliveries land while smtp-source sends.
func smtpProject() (func(), error) {
	w := mailflow.NewWorld(mailflow.Config{Seed: 1, Tenant: fake.InstantTenantConfig(), Partner: fake.InstantTenantConfig()})
	l := w.AddLegacy(legacyMX, time.Hour, "bench.example")
	l.AddMailbox(mailbox)
	w.Expect().Address(mailbox, "alice")
	w.Expect().Reads("alice", mailflow.LegacyMailbox(mailbox), time.Time{}, time.Time{})
	srv := smtpserve.New(w)
	addr, err := srv.Listen(smtpserve.HostConfig{Host: legacyMX, Addr: benchAddr, MaxRecipients: 1000})
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				srv.Do(func() { _ = w.Scheduler().RunFor(time.Second) })
			}
		}
	}()
	ready(addr)
	return func() { close(done); _ = srv.Close() }, nil
}

// smtpBare is go-smtp with a backend that accepts everything and discards
// DATA: what a server built on the library costs at the least.
func smtpBare() (func(), error) {
	s := smtp.NewServer(bare.SMTPBackend{})
	s.Domain = "bare.example"
	s.AllowInsecureAuth = true
	s.MaxRecipients = 1000
	s.ReadTimeout, s.WriteTimeout = 30*time.Second, 30*time.Second
	s.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", benchAddr)
	if err != nil {
		return nil, err
	}
	go func() { _ = s.Serve(ln) }()
	ready(ln.Addr().String())
	return func() { _ = s.Close() }, nil
}

// dnsProject serves the zone through fake/dnsserver.
func dnsProject() (func(), error) {
	a := dnsserver.NewAuthority(zone)
	if err := a.SetMX(mxName, 3600, dnsserver.MX{Pref: 10, Host: aName}); err != nil {
		return nil, err
	}
	if err := a.SetA(aName, 3600, netip.MustParseAddr("192.0.2.25")); err != nil {
		return nil, err
	}
	if err := a.Publish(context.Background(), mailops.DNSChange{Domain: "bench.example", Add: []mailops.DNSRecord{{Type: "TXT", Label: "@", Value: "v=spf1 -all", TTL: 3600}}}); err != nil {
		return nil, err
	}
	srv, err := a.Serve(benchAddr)
	if err != nil {
		return nil, err
	}
	ready(srv.Addr())
	return func() { _ = srv.Close() }, nil
}

// dnsBare answers the same records from a map with a bare miekg/dns server.
func dnsBare() (func(), error) {
	rrs := map[uint16][]dns.RR{}
	for _, s := range []string{mxName + " 3600 IN MX 10 " + aName, aName + " 3600 IN A 192.0.2.25", zone + " 3600 IN TXT \"v=spf1 -all\""} {
		rr, err := dns.NewRR(s)
		if err != nil {
			return nil, err
		}
		rrs[rr.Header().Rrtype] = append(rrs[rr.Header().Rrtype], rr)
	}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		if len(q.Question) == 1 {
			for _, rr := range rrs[q.Question[0].Qtype] {
				if dns.CanonicalName(rr.Header().Name) == dns.CanonicalName(q.Question[0].Name) {
					m.Answer = append(m.Answer, rr)
				}
			}
		}
		_ = w.WriteMsg(m)
	})
	pc, err := net.ListenPacket("udp", benchAddr)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		pc.Close()
		return nil, err
	}
	udp, tcp := &dns.Server{PacketConn: pc, Handler: h}, &dns.Server{Listener: ln, Handler: h}
	go func() { _ = udp.ActivateAndServe() }()
	go func() { _ = tcp.ActivateAndServe() }()
	ready(pc.LocalAddr().String())
	return func() { _ = errors.Join(udp.Shutdown(), tcp.Shutdown()) }, nil
}

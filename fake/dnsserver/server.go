package dnsserver

import (
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/miekg/dns"
)

// Server serves an Authority over UDP and TCP on one loopback port. It keeps
// serving after malformed packets.
type Server struct {
	udp, tcp *dns.Server
	addr     string
	wg       sync.WaitGroup
	once     sync.Once
	err      error
}

// Serve listens on addr (default "127.0.0.1:0": a free port) for UDP and TCP
// on the same port and answers with a.ServeDNS. Only loopback addresses
// (127.0.0.0/8, ::1, "localhost") are accepted.
func (a *Authority) Serve(addr string) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dnsserver: listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("dnsserver: listen address %q: not a loopback address", addr)
	}
	pc, l, err := listenPair(host, port)
	if err != nil {
		return nil, err
	}
	s := &Server{addr: pc.LocalAddr().String(),
		udp: &dns.Server{PacketConn: pc, Handler: a},
		tcp: &dns.Server{Listener: l, Handler: a}}
	started := make(chan struct{}, 2)
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		srv.NotifyStartedFunc = func() { started <- struct{}{} }
		s.wg.Go(func() { _ = srv.ActivateAndServe() })
	}
	<-started
	<-started
	return s, nil
}

// listenPair listens for UDP and TCP on one port. With port "0" the UDP
// port is chosen by the system and may be taken for TCP by another process:
// then another port is tried (a bounded number of times).
func listenPair(host, port string) (net.PacketConn, net.Listener, error) {
	const tries = 20
	for i := 0; ; i++ {
		pc, err := net.ListenPacket("udp", net.JoinHostPort(host, port))
		if err != nil {
			return nil, nil, fmt.Errorf("dnsserver: %w", err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, l, nil
		}
		_ = pc.Close()
		if port != "0" || i+1 >= tries {
			return nil, nil, fmt.Errorf("dnsserver: %w", err)
		}
	}
}

// Addr returns the host:port both listeners use.
func (s *Server) Addr() string { return s.addr }

// Close stops both listeners and waits for them; closing again does
// nothing.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.err = errors.Join(s.udp.Shutdown(), s.tcp.Shutdown())
		s.wg.Wait()
	})
	return s.err
}

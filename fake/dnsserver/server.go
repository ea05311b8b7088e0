package dnsserver

import (
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/miekg/dns"
)

// Server serves an Authority over UDP and TCP on one loopback port.
type Server struct {
	udp, tcp *dns.Server
	addr     string
	wg       sync.WaitGroup
}

// Serve listens on addr (default "127.0.0.1:0") for UDP and TCP on the same
// port. Only loopback addresses are accepted.
func (a *Authority) Serve(addr string) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dnsserver: %w", err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("dnsserver: %q is not a loopback address", host)
	}
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("dnsserver: %w", err)
	}
	l, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		pc.Close()
		return nil, fmt.Errorf("dnsserver: %w", err)
	}
	s := &Server{addr: pc.LocalAddr().String(),
		udp: &dns.Server{PacketConn: pc, Handler: a},
		tcp: &dns.Server{Listener: l, Handler: a}}
	started := make(chan struct{}, 2)
	s.udp.NotifyStartedFunc = func() { started <- struct{}{} }
	s.tcp.NotifyStartedFunc = func() { started <- struct{}{} }
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			_ = srv.ActivateAndServe()
		}()
	}
	<-started
	<-started
	return s, nil
}

// Addr returns host:port.
func (s *Server) Addr() string { return s.addr }

// Close stops both listeners and waits for them.
func (s *Server) Close() error {
	err := errors.Join(s.udp.Shutdown(), s.tcp.Shutdown())
	s.wg.Wait()
	return err
}

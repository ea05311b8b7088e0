package lab

import (
	"fmt"
	"net"
	"net/netip"
)

// NonLoopbackError refuses a listen address outside loopback: the lab
// serves a fake tenant with fake credentials and must not be reachable from
// the network.
type NonLoopbackError struct {
	// Service is the lab service the address was for ("dns", "smtp
	// legacy", "imap", ...).
	Service string
	// Addr is the refused address.
	Addr string
}

func (e *NonLoopbackError) Error() string {
	return fmt.Sprintf("lab: %s: listen address %q is not a loopback address (the lab binds 127.0.0.1 or ::1 only)", e.Service, e.Addr)
}

// checkLoopback returns addr with a default of 127.0.0.1:0, or a
// *NonLoopbackError.
func checkLoopback(service, addr string) (string, error) {
	if addr == "" {
		return "127.0.0.1:0", nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("lab: %s: listen address %q: %w", service, addr, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return "", &NonLoopbackError{Service: service, Addr: addr}
	}
	return addr, nil
}

// listen opens a TCP listener on a checked loopback address.
func listen(service, addr string) (net.Listener, error) {
	a, err := checkLoopback(service, addr)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", a)
	if err != nil {
		return nil, fmt.Errorf("lab: %s: %w", service, err)
	}
	return l, nil
}

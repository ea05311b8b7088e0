package dnscheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/miekg/dns"
)

// Exchanger answers one DNS query. fake/dnsserver's authority and resolvers
// satisfy it, and so does NewClient.
type Exchanger interface {
	Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error)
}

// Real-network client settings.
const (
	// udpAttempts is how many times a UDP query is sent before giving up
	// (a lost datagram is normal on real networks).
	udpAttempts = 3
	// attemptTimeout bounds one attempt; the context's deadline, when
	// earlier, wins.
	attemptTimeout = 2 * time.Second
	// ednsSize is the advertised UDP payload size (DNS Flag Day 2020).
	ednsSize = 1232
)

// client is a real DNS client for one server: UDP with EDNS0, and TCP when
// the answer comes back truncated.
type client struct {
	server string
}

// NewClient returns an Exchanger that asks server ("host:port"; port 53
// when omitted) over the network: UDP with EDNS0, retried when an attempt
// times out, and TCP when the answer is truncated. Every attempt is bounded
// by the context's deadline and by 2 seconds.
func NewClient(server string) Exchanger {
	if _, _, err := net.SplitHostPort(server); err != nil {
		server = net.JoinHostPort(server, "53")
	}
	return &client{server: server}
}

func (c *client) Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	if m == nil {
		return nil, errors.New("dnscheck: nil query")
	}
	q := m.Copy()
	if q.IsEdns0() == nil {
		q.SetEdns0(ednsSize, false)
	}
	var err error
	for range udpAttempts {
		if ctx.Err() != nil {
			break
		}
		var r *dns.Msg
		udp := &dns.Client{Net: "udp", Timeout: attemptTimeout}
		r, _, err = udp.ExchangeContext(ctx, q, c.server)
		if err == nil {
			if !r.Truncated {
				return r, nil
			}
			tcp := &dns.Client{Net: "tcp", Timeout: attemptTimeout}
			r, _, err = tcp.ExchangeContext(ctx, q, c.server)
			if err != nil {
				return nil, fmt.Errorf("dnscheck: %s over TCP: %w", c.server, err)
			}
			return r, nil
		}
		if !isTimeout(err) {
			break
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	return nil, fmt.Errorf("dnscheck: %s over UDP: %w", c.server, err)
}

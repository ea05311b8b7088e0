package dnscheck

import (
	"context"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// Exchanger answers one DNS query. fake/dnsserver's authority and resolvers
// satisfy it, and so does NewClient.
type Exchanger interface {
	Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error)
}

// client is a real DNS client for one server: UDP with EDNS0, and TCP when
// the answer comes back truncated.
type client struct {
	server string
}

// NewClient returns an Exchanger that asks server ("host:port") over the
// network. Each query is bounded by the context's deadline (5 seconds when
// it has none).
func NewClient(server string) Exchanger { return &client{server: server} }

func (c *client) Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	timeout := 5 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
		if timeout <= 0 {
			return nil, context.DeadlineExceeded
		}
	}
	q := m.Copy()
	if q.IsEdns0() == nil {
		q.SetEdns0(4096, false)
	}
	udp := &dns.Client{Net: "udp", Timeout: timeout}
	r, _, err := udp.ExchangeContext(ctx, q, c.server)
	if err != nil {
		return nil, fmt.Errorf("dnscheck: %s over UDP: %w", c.server, err)
	}
	if r.Truncated {
		tcp := &dns.Client{Net: "tcp", Timeout: timeout}
		r, _, err = tcp.ExchangeContext(ctx, q, c.server)
		if err != nil {
			return nil, fmt.Errorf("dnscheck: %s over TCP: %w", c.server, err)
		}
	}
	return r, nil
}

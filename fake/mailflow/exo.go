package mailflow

import (
	"strings"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// exo is Exchange Online's edge: one host behind every MX host the service
// hands out (exohosts.go), shared by all tenants of the cloud.
type exo struct {
	w   *World
	out *outbound
	// smart are the connectors' smart-host routes (smartHostRoute).
	smart map[string]smartRoute
}

func (x *exo) Name() string { return "exo" }

// tenantFor finds the tenant that accepts a domain in its propagated view.
func (x *exo) tenantFor(domain string) (*fake.Tenant, mailops.Domain, bool) {
	t, ok := x.w.tenantOf(domain)
	if !ok {
		return nil, mailops.Domain{}, false
	}
	d, ok := x.w.view(t).AcceptedDomain(domain)
	return t, d, ok
}

// receive is mail arriving at the edge from outside (the internet, a
// connector's relay that came back, another server).
func (x *exo) receive(env *envelope) Reply {
	env.hops++
	if env.hops > maxHops {
		x.w.loop(env, "exo")
		return OK // accepted; the loop NDR is EXO's own
	}
	t, dom, ok := x.tenantFor(env.rcpt.Domain())
	if !ok {
		if t, ok := x.attribute(env); ok {
			x.relayAttributed(t, env)
			return OK
		}
		return x.relayRefusal(env)
	}
	v := x.w.view(t)
	if r := partnerRestriction(v, env); r.Code != 0 {
		x.w.traceRefused(t, env, r)
		return r
	}
	if dom.Type == mailops.Authoritative && !known(v, env.rcpt) {
		x.w.traceRefused(t, env, ReplyDBEB)
		return ReplyDBEB // directory-based edge blocking
	}
	x.w.traceReceived(t, env)
	e := env.via(x.w, x.w.exoHop(t))
	e.setAuth(nil) // from outside: unauthenticated
	e.schedule(x.w, 0, "exo transport", pending{step: stepTransport, target: t, out: x.out})
	return OK
}

func known(v fake.MailView, a mailops.Address) bool {
	if _, ok := v.Recipient(a); ok {
		return true
	}
	_, ok := v.Group(a)
	return ok
}

// submit is an authenticated submission by a user of tenant t.
func (x *exo) submit(t *fake.Tenant, env *envelope) {
	x.w.traceReceived(t, env)
	e := env.via(x.w, x.w.exoHop(t))
	e.setAuth(t)
	x.transport(t, e)
	x.w.done(e)
}

// transport routes one copy inside tenant t.
func (x *exo) transport(t *fake.Tenant, env *envelope) {
	w := x.w
	if env.hops > maxHops {
		w.loop(env, w.exoHop(t))
		return
	}
	v := w.view(t)
	dom, accepted := v.AcceptedDomain(env.rcpt.Domain())
	if !accepted {
		x.external(t, v, env)
		return
	}
	if r, ok := v.Recipient(env.rcpt); ok {
		x.toRecipient(t, v, env, r)
		return
	}
	if g, ok := v.Group(env.rcpt); ok {
		if g.RequireSenderAuthentication && env.hdr.auth != t {
			w.bounce(env, w.exoHop(t), ReplyGroupAuth)
			return
		}
		if len(g.Members) == 0 {
			w.drop(env, w.exoHop(t), "group "+string(g.PrimaryAddress)+" has no members: Exchange Online accepts the message and delivers it to nobody")
			return
		}
		for _, m := range g.Members {
			c := env.child(x.w, m, w.hopName("group", string(g.PrimaryAddress)))
			c.hops++
			x.transport(t, c)
			w.done(c)
		}
		return
	}
	if dom.Type == mailops.InternalRelay {
		x.relay(t, v, env)
		return
	}
	w.bounce(env, w.exoHop(t), ReplyNotFoundEXO)
}

// remoteDomain returns the most specific remote domain for a domain.
func remoteDomain(v fake.MailView, domain string) mailops.RemoteDomain {
	best, bestLen := mailops.RemoteDomain{Name: mailops.DefaultRemoteDomain, DomainName: "*"}, -1
	for _, r := range v.RemoteDomains() {
		n := r.DomainName
		var l int
		switch {
		case n == domain:
			l = 1000
		case strings.HasPrefix(n, "*.") && strings.HasSuffix(domain, n[1:]):
			l = len(n)
		case n == "*":
			l = 0
		default:
			continue
		}
		if l > bestLen {
			best, bestLen = r, l
		}
	}
	return best
}

// relay sends a recipient of an InternalRelay domain that the tenant does not
// know to the most specific outbound connector, or by MX without one.
func (x *exo) relay(t *fake.Tenant, v fake.MailView, env *envelope) {
	c := env.via(x.w, "relay")
	c.hops++
	if conn, ok := selectConnector(v, env.rcpt.Domain(), true); ok {
		x.viaConnector(conn, c)
		x.w.done(c)
		return
	}
	x.out.send(c, x.out.mxRoute(env.rcpt.Domain()), 0)
}

func (x *exo) viaConnector(conn mailops.OutboundConnector, env *envelope) {
	c := env.via(x.w, x.w.hopName("connector", conn.Name))
	if conn.UseMXRecord {
		x.out.send(c, x.out.mxRoute(env.rcpt.Domain()), 0)
		return
	}
	x.out.send(c, x.smartHostRoute(conn), 0)
}

// smartHostRoute returns the route to a connector's smart hosts, made once
// per version of the connector (the read-only mail view hands out the
// stored version's slice, which a change replaces).
func (x *exo) smartHostRoute(conn mailops.OutboundConnector) func() ([]string, Reply) {
	hs := conn.SmartHosts
	if r, ok := x.smart[conn.Name]; ok && len(r.hosts) == len(hs) && (len(hs) == 0 || &r.hosts[0] == &hs[0]) {
		return r.route
	}
	r := smartRoute{hosts: hs, route: fixedRoute(hs...)}
	if x.smart == nil {
		x.smart = map[string]smartRoute{}
	}
	x.smart[conn.Name] = r
	return r.route
}

// smartRoute is a connector's smart-host route and the hosts it was made
// from.
type smartRoute struct {
	hosts []string
	route func() ([]string, Reply)
}

// selectConnector picks the most specific enabled connector for a domain:
// exact domain, then all accepted domains, then wildcard (exo-facts 2.1).
func selectConnector(v fake.MailView, domain string, accepted bool) (mailops.OutboundConnector, bool) {
	var all, wild *mailops.OutboundConnector
	wildLen := -1
	for _, c := range v.OutboundConnectors() {
		if !c.Enabled {
			continue
		}
		c := c
		for _, d := range c.RecipientDomains {
			switch {
			case d == domain:
				return c, true
			case d == "*" && wildLen < 0:
				wild, wildLen = &c, 0
			case strings.HasPrefix(d, "*.") && strings.HasSuffix(domain, d[1:]) && len(d) > wildLen:
				wild, wildLen = &c, len(d)
			}
		}
		if c.AllAcceptedDomains && accepted && all == nil {
			all = &c
		}
	}
	if all != nil {
		return *all, true
	}
	if wild != nil {
		return *wild, true
	}
	return mailops.OutboundConnector{}, false
}

// external sends a copy to a domain the tenant does not accept.
func (x *exo) external(t *fake.Tenant, v fake.MailView, env *envelope) {
	w := x.w
	domain := env.rcpt.Domain()
	if rd := remoteDomain(v, domain); rd.UseSimpleDisplayName {
		display := string(env.hdr.from)
		if r, ok := v.Recipient(env.hdr.from); ok && r.SimpleDisplayName != "" {
			display = r.SimpleDisplayName
		}
		env.setFromDisplay(display)
	}
	// A domain verified in another tenant may be delivered inside Exchange
	// Online without the internet (exo-facts 9.1).
	if other, ok := w.tenantOf(domain); ok && other != t {
		if _, acc := w.view(other).AcceptedDomain(domain); acc && w.deliversInside(domain) {
			c := env.via(x.w, w.exoHop(other))
			c.hops++
			c.setAuth(nil)
			c.schedule(w, w.cfg.HopDelay, "exo cross-tenant", pending{step: stepCrossTenant, target: other, out: x.out})
			return
		}
	}
	if conn, ok := selectConnector(v, domain, false); ok {
		x.viaConnector(conn, env)
		return
	}
	x.out.send(env, x.out.mxRoute(domain), 0)
}

package mailflow

import (
	"net/netip"

	"github.com/mailops-dev/mailops/mailops"
)

// SubmissionHost is Exchange Online's client submission host, where the
// device relay authenticates.
const SubmissionHost = "smtp.office365.com"

// authRelay is the device relay that really authenticates to its smart host:
// it accepts devices without authentication only from its allowed networks
// (on port 587 over SMTP sessions), rewrites the envelope sender to its
// account, and submits each copy to Exchange Online's submission host with
// SMTP AUTH as that account. Like Postfix (smtp_sasl_auth_soft_bounce), it
// treats an authentication failure as temporary: the copy stays queued and is
// retried with backoff until the senders' horizon, then bounced.
type authRelay struct {
	w       *World
	host    string
	allowed []netip.Prefix
	account mailops.Address
}

// AddAuthRelay adds a device relay that submits to Exchange Online with SMTP
// AUTH as account. Until account is a mailbox that mail flow sees, devices'
// mail waits in the relay's queue.
func (w *World) AddAuthRelay(host string, account mailops.Address, allowed ...netip.Prefix) {
	w.hosts[host] = &authRelay{w: w, host: host, allowed: append([]netip.Prefix(nil), allowed...), account: account}
}

func (r *authRelay) Name() string { return r.host }

func (r *authRelay) allows(a netip.Addr) bool { return inNetworks(r.allowed, a) }

func (r *authRelay) receive(env *envelope) Reply {
	if !r.allows(env.hdr.client) {
		return relayDenied(env.hdr.client)
	}
	e := env.via(r.w, "relay:"+r.host)
	e.setFrom(r.account)
	e.schedule(r.w, r.w.cfg.HopDelay, "relay submit", pending{step: stepAuthRelaySubmit, target: r})
	return OK
}

// submit opens an authenticated session with the submission host and hands
// the copy to the account's tenant, or defers it.
func (r *authRelay) submit(env *envelope, attempt int) {
	w := r.w
	rep := Reply{}
	s, open := w.Open(SubmissionHost, ClientInfo{Port: SubmissionPort}, SessionLimits{})
	if !open.Positive() {
		rep = open
	} else {
		defer s.Close()
		if rep = s.Authenticate(string(r.account)); rep.Positive() {
			rep = s.Mail(string(r.account))
		}
	}
	if rep.Positive() {
		w.hop(env, r.host, SubmissionHost)
		w.exo.submit(s.tenant, env)
		return
	}
	w.ledger.record(Event{At: w.s.Now(), Kind: EvDefer, Msg: env.msg.ID, Orig: env.hdr.orig, Rcpt: env.rcpt, Host: r.host, Reply: rep, hops: env.path()})
	delay := min(w.cfg.RetryBase<<min(attempt, 8), w.cfg.RetryMax)
	if w.s.Now().Add(delay).Sub(env.msg.Submitted) > w.cfg.GiveUp {
		w.bounce(env, r.host, ReplyExpired)
		return
	}
	env.schedule(w, delay, "relay retry", pending{step: stepAuthRelaySubmit, target: r, attempt: int32(attempt + 1)})
}

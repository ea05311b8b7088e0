// Package mailflow is the mail-flow simulator: every mail host in the world
// (the legacy server, Exchange Online's edge and transport for each tenant,
// internet senders and receivers, the device relay, a mailing-list server) as
// in-process hosts that exchange SMTP transactions as events in virtual time,
// a ledger of every submission, hop, deferral, delivery and bounce, and an
// oracle that says whether a run lost mail.
//
// Exchange Online's routing follows its documentation (reference/exo-facts.md)
// and reads only each tenant's propagated MailView, so a change made through
// the Driver reaches mail only after its propagation delay. The hosts can
// also be served over real SMTP on loopback (Serve), for labs.
package mailflow

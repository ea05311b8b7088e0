// Package mailflow is the mail-flow simulator: every mail host in the world
// (the legacy server, Exchange Online's edge and transport for each tenant,
// internet senders and receivers, the device relay, a mailing-list server) as
// in-process hosts that exchange SMTP transactions as events in virtual time,
// a ledger of every submission, hop, deferral, delivery and bounce, and an
// oracle that says whether a run lost mail.
//
// Exchange Online's routing follows its documentation (reference/exo-facts.md)
// and reads only each tenant's propagated MailView, so a change made through
// the Driver reaches mail only after its propagation delay.
//
// Each host also speaks SMTP stage by stage through an in-process Session
// (World.Open: connect, AUTH, MAIL, RCPT, DATA, each open to targeted faults),
// which fake/smtpserve serves over real SMTP on loopback for labs and for
// tests that speak SMTP on the wire.
package mailflow

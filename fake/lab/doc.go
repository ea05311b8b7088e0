// Package lab is the training lab's engine: one mail world (fake/mailflow),
// built from a scenario, served on loopback to real clients. DNS answers
// over UDP and TCP, the world's SMTP hosts speak SMTP (submission on 587
// with AUTH), a fake Microsoft Graph and Exchange admin API serves the
// world's tenant, an IMAP read side shows each address what the ledger
// delivered to it, and a control API and page show the timeline, the
// ledger, the tenant and the grade, inject faults and drive the clock.
//
// The world is single-threaded: every SMTP session, IMAP sync, Graph call,
// control action and clock step runs under one lock (smtpserve.Server.Do).
// One lab clock drives the world's scheduler: a pump advances virtual time
// to the wall clock's elapsed time times a factor (real time is factor 1),
// or only when told to (manual). The wall clock is read only by the Wall
// the lab is given (RealWall in production, a fake in tests).
//
// Every control action is logged with the virtual time it took effect;
// the scenario, the seed and that log reproduce the run's ledger (Replay).
// Everything binds loopback only: any other address is refused with a
// *NonLoopbackError.
package lab

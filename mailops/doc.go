// Package mailops is a library of typed operations for moving mail domains onto
// Exchange Online without losing mail.
//
// It is shaped like the Go Cloud Development Kit: callers use the portable
// [Client], which validates input, enforces policy, bounds concurrent admin
// sessions, retries throttled calls and waits for consistency; backends implement
// the small [Driver] interface. The real-tenant driver lives in
// mailops/graph, the in-memory fake tenant in the fake package, and every driver
// runs the conformance suite in mailops/mailopstest.
//
// The library never reads the wall clock or sleeps directly: it takes a [Clock],
// so the same code runs in virtual time inside the simulator and in real time
// against a real tenant.
package mailops

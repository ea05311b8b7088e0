package mailflow

// A copy of a message (envelope) lives from the hop that makes it to the end
// of the event that last carries it: nothing keeps a copy after that (the
// ledger and the message trace keep trails, headers and strings, never
// copies), so its storage is reused for the next copy instead of being
// left to the collector. A world makes several copies per message and
// hundreds of thousands per simulated day.

// maxEnvPool bounds the storage kept for reuse.
const maxEnvPool = 1024

// newEnv returns zeroed storage for a copy.
func (w *World) newEnv() *envelope {
	if n := len(w.envPool); n > 0 {
		e := w.envPool[n-1]
		w.envPool = w.envPool[:n-1]
		return e
	}
	return new(envelope)
}

// done takes back a copy that was handled inline (its hop's work done in the
// same event) unless that work scheduled it.
func (w *World) done(e *envelope) {
	if e.pending.step == 0 {
		w.freeEnv(e)
	}
}

// freeEnv takes back a copy whose event has run and that no event carries.
// It is zeroed at once, so that a use after this (a bug) fails on the nil
// message rather than reading another copy's state.
func (w *World) freeEnv(e *envelope) {
	w.ledger.copyEnded(e.msg)
	*e = envelope{}
	if len(w.envPool) < maxEnvPool {
		w.envPool = append(w.envPool, e)
	}
}

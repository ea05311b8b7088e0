package mailflow

// Observe has fn called, synchronously and in order, for every event the
// ledger records from now on: the events Events would list if the ledger
// kept every event (submissions, hops and deferrals too when the world keeps
// events, Config.KeepEvents), with Trail spelt out, whatever the retention.
// A reader that needs a running view of a long run (a timeline, counts per
// mailbox, a digest) keeps it from the observer instead of reading Events,
// which under a bounded retention holds only the last events. An event for a
// pair already settled (Late) is counted, not observed. fn must not call back
// into the world. One observer at a time: a later call replaces it; nil
// removes it. A ledger without an observer spells nothing out.
func (l *Ledger) Observe(fn func(Event)) { l.observer = fn }

// notify hands e to the observer with its trail spelt out.
func (l *Ledger) notify(e Event) {
	l.spell(&e)
	l.observer(e)
}

// Message returns message id while the ledger still holds it: always under
// RetainAll, and under a bounded retention until it settles (then nil and
// false; its pairs are in the oracle's counts and violations).
func (l *Ledger) Message(id int) (*Message, bool) {
	m := l.message(id)
	return m, m != nil
}

//go:build !race

package delegate

// raceEnabled: the race detector slows SQLite (pure Go) about tenfold.
const raceEnabled = false

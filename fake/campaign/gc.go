package campaign

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage collector's target (GOGC) a process running a
// campaign uses: seeds' worlds are short-lived and allocate quickly, and at
// Go's default of 100 the collector's marking takes about a fifth of a
// worker's time. In a process with one worker it runs on an idle core, but
// with a worker on every core it competes with them, which is most of what
// kept two workers from twice the seeds a second (docs/performance.md,
// "Campaigns"). At 400 the collector runs a quarter as often and each
// world's heap may grow to five times its live size (tens of MB a worker).
const GCPercent = 400

// TuneGC sets the process's collector target to GCPercent, unless the GOGC
// environment variable says otherwise, and returns what restores the
// previous target. It changes the whole process: for a command's main (the
// mailops command's simulate and worker), not for a library.
func TuneGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(GCPercent)
	return func() { debug.SetGCPercent(old) }
}

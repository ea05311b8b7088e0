package graph

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/internal/exoref"
	"github.com/mailops-dev/mailops/mailops"
)

// checkCmdlet refuses, before sending, a cmdlet or parameter that Exchange
// Online's cmdlet reference (internal/exoref, from Microsoft's
// office-docs-powershell) does not document for Exchange Online or marks
// on-premises only: the service would refuse it ("A parameter cannot be
// found that matches parameter name ...") or silently ignore it.
func checkCmdlet(cmdlet string, params map[string]any) error {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	if err := exoref.Default().CheckCmdlet(cmdlet, names); err != nil {
		return fmt.Errorf("graph: Exchange %s: not sent: %w: %w", cmdlet, err, mailops.ErrInvalid)
	}
	return nil
}

// Client-side time limits of one InvokeCommand request.
const (
	// ReadTimeout bounds a Get- cmdlet (one page).
	ReadTimeout = 100 * time.Second
	// WriteTimeout bounds every other cmdlet. It is above the service's own
	// limit, so that a slow write is not abandoned (and retried) while it
	// still runs: "Cmdlets backed by the REST API have a 15-minute timeout"
	// (learn.microsoft.com/powershell/exchange/exchange-online-powershell-v2).
	WriteTimeout = 16 * time.Minute
)

// callTimeout is the client timeout of a cmdlet.
func callTimeout(cmdlet string) time.Duration {
	if strings.HasPrefix(strings.ToLower(cmdlet), "get-") {
		return ReadTimeout
	}
	return WriteTimeout
}

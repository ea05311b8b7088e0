package legacy

import (
	"errors"
	"fmt"
)

// Pos is where an entry came from.
type Pos struct {
	File string `json:"file" yaml:"file"`
	Line int    `json:"line" yaml:"line"`
}

func (p Pos) String() string {
	if p == (Pos{}) {
		return "-"
	}
	if p.File == "" {
		return fmt.Sprintf("line %d", p.Line)
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Errors.
var (
	// ErrSyntax: a line the format does not allow.
	ErrSyntax = errors.New("legacy: syntax error")
	// ErrFilterFile: a .forward file that is an Exim or Sieve filter, not a
	// list of addresses; it is refused, never parsed as addresses.
	ErrFilterFile = errors.New("legacy: filter file, not a forward list")
	// ErrOutsideRoot: an :include: that would leave the given tree.
	ErrOutsideRoot = errors.New("legacy: path outside the legacy server's tree")
	// ErrLoop: alias expansion went deeper than the loop limit.
	ErrLoop = errors.New("legacy: alias loop")
)

// SyntaxError names the file, line and problem. It matches ErrSyntax.
type SyntaxError struct {
	Pos Pos
	Msg string
}

func (e *SyntaxError) Error() string { return "legacy: " + e.Pos.String() + ": " + e.Msg }

// Is matches ErrSyntax.
func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }

func syntaxErr(p Pos, format string, args ...any) error {
	return &SyntaxError{Pos: p, Msg: fmt.Sprintf(format, args...)}
}

// Decision is something the import could not map to Exchange Online, kept
// for a person to decide: a pipe to a program, a file, a filter, an include
// outside the tree, an error: entry, an unknown local user.
type Decision struct {
	Pos     Pos    `json:"pos" yaml:"pos"`
	Address string `json:"address" yaml:"address"`
	What    string `json:"what" yaml:"what"`
	Reason  string `json:"reason" yaml:"reason"`
}

func (d Decision) String() string {
	return fmt.Sprintf("%s: %s: %s (%s)", d.Pos, d.Address, d.What, d.Reason)
}

package exoref

import "fmt"

// LineError is a problem on one line of a script given to
// [Reference.CheckScript].
type LineError struct {
	// Line is the 1-based line number.
	Line int
	// Text is the line.
	Text string
	// Err is the problem: an [*Error], or [ErrSyntax] wrapped.
	Err error
}

// Error names the line and the problem.
func (e *LineError) Error() string {
	return fmt.Sprintf("line %d: %v: %s", e.Line, e.Err, e.Text)
}

// Unwrap returns the problem.
func (e *LineError) Unwrap() error { return e.Err }

// CheckScript checks rendered PowerShell, one line per element, and returns
// every problem as a [*LineError]: each Exchange cmdlet (see
// [Reference.IsExchangeCmdlet]) of every command on the line, including the
// commands of a pipeline and of sub-expressions, must pass
// [Reference.CheckCmdlet], one error per refused cmdlet or parameter; a line
// [ParseCommands] cannot read is an [ErrSyntax] problem. Comment lines
// (including commented-out rollback commands), blank lines and DNS zone lines
// are skipped. It returns nil when all is well.
func (r *Reference) CheckScript(lines []string) []error {
	var out []error
	for i, line := range lines {
		cmds, err := ParseCommands(line)
		if err != nil {
			out = append(out, &LineError{Line: i + 1, Text: line, Err: err})
		}
		for _, c := range cmds {
			if !r.IsExchangeCmdlet(c.Name) {
				continue
			}
			for _, e := range r.problems(c.Name, c.Params) {
				out = append(out, &LineError{Line: i + 1, Text: line, Err: e})
			}
		}
	}
	return out
}

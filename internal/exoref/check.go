package exoref

import (
	"errors"
	"strings"
)

// Sentinel errors matched by [Error] through errors.Is.
var (
	// ErrUnknownCmdlet: the reference does not list the cmdlet.
	ErrUnknownCmdlet = errors.New("exoref: unknown cmdlet")
	// ErrUnknownParameter: the parameter is not documented for the cmdlet in
	// Exchange Online (nor a common parameter).
	ErrUnknownParameter = errors.New("exoref: unknown parameter")
	// ErrOnPremisesOnly: the cmdlet, or the parameter, exists or works only in
	// Exchange Server on-premises.
	ErrOnPremisesOnly = errors.New("exoref: on-premises only")
)

// Reason says why [Reference.CheckCmdlet] refused a cmdlet or a parameter.
type Reason string

// The reasons of an [Error].
const (
	UnknownCmdlet           Reason = "unknown cmdlet"
	OnPremisesOnlyCmdlet    Reason = "on-premises-only cmdlet"
	UnknownParameter        Reason = "unknown parameter"
	OnPremisesOnlyParameter Reason = "on-premises-only parameter"
)

// Error is a cmdlet or parameter the reference does not allow in Exchange
// Online. errors.Is matches it to [ErrUnknownCmdlet], [ErrUnknownParameter]
// or [ErrOnPremisesOnly] according to its Reason.
type Error struct {
	// Cmdlet is the cmdlet name as given.
	Cmdlet string
	// Parameter is the parameter name as given; empty for a cmdlet reason.
	Parameter string
	// Reason is why it is refused.
	Reason Reason
}

// Error describes the problem, e.g. "New-MailUser -Foo: unknown parameter in
// Exchange Online".
func (e *Error) Error() string {
	if e.Parameter == "" {
		return e.Cmdlet + ": " + string(e.Reason) + " in Exchange Online"
	}
	return e.Cmdlet + " -" + e.Parameter + ": " + string(e.Reason) + " in Exchange Online"
}

// Is matches the sentinel of e's Reason.
func (e *Error) Is(target error) bool {
	switch e.Reason {
	case UnknownCmdlet:
		return target == ErrUnknownCmdlet
	case UnknownParameter:
		return target == ErrUnknownParameter
	case OnPremisesOnlyCmdlet, OnPremisesOnlyParameter:
		return target == ErrOnPremisesOnly
	}
	return false
}

// CheckCmdlet returns nil if the cmdlet exists in Exchange Online and each of
// params (names without the leading "-") is documented for it there and not
// marked on-premises only, or is a common parameter. Names compare
// case-insensitively; abbreviations are refused.
//
// Otherwise the result is an [*Error] or, when several parameters are wrong,
// errors.Join of one [*Error] per parameter in the order given (errors.As
// finds the first). An unknown or on-premises-only cmdlet yields one error and
// its parameters are not looked at.
func (r *Reference) CheckCmdlet(name string, params []string) error {
	errs := r.problems(name, params)
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	joined := make([]error, len(errs))
	for i, e := range errs {
		joined[i] = e
	}
	return errors.Join(joined...)
}

func (r *Reference) problems(name string, params []string) []*Error {
	c := r.cmdlet(name)
	switch {
	case c == nil:
		return []*Error{{Cmdlet: name, Reason: UnknownCmdlet}}
	case !c.exchangeOnline:
		return []*Error{{Cmdlet: name, Reason: OnPremisesOnlyCmdlet}}
	}
	var errs []*Error
	for _, p := range params {
		info, ok := c.params[strings.ToLower(p)]
		switch {
		case ok && info.onPremisesOnly:
			errs = append(errs, &Error{Cmdlet: name, Parameter: p, Reason: OnPremisesOnlyParameter})
		case ok:
		default:
			if _, common := commonParameter(p); !common {
				errs = append(errs, &Error{Cmdlet: name, Parameter: p, Reason: UnknownParameter})
			}
		}
	}
	return errs
}

package wire

import (
	"strings"

	"github.com/mailops-dev/mailops/mailops"
)

// Detail is one entry of the admin API's error.details. Its message is
// "ExNNNNNN|<exception type>|<text>": error.message itself is generic
// ("Error executing cmdlet"), so the reason is only here (fidelity audit B8,
// from public clients of the endpoint; the endpoint is undocumented).
type Detail struct {
	ID, Type, Text string
}

// ParseDetail splits a details message. A message without the
// "Ex...|type|" prefix is all text.
func ParseDetail(msg string) Detail {
	parts := strings.SplitN(msg, "|", 3)
	if len(parts) == 3 && (parts[0] == "" || strings.HasPrefix(parts[0], "Ex")) && strings.Contains(parts[1], ".") && !strings.ContainsAny(parts[1], " '") {
		return Detail{ID: parts[0], Type: parts[1], Text: parts[2]}
	}
	return Detail{Text: msg}
}

// exceptionErrors maps Exchange exception types (by their name without the
// namespace) onto portable errors. docs/real-tenant.md has the same table.
var exceptionErrors = map[string]error{
	"ManagementObjectNotFoundException":      mailops.ErrNotFound,
	"ManagementObjectAmbiguousException":     mailops.ErrInvalid,
	"ADObjectAlreadyExistsException":         mailops.ErrExists,
	"ProxyAddressExistsException":            mailops.ErrExists,
	"MemberAlreadyExistsException":           mailops.ErrExists,
	"ParameterBindingException":              mailops.ErrInvalid,
	"ParameterBindingValidationException":    mailops.ErrInvalid,
	"CommandNotFoundException":               mailops.ErrInvalid,
	"DataValidationException":                mailops.ErrInvalid,
	"TaskArgumentException":                  mailops.ErrInvalid,
	"ArgumentException":                      mailops.ErrInvalid,
	"RecipientTaskException":                 mailops.ErrInvalid,
	"TaskAccessDeniedException":              mailops.ErrForbidden,
	"OperationRequiresGroupManagerException": mailops.ErrForbidden,
	"UnauthorizedAccessException":            mailops.ErrForbidden,
	"ADTransientException":                   mailops.ErrUnavailable,
	"ADServerSettingsChangedException":       mailops.ErrUnavailable,
}

// ExceptionError maps an exception type (qualified or not) through
// exceptionErrors; nil when the type is unknown.
func ExceptionError(typ string) error {
	if i := strings.LastIndexByte(typ, '.'); i >= 0 {
		typ = typ[i+1:]
	}
	return exceptionErrors[typ]
}

// PhraseError maps texts that say more than their exception type: a
// validation exception about an accepted domain or a missing DKIM CNAME is a
// missing verification, not a bad argument.
func PhraseError(text string) error {
	m := strings.ToLower(text)
	switch {
	case strings.Contains(m, "verified in another"), strings.Contains(m, "already in use in another"):
		return mailops.ErrDomainTaken
	case strings.Contains(m, "isn't an accepted domain"), strings.Contains(m, "is not an accepted domain"),
		strings.Contains(m, "cname record does not exist"):
		return mailops.ErrNotVerified
	}
	return nil
}

// Reason picks the most specific detail of an admin API error body: the
// first details entry with an exception type, else the first entry, else
// the inner exception, else the top-level message.
func Reason(eb ErrBody) Detail {
	var first *Detail
	for _, d := range eb.Error.Details {
		pd := ParseDetail(d.Message)
		if pd.Type != "" {
			return pd
		}
		if first == nil && pd.Text != "" {
			first = &pd
		}
	}
	if first != nil {
		return *first
	}
	if m := eb.Error.InnerError.InternalException.Message; m != "" {
		return ParseDetail(m)
	}
	return ParseDetail(eb.Error.Message)
}

// ErrBody is the admin API's JSON error body.
type ErrBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Message string `json:"message"`
		} `json:"details"`
		InnerError struct {
			InternalException struct {
				Message string `json:"message"`
			} `json:"internalException"`
		} `json:"innererror"`
	} `json:"error"`
}

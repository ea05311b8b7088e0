package graphserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// cmdletEnvelope is InvokeCommand's request body.
type cmdletEnvelope struct {
	CmdletInput struct {
		CmdletName string                     `json:"CmdletName"`
		Parameters map[string]json.RawMessage `json:"Parameters"`
	} `json:"CmdletInput"`
}

// exoError is the admin API's error body, in the shapes clients parse:
// error.message, error.details[].message, error.innererror.internalException.
type exoError struct {
	Error exoErrorBody `json:"error"`
}

type exoErrorBody struct {
	Code       string           `json:"code"`
	Message    string           `json:"message"`
	Details    []exoErrorDetail `json:"details,omitempty"`
	InnerError *exoInnerError   `json:"innererror,omitempty"`
}

type exoErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type exoInnerError struct {
	InternalException exoErrorDetail `json:"internalException"`
}

func writeEXOError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, exoError{Error: exoErrorBody{Code: code, Message: msg,
		Details:    []exoErrorDetail{{Code: "Context", Message: msg}},
		InnerError: &exoInnerError{InternalException: exoErrorDetail{Message: msg}}}})
}

// server name in "couldn't be found on ..." messages.
const exoServer = "FAKEPR01MB0001.PROD.OUTLOOK.COM"

func notFoundMsg(identity string) string {
	return "|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object '" +
		identity + "' couldn't be found on '" + exoServer + "'."
}

// writeBackingEXOError renders an error of the backing driver as the admin
// API does.
func writeBackingEXOError(w http.ResponseWriter, identity string, err error) {
	var te *mailops.ThrottledError
	switch {
	case errors.As(err, &te):
		secs := max(1, int((te.RetryAfter+time.Second-1)/time.Second))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeEXOError(w, http.StatusTooManyRequests, "TooManyRequests", "Request is throttled: "+err.Error())
	case errors.Is(err, mailops.ErrTooManySessions):
		writeEXOError(w, http.StatusBadRequest, "BadRequest",
			"Fail to create a runspace because you have exceeded the maximum number of connections allowed : 3 for the policy party : MaxConcurrency. "+err.Error())
	case errors.Is(err, mailops.ErrNotFound):
		writeEXOError(w, http.StatusBadRequest, "BadRequest", notFoundMsg(identity)+" "+err.Error())
	case errors.Is(err, mailops.ErrExists):
		writeEXOError(w, http.StatusBadRequest, "BadRequest",
			"|Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException|The object '"+identity+"' already exists. "+err.Error())
	case errors.Is(err, mailops.ErrNotVerified):
		writeEXOError(w, http.StatusBadRequest, "BadRequest",
			"|Microsoft.Exchange.Data.DataValidationException|The domain of '"+identity+"' isn't an accepted domain for your organization. "+err.Error())
	case errors.Is(err, mailops.ErrForbidden):
		writeEXOError(w, http.StatusForbidden, "AccessDenied",
			"|Microsoft.Exchange.Configuration.Tasks.TaskAccessDeniedException|Access denied: "+err.Error())
	case errors.Is(err, mailops.ErrInvalid):
		writeEXOError(w, http.StatusBadRequest, "BadRequest",
			"|Microsoft.Exchange.Data.DataValidationException|Cannot validate argument: "+err.Error())
	case errors.Is(err, mailops.ErrUnavailable):
		writeEXOError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "The service is temporarily unavailable: "+err.Error())
	default:
		writeEXOError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
	}
}

// params are a cmdlet's parameters.
type params map[string]json.RawMessage

// cmdletErr is a refusal of the cmdlet's arguments (400).
type cmdletErr string

func (e cmdletErr) Error() string { return string(e) }

func (p params) check(allowed ...string) error {
	names := make([]string, 0, len(p))
	for k := range p {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		ok := false
		for _, a := range allowed {
			ok = ok || strings.EqualFold(a, k)
		}
		if !ok {
			return cmdletErr("A parameter cannot be found that matches parameter name '" + k + "'.")
		}
	}
	return nil
}

func (p params) raw(name string) (json.RawMessage, bool) {
	for k, v := range p {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func (p params) has(name string) bool { _, ok := p.raw(name); return ok }

// str returns a string parameter ("" when absent or null).
func (p params) str(name string) (string, error) {
	v, ok := p.raw(name)
	if !ok || string(v) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", cmdletErr(fmt.Sprintf("Cannot bind parameter '%s'. Cannot convert value %s to type System.String.", name, v))
	}
	return s, nil
}

// strs returns a multi-valued parameter: a string or an array of strings.
func (p params) strs(name string) ([]string, error) {
	v, ok := p.raw(name)
	if !ok || string(v) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(v, &list); err == nil {
		return list, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, cmdletErr(fmt.Sprintf("Cannot bind parameter '%s'. Cannot convert value %s to type MultiValuedProperty.", name, v))
	}
	return []string{s}, nil
}

func (p params) boolean(name string, def bool) (bool, error) {
	v, ok := p.raw(name)
	if !ok || string(v) == "null" {
		return def, nil
	}
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		return false, cmdletErr(fmt.Sprintf("Cannot process argument transformation on parameter '%s'. Cannot convert value %s to type System.Boolean.", name, v))
	}
	return b, nil
}

// hashAdd reads an "@{Add=...}" hashtable parameter.
func (p params) hashAdd(name string) ([]string, error) {
	v, ok := p.raw(name)
	if !ok {
		return nil, nil
	}
	var h struct {
		Type string   `json:"@odata.type"`
		Add  []string `json:"Add"`
	}
	if err := json.Unmarshal(v, &h); err != nil || h.Type != "#Exchange.GenericHashTable" {
		return nil, cmdletErr(fmt.Sprintf("Cannot bind parameter '%s': the fake accepts only @{Add=...} as a #Exchange.GenericHashTable.", name))
	}
	return h.Add, nil
}

func (p params) address(name string) (mailops.Address, error) {
	s, err := p.str(name)
	if err != nil || s == "" {
		return "", err
	}
	a, err := mailops.ParseAddress(stripSMTP(s))
	if err != nil {
		return "", cmdletErr(fmt.Sprintf("Cannot bind parameter '%s'. %v", name, err))
	}
	return a, nil
}

func (p params) addresses(name string) ([]mailops.Address, error) {
	ss, err := p.strs(name)
	if err != nil {
		return nil, err
	}
	out := make([]mailops.Address, 0, len(ss))
	for _, s := range ss {
		a, err := mailops.ParseAddress(stripSMTP(s))
		if err != nil {
			return nil, cmdletErr(fmt.Sprintf("Cannot bind parameter '%s'. %v", name, err))
		}
		out = append(out, a)
	}
	return out, nil
}

func stripSMTP(s string) string {
	if len(s) > 5 && strings.EqualFold(s[:5], "smtp:") {
		return s[5:]
	}
	return s
}

// cmdlet is one cmdlet of the fake: it returns the output objects.
type cmdlet func(s *Server, r *http.Request, p params) ([]any, error)

// backingErr carries an error of the backing driver and the identity it is
// about, for rendering.
type backingErr struct {
	identity string
	err      error
}

func (e *backingErr) Error() string { return e.err.Error() }

func backing(identity string, err error) error {
	if err == nil {
		return nil
	}
	return &backingErr{identity: identity, err: err}
}

func (s *Server) serveEXO(w http.ResponseWriter, r *http.Request, env cmdletEnvelope) {
	name := env.CmdletInput.CmdletName
	fn, ok := cmdlets[strings.ToLower(name)]
	if !ok {
		writeEXOError(w, http.StatusBadRequest, "BadRequest",
			"The term '"+name+"' is not recognized as a name of a cmdlet, function, script file, or executable program.")
		return
	}
	out, err := fn(s, r, params(env.CmdletInput.Parameters))
	var be *backingErr
	var ce cmdletErr
	switch {
	case errors.As(err, &be):
		writeBackingEXOError(w, be.identity, be.err)
		return
	case errors.As(err, &ce):
		writeEXOError(w, http.StatusBadRequest, "BadRequest", "|System.Management.Automation.ParameterBindingException|"+string(ce))
		return
	case err != nil:
		writeEXOError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	if out == nil {
		out = []any{}
	}
	pg, next := page(out, r, s.opts.PageSize)
	body := map[string]any{
		"@odata.context": "https://outlook.office365.com/adminapi/beta/" + s.opts.TenantID + "/$metadata#Collection(Exchange.GenericHashTable)",
		"value":          pg,
	}
	if next >= 0 {
		body["@odata.nextLink"] = nextLink(r, next)
	}
	writeJSON(w, http.StatusOK, body)
}

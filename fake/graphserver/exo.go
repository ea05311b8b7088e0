package graphserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
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

// exoFail is a refusal with a given exception type and text (500).
type exoFail struct{ exType, text string }

func (e *exoFail) Error() string { return e.text }

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
	if err := checkReference(name, env.CmdletInput.Parameters); err != nil || !ok {
		writeReferenceError(w, name, err)
		return
	}
	out, err := fn(s, r, params(env.CmdletInput.Parameters))
	var be *backingErr
	var ce cmdletErr
	var xf *exoFail
	switch {
	case errors.As(err, &xf):
		writeEXOError(w, http.StatusInternalServerError, "InternalServerError", xf.exType, xf.text)
		return
	case errors.As(err, &be):
		writeBackingEXOError(w, be.identity, be.err)
		return
	case errors.As(err, &ce):
		writeEXOError(w, http.StatusBadRequest, "BadRequest", exParameterBinding, string(ce))
		return
	case err != nil:
		writeEXOError(w, http.StatusInternalServerError, "InternalServerError", exInternal, err.Error())
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

// date reads a DateTime parameter sent as an RFC 3339 string.
func (p params) date(name string) (time.Time, error) {
	s, err := p.str(name)
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, cmdletErr(fmt.Sprintf("Cannot bind parameter '%s'. Cannot convert value \"%s\" to type System.DateTime.", name, s))
	}
	return t, nil
}

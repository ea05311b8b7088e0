package exoref

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

//go:embed exo-cmdlets.json
var embedded []byte

// defaultRef parses the embedded reference once. The value is never mutated
// after parsing, so sharing it is safe.
var defaultRef = sync.OnceValue(func() *Reference {
	r, err := Parse(embedded)
	if err != nil {
		panic("exoref: embedded exo-cmdlets.json: " + err.Error())
	}
	return r
})

// Default returns the reference embedded in the package (exo-cmdlets.json). It
// is parsed on first use and shared; a Reference is immutable.
func Default() *Reference { return defaultRef() }

// Reference is a parsed cmdlet reference: the Exchange cmdlets and, for each,
// the parameters documented for Exchange Online. It is immutable and safe for
// concurrent use. Names are looked up case-insensitively.
type Reference struct {
	source  string
	cmdlets map[string]*cmdletInfo // by lower-case name
}

type cmdletInfo struct {
	name           string // as documented
	exchangeOnline bool
	params         map[string]paramInfo // by lower-case name
	names          []string             // documented names, sorted
}

type paramInfo struct {
	name           string // as documented
	onPremisesOnly bool
}

// fileFormat is the JSON layout of exo-cmdlets.json.
type fileFormat struct {
	Source  string `json:"source"`
	Cmdlets map[string]struct {
		ExchangeOnline *bool `json:"exchangeOnline"`
		Parameters     map[string]struct {
			OnPremisesOnly bool   `json:"onPremisesOnly"`
			CloudOnly      bool   `json:"cloudOnly"`
			Required       string `json:"required"`
			Sets           string `json:"sets"`
			Type           string `json:"type"`
		} `json:"parameters"`
	} `json:"cmdlets"`
}

// ErrFormat reports a reference file that is not in the expected format.
var ErrFormat = errors.New("exoref: bad reference file")

// Parse reads a reference in the format of exo-cmdlets.json. Every cmdlet must
// say whether it exists in Exchange Online; cmdlet names must look like
// Verb-Noun, and no two cmdlets, nor two parameters of one cmdlet, may differ
// only in case.
func Parse(data []byte) (*Reference, error) {
	var f fileFormat
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if len(f.Cmdlets) == 0 {
		return nil, fmt.Errorf("%w: no cmdlets", ErrFormat)
	}
	r := &Reference{source: f.Source, cmdlets: make(map[string]*cmdletInfo, len(f.Cmdlets))}
	for name, c := range f.Cmdlets {
		if !isVerbNoun(name) {
			return nil, fmt.Errorf("%w: cmdlet name %q is not Verb-Noun", ErrFormat, name)
		}
		if c.ExchangeOnline == nil {
			return nil, fmt.Errorf("%w: cmdlet %s: exchangeOnline missing", ErrFormat, name)
		}
		key := strings.ToLower(name)
		if prev, dup := r.cmdlets[key]; dup {
			return nil, fmt.Errorf("%w: cmdlets %s and %s differ only in case", ErrFormat, prev.name, name)
		}
		ci := &cmdletInfo{name: name, exchangeOnline: *c.ExchangeOnline, params: make(map[string]paramInfo, len(c.Parameters))}
		for pname, p := range c.Parameters {
			if !isParamName(pname) {
				return nil, fmt.Errorf("%w: cmdlet %s: parameter name %q", ErrFormat, name, pname)
			}
			pkey := strings.ToLower(pname)
			if prev, dup := ci.params[pkey]; dup {
				return nil, fmt.Errorf("%w: cmdlet %s: parameters %s and %s differ only in case", ErrFormat, name, prev.name, pname)
			}
			ci.params[pkey] = paramInfo{name: pname, onPremisesOnly: p.OnPremisesOnly}
			ci.names = append(ci.names, pname)
		}
		slices.Sort(ci.names)
		r.cmdlets[key] = ci
	}
	return r, nil
}

// Source describes where the reference was taken from (the file's "source").
func (r *Reference) Source() string { return r.source }

// Cmdlets returns the documented names of every cmdlet in the reference that
// exists in Exchange Online, sorted.
func (r *Reference) Cmdlets() []string {
	var out []string
	for _, c := range r.cmdlets {
		if c.exchangeOnline {
			out = append(out, c.name)
		}
	}
	slices.Sort(out)
	return out
}

// Parameters returns, sorted and in their documented case, the parameters the
// reference documents for the cmdlet in Exchange Online, including those
// marked on-premises only (documented but without effect) and excluding the
// common parameters. ok is false if the reference does not list the cmdlet or
// lists it as on-premises only.
func (r *Reference) Parameters(cmdlet string) (params []string, ok bool) {
	c := r.cmdlet(cmdlet)
	if c == nil || !c.exchangeOnline {
		return nil, false
	}
	return slices.Clone(c.names), true
}

// Canonical returns param in the case the reference documents for cmdlet, or,
// for a common parameter (ErrorAction, Verbose, ...), in its usual case. ok is
// false if the cmdlet is unknown or on-premises only, or the parameter is
// neither documented for it nor common. Abbreviations and aliases are not
// resolved: rendered scripts and API calls use full names.
func (r *Reference) Canonical(cmdlet, param string) (string, bool) {
	c := r.cmdlet(cmdlet)
	if c == nil || !c.exchangeOnline {
		return "", false
	}
	if p, ok := c.params[strings.ToLower(param)]; ok {
		return p.name, true
	}
	return commonParameter(param)
}

func (r *Reference) cmdlet(name string) *cmdletInfo {
	return r.cmdlets[strings.ToLower(name)]
}

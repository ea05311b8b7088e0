package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/spec"
)

func init() { register("validate", newValidateCmd) }

// validateProblem is one error validate found.
type validateProblem struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// validateOutput is validate's --json document.
type validateOutput struct {
	Spec   string            `json:"spec"`
	Valid  bool              `json:"valid"`
	Kind   string            `json:"kind,omitempty"`
	Errors []validateProblem `json:"errors"`
}

// validateSpec parses and validates a spec file; problems carry file:line
// (syntax, unknown fields, wrong types) or the field path (values).
func validateSpec(path string) (*spec.File, []validateProblem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("validate: %w", err)
	}
	defer f.Close()
	sf, err := spec.Parse(f, path)
	if err == nil {
		return sf, nil, nil
	}
	return nil, problems(path, err), nil
}

// problems flattens a parse or validation error into its parts.
func problems(path string, err error) []validateProblem {
	var out []validateProblem
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var pe *spec.ParseError
		var ve *mailops.ValidationError
		switch {
		case errors.As(err, &pe):
			out = append(out, validateProblem{File: pe.File, Line: pe.Line, Message: pe.Msg})
		case errors.As(err, &ve):
			out = append(out, validateProblem{File: path, Field: ve.Field, Message: err.Error()})
		default:
			out = append(out, validateProblem{File: path, Message: err.Error()})
		}
	}
	walk(err)
	return out
}

func newValidateCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "validate SPEC",
		Short: "Check a spec file: strict YAML (file:line) and values (field path); exit 0 valid, 1 not",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sf, probs, err := validateSpec(args[0])
			if err != nil {
				return err
			}
			o := validateOutput{Spec: args[0], Valid: len(probs) == 0, Errors: probs}
			if o.Errors == nil {
				o.Errors = []validateProblem{}
			}
			if sf != nil {
				o.Kind = string(sf.Kind)
			}
			if err := a.emit(o, func(w io.Writer) {
				if o.Valid {
					fmt.Fprintf(w, "%s: valid %s spec\n", o.Spec, o.Kind)
				}
			}); err != nil {
				return err
			}
			if o.Valid {
				return nil
			}
			for _, p := range probs {
				switch {
				case p.Line > 0:
					a.note("%s:%d: %s", p.File, p.Line, p.Message)
				case p.Field != "":
					a.note("%s: %s: %s", p.File, p.Field, p.Message)
				default:
					a.note("%s: %s", p.File, p.Message)
				}
			}
			return &exitCodeError{Code: exitError}
		},
	}
}

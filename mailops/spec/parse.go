package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrParse matches every *ParseError.
var ErrParse = errors.New("spec: cannot parse")

// ParseError is a spec file that is not valid YAML of the spec's shape: an
// unknown field, a wrong type, a syntax error. It names the file and line.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("spec: %s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("spec: %s: %s", e.File, e.Msg)
}

// Is matches ErrParse.
func (e *ParseError) Is(target error) bool { return target == ErrParse }

var lineRE = regexp.MustCompile(`line (\d+): (.*)`)

// Parse reads a spec strictly: unknown fields and wrong types are errors,
// each a *ParseError with the line; several are joined. The file is then
// validated (see Validate). name names the file in errors.
func Parse(r io.Reader, name string) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, 32<<20))
	if err != nil {
		return nil, fmt.Errorf("spec: reading %s: %w", name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ParseError{File: name, Msg: "empty file"}
		}
		return nil, parseErrors(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &ParseError{File: name, Line: extra.Line, Msg: "more than one document"}
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("spec: %s: %w", name, err)
	}
	return &f, nil
}

// parseErrors turns yaml's messages into ParseErrors with lines.
func parseErrors(name string, err error) error {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var out []error
	for _, m := range msgs {
		m = strings.TrimPrefix(m, "yaml: ")
		pe := &ParseError{File: name, Msg: m}
		if sub := lineRE.FindStringSubmatch(m); sub != nil {
			pe.Line, _ = strconv.Atoi(sub[1])
			pe.Msg = sub[2]
		}
		out = append(out, pe)
	}
	return errors.Join(out...)
}

// Marshal writes the spec as YAML.
func Marshal(f *File) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ParseFile reads and validates a spec file; relative paths inside it (zone
// files) resolve in its directory.
func ParseFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	defer fh.Close()
	f, err := Parse(fh, path)
	if err != nil {
		return nil, err
	}
	f.Dir = filepath.Dir(path)
	return f, nil
}

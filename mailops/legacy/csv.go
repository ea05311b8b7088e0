package legacy

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// ParseCSV reads address,target[,target...] rows: the university's admin
// tool works from such a file. A first row whose first field is "address"
// is a header. Empty fields are ignored; a row with no target is an error.
func ParseCSV(r io.Reader, name string) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	t := &Table{}
	for row := 0; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, syntaxErr(Pos{File: name, Line: pe.Line}, "%v", pe.Err)
			}
			return nil, err
		}
		// FieldPos panics unless Read returned a record.
		line, _ := cr.FieldPos(0)
		p := Pos{File: name, Line: line}
		if row == 0 && strings.EqualFold(strings.TrimSpace(rec[0]), "address") {
			continue
		}
		key := strings.ToLower(strings.TrimSpace(rec[0]))
		if key == "" {
			return nil, syntaxErr(p, "empty address")
		}
		e := Entry{Key: key, Pos: p}
		for _, f := range rec[1:] {
			for _, s := range splitFields(f) {
				e.Targets = append(e.Targets, parseTarget(s))
			}
		}
		if len(e.Targets) == 0 {
			return nil, syntaxErr(p, "%s has no targets", key)
		}
		t.add(e)
	}
}

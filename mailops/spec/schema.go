package spec

import (
	"encoding/json"

	"github.com/invopop/jsonschema"
)

// Schema returns the JSON Schema of the spec file, generated from the Go
// types (docs/spec.schema.json is this output, and a test keeps them equal).
func Schema() ([]byte, error) {
	r := &jsonschema.Reflector{FieldNameTag: "yaml", RequiredFromJSONSchemaTags: false, DoNotReference: false}
	s := r.Reflect(&File{})
	s.ID = "https://mailops.dev/schemas/spec-v1.json"
	s.Title = "mailops migration spec"
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

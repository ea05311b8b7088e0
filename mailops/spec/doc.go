// Package spec is the migration spec file: a versioned YAML document that
// describes a user's own migration (the tenant side, each department with
// its addresses and targets, forwarding, devices, DNS, traffic), parsed
// strictly (unknown fields and wrong types are errors with file, line and
// field), validated with typed errors naming the field, and turned into the
// runbooks' specs. The simulator's world is built from it by package
// fake/mailflow (the library never imports the harness).
//
// The JSON Schema of the file, generated from these types, is committed as
// docs/spec.schema.json (see Schema).
package spec

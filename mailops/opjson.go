package mailops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
)

// EncodedOperation is an operation as data: its registered type name and its
// fields as JSON. A saved plan holds its operations this way; Decode turns
// one back into the typed value. The registry lives here, beside the
// operation types, so that a new operation cannot be added without it: a
// test reads this package's source for every type with an Apply method and
// fails when one is not registered or does not round-trip.
type EncodedOperation struct {
	Type   string          `json:"type"`
	Fields json.RawMessage `json:"fields"`
}

// operationRegistry maps each operation type's name to its type. Every type in
// this package that implements Operation is listed (a test enumerates them).
var operationRegistry = func() map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for _, op := range []Operation{
		AddDomain{}, VerifyDomain{}, TakeOverDomain{}, EnableEmail{}, SetDomainType{}, RemoveDomain{},
		CreateGroup{}, SetGroupMembers{}, SetGroupSenderAuthentication{}, SetGroupSimpleDisplayName{},
		GrantSendAs{}, RevokeSendAs{}, DeleteGroup{},
		CreateRecipient{}, SetSimpleDisplayName{}, SetForwarding{},
		CreateOutboundConnector{}, UpdateOutboundConnector{}, DeleteOutboundConnector{},
		CreateInboundConnector{}, DeleteInboundConnector{},
		CreateRemoteDomain{}, SetRemoteDomain{},
		SetOutboundSpamPolicy{}, CreateDkimSigningConfig{}, SetDkimSigning{},
	} {
		t := reflect.TypeOf(op)
		m[t.Name()] = t
	}
	return m
}()

// OperationTypes returns the registered operation type names, sorted.
func OperationTypes() []string {
	out := make([]string, 0, len(operationRegistry))
	for n := range operationRegistry {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// EncodeOperation turns an operation into data. An operation type that is
// not registered (one defined outside this package) is an error.
func EncodeOperation(op Operation) (EncodedOperation, error) {
	if op == nil {
		return EncodedOperation{}, invalid("Operation", "", "nil")
	}
	t := reflect.TypeOf(op)
	if reg, ok := operationRegistry[t.Name()]; !ok || reg != t {
		return EncodedOperation{}, invalid("Operation", t.String(), "not a registered operation type")
	}
	b, err := json.Marshal(op)
	if err != nil {
		return EncodedOperation{}, fmt.Errorf("mailops: encode %s: %w", t.Name(), err)
	}
	return EncodedOperation{Type: t.Name(), Fields: b}, nil
}

// Decode turns the data back into the typed operation. Unknown type names
// and unknown fields are errors.
func (e EncodedOperation) Decode() (Operation, error) {
	t, ok := operationRegistry[e.Type]
	if !ok {
		return nil, invalid("EncodedOperation.Type", e.Type, "unknown operation type")
	}
	v := reflect.New(t)
	dec := json.NewDecoder(bytes.NewReader(e.Fields))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v.Interface()); err != nil {
		return nil, fmt.Errorf("mailops: decode %s: %w", e.Type, err)
	}
	return v.Elem().Interface().(Operation), nil
}

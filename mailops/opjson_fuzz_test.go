package mailops_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/mailops-dev/mailops/mailops"
)

// FuzzDecodeOperation: any type name and fields, as a saved plan holds
// them. Decode never panics; it fails with an error or gives an operation
// that encodes to the same type and fields that decode to it again.
func FuzzDecodeOperation(f *testing.F) {
	for _, op := range []mailops.Operation{
		mailops.AddDomain{Name: "d.example"},
		mailops.CreateGroup{Group: mailops.Group{PrimaryAddress: "g@d.example", Name: "g", Members: []mailops.Address{"a@d.example"}, Owners: []mailops.Address{"o@d.example"}}},
		mailops.SetGroupMembers{Group: "g@d.example", Members: []mailops.Address{"a@d.example"}, From: []mailops.Address{"b@d.example"}},
		mailops.SetForwarding{Address: "a@d.example"},
		mailops.CreateOutboundConnector{Connector: mailops.OutboundConnector{Name: "c", SmartHosts: []string{"mx.d.example"}}},
	} {
		e, err := mailops.EncodeOperation(op)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(e.Type, []byte(e.Fields))
	}
	f.Add("AddDomain", []byte(`{"Name":"x","Unknown":1}`))
	f.Add("NoSuchOp", []byte(`{}`))
	f.Fuzz(func(t *testing.T, typ string, fields []byte) {
		op, err := mailops.EncodedOperation{Type: typ, Fields: fields}.Decode()
		if err != nil {
			if op != nil {
				t.Fatal("an operation with an error")
			}
			return
		}
		e, err := mailops.EncodeOperation(op)
		if err != nil {
			t.Fatalf("a decoded %s does not encode: %v", typ, err)
		}
		if e.Type != typ {
			t.Fatalf("decoded as %s, encodes as %s", typ, e.Type)
		}
		op2, err := e.Decode()
		if err != nil {
			t.Fatalf("%s: encoded %s does not decode: %v", typ, e.Fields, err)
		}
		e2, err := mailops.EncodeOperation(op2)
		if err != nil || !bytes.Equal(e.Fields, e2.Fields) || !json.Valid(e2.Fields) {
			t.Fatalf("%s: not stable: %s then %s (%v)", typ, e.Fields, e2.Fields, err)
		}
	})
}

package wire

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/mailops-dev/mailops/mailops"
)

// The fixture body public clients record: a generic message and the reason
// in details. A 500 with a known exception type is that error.
func TestClassifyEXODetails(t *testing.T) {
	body := func(detail string) ErrBody {
		var eb ErrBody
		eb.Error.Code, eb.Error.Message = "InternalServerError", "Error executing cmdlet"
		eb.Error.Details = append(eb.Error.Details, struct {
			Message string `json:"message"`
		}{detail})
		return eb
	}
	for _, c := range []struct {
		detail string
		want   error
	}{
		{"Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'x' couldn't be found on 'y'.", mailops.ErrNotFound},
		{"ExB4E1B7|Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException|The object already exists.", mailops.ErrExists},
		{"Ex0AB123|Microsoft.Exchange.Data.Directory.ProxyAddressExistsException|The proxy address is already being used.", mailops.ErrExists},
		{"Ex000001|System.Management.Automation.ParameterBindingException|A parameter cannot be found that matches parameter name 'X'.", mailops.ErrInvalid},
		{"Ex000002|Microsoft.Exchange.Data.DataValidationException|The domain of 'a@b' isn't an accepted domain for your organization.", mailops.ErrNotVerified},
		{"Ex000003|Microsoft.Exchange.Management.Tasks.OperationRequiresGroupManagerException|You don't have sufficient permissions.", mailops.ErrForbidden},
		{"Ex000004|Some.Unknown.Exception|no idea", mailops.ErrUnavailable},
	} {
		d := Reason(body(c.detail))
		got := ClassifyEXO("X", http.StatusInternalServerError, http.Header{}, d, func() time.Time { return time.Time{} })
		assert.True(t, errors.Is(got, c.want), "%s: got %v", c.detail, got)
		assert.NotContains(t, d.Text, "|", "the prefix is stripped")
	}
}

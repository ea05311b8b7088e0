package graphserver

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/internal/exoref"
	"github.com/mailops-dev/mailops/mailops"
)

// exoError is the admin API's error body. The top-level message is generic
// ("Error executing cmdlet"); the reason is in details[].message, shaped
// "ExNNNNNN|<exception type>|<text>", as public clients of the endpoint
// record it (fidelity audit B8/C2).
type exoError struct {
	Error exoErrorBody `json:"error"`
}

type exoErrorBody struct {
	Code    string           `json:"code"`
	Message string           `json:"message"`
	Details []exoErrorDetail `json:"details,omitempty"`
}

type exoErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Exception types the fake names in its error details.
const (
	exNotFound         = "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
	exAlreadyExists    = "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException"
	exProxyExists      = "Microsoft.Exchange.Data.Directory.ProxyAddressExistsException"
	exDataValidation   = "Microsoft.Exchange.Data.DataValidationException"
	exAccessDenied     = "Microsoft.Exchange.Configuration.Tasks.TaskAccessDeniedException"
	exParameterBinding = "System.Management.Automation.ParameterBindingException"
	exCommandNotFound  = "System.Management.Automation.CommandNotFoundException"
	exTransient        = "Microsoft.Exchange.Data.Directory.ADTransientException"
	exInternal         = "System.InvalidOperationException"
)

// genericMessage is the admin API's top-level error.message for a failed
// cmdlet.
const genericMessage = "Error executing cmdlet"

// exID is the error id Exchange puts before the exception type: "Ex" and six
// hex digits, stable per exception type.
func exID(exType string) string {
	if exType == exNotFound {
		return "Ex6F9304" // the id public fixtures show for this type
	}
	h := sha256.Sum256([]byte(exType))
	return fmt.Sprintf("Ex%06X", uint32(h[0])<<16|uint32(h[1])<<8|uint32(h[2]))
}

// writeEXOError writes a cmdlet failure: a generic message and one detail
// carrying the id, the exception type and the text.
func writeEXOError(w http.ResponseWriter, status int, code, exType, text string) {
	side := "Client"
	if status >= 500 && exType == exTransient {
		side = "Server"
	}
	writeJSON(w, status, exoError{Error: exoErrorBody{Code: code, Message: genericMessage,
		Details: []exoErrorDetail{{Code: side, Message: exID(exType) + "|" + exType + "|" + text}}}})
}

// writeEXOPlainError writes a failure before any cmdlet ran (endpoint,
// envelope, token, throttling): a message and no details.
func writeEXOPlainError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, exoError{Error: exoErrorBody{Code: code, Message: msg}})
}

// server name in "couldn't be found on ..." messages.
const exoServer = "FAKEPR01MB0001.PROD.OUTLOOK.COM"

// writeBackingEXOError renders an error of the backing driver as the admin
// API does. Cmdlet failures are 500 InternalServerError with the exception
// in the details, as the public fixtures show; session overload is
// throttling (429 with Retry-After): the REST transport has no runspaces
// (fidelity audit C3, E1).
func writeBackingEXOError(w http.ResponseWriter, identity string, err error) {
	var te *mailops.ThrottledError
	const ise = http.StatusInternalServerError
	switch {
	case errors.As(err, &te):
		writeThrottled(w, te.RetryAfter, err)
	case errors.Is(err, mailops.ErrTooManySessions):
		writeThrottled(w, time.Second, err)
	case errors.Is(err, mailops.ErrNotFound):
		writeEXOError(w, ise, "InternalServerError", exNotFound,
			"The operation couldn't be performed because object '"+identity+"' couldn't be found on '"+exoServer+"'. "+err.Error())
	case errors.Is(err, mailops.ErrExists):
		writeEXOError(w, ise, "InternalServerError", exAlreadyExists, "The object '"+identity+"' already exists. "+err.Error())
	case errors.Is(err, mailops.ErrNotVerified) && strings.Contains(err.Error(), "CNAME record does not exist"):
		writeEXOError(w, ise, "InternalServerError", exDataValidation, err.Error())
	case errors.Is(err, mailops.ErrNotVerified):
		writeEXOError(w, ise, "InternalServerError", exDataValidation,
			"The domain of '"+identity+"' isn't an accepted domain for your organization. "+err.Error())
	case errors.Is(err, mailops.ErrForbidden):
		writeEXOError(w, ise, "InternalServerError", exAccessDenied, "Access denied: "+err.Error())
	case errors.Is(err, mailops.ErrInvalid):
		writeEXOError(w, ise, "InternalServerError", exDataValidation, err.Error())
	case errors.Is(err, mailops.ErrUnavailable):
		writeEXOError(w, http.StatusServiceUnavailable, "ServiceUnavailable", exTransient, "The service is temporarily unavailable: "+err.Error())
	default:
		writeEXOError(w, ise, "InternalServerError", exInternal, err.Error())
	}
}

func writeThrottled(w http.ResponseWriter, after time.Duration, err error) {
	secs := max(1, int((after+time.Second-1)/time.Second))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeEXOPlainError(w, http.StatusTooManyRequests, "TooManyRequests", "Request is throttled. Retry after "+strconv.Itoa(secs)+" seconds: "+err.Error())
}

// checkReference refuses a cmdlet or parameter that Exchange Online's cmdlet
// reference (internal/exoref) does not document, or marks on-premises only.
func checkReference(cmdlet string, ps map[string]json.RawMessage) error {
	names := make([]string, 0, len(ps))
	for k := range ps {
		names = append(names, k)
	}
	sort.Strings(names)
	return exoref.Default().CheckCmdlet(cmdlet, names)
}

// writeReferenceError answers a cmdlet the fake does not serve or a
// reference refusal as PowerShell does: CommandNotFoundException for a
// cmdlet, ParameterBindingException for a parameter.
func writeReferenceError(w http.ResponseWriter, cmdlet string, err error) {
	var re *exoref.Error
	if errors.As(err, &re) && re.Parameter != "" {
		writeEXOError(w, http.StatusBadRequest, "BadRequest", exParameterBinding,
			"A parameter cannot be found that matches parameter name '"+re.Parameter+"'.")
		return
	}
	writeEXOError(w, http.StatusBadRequest, "BadRequest", exCommandNotFound,
		"The term '"+cmdlet+"' is not recognized as a name of a cmdlet, function, script file, or executable program.")
}

package entra

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Error is an OAuth error as Entra ID answers it
// (https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes#handling-error-codes-in-your-application):
// the RFC 6749 error string, a description starting with "AADSTSnnnn: ",
// and the STS code in error_codes.
type Error struct {
	// Status is the HTTP status (400; 401 for invalid_client).
	Status int
	// Code is the OAuth error: invalid_request, invalid_grant,
	// invalid_client, unauthorized_client, unsupported_grant_type,
	// invalid_scope, invalid_resource.
	Code string
	// AADSTS is the STS error number.
	AADSTS int
	// Message follows "AADSTSnnnn: " in error_description.
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("entra: %s: AADSTS%d: %s", e.Code, e.AADSTS, e.Message)
}

// The documented codes used here, from the reference above.
func errMissing(param string) *Error { // AADSTS900144
	return &Error{http.StatusBadRequest, "invalid_request", 900144, fmt.Sprintf("The request body must contain the following parameter: '%s'.", param)}
}

func errUnsupportedGrant(gt string) *Error { // AADSTS70003 UnsupportedGrantType
	return &Error{http.StatusBadRequest, "unsupported_grant_type", 70003, fmt.Sprintf("The app requested an unsupported grant type '%s'.", gt)}
}

func errAppNotFound(clientID, tenant string) *Error { // AADSTS700016
	return &Error{http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", clientID, tenant)}
}

func errBadSecret(clientID string) *Error { // AADSTS7000215
	return &Error{http.StatusUnauthorized, "invalid_client", 7000215, fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", clientID)}
}

func errNoSecret() *Error { // AADSTS7000218
	return &Error{http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}
}

func errPublicWithSecret() *Error { // AADSTS700025
	return &Error{http.StatusUnauthorized, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."}
}

func errScope(scope string) *Error { // AADSTS70011 InvalidScope
	return &Error{http.StatusBadRequest, "invalid_scope", 70011, fmt.Sprintf("The provided value for the input parameter 'scope' isn't valid. The scope %s isn't valid.", scope)}
}

func errResource(name, tenant string) *Error { // AADSTS500011
	return &Error{http.StatusBadRequest, "invalid_resource", 500011, fmt.Sprintf("The resource principal named %s was not found in the tenant named %s.", name, tenant)}
}

func errBadCode() *Error { // AADSTS9002313 InvalidRequest, malformed grant
	return &Error{http.StatusBadRequest, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid: the authorization code is not valid."}
}

func errCodeRedeemed() *Error { // AADSTS54005
	return &Error{http.StatusBadRequest, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."}
}

func errCodeExpired() *Error { // AADSTS70008 ExpiredOrRevokedGrant
	return &Error{http.StatusBadRequest, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."}
}

func errVerifier() *Error { // AADSTS501481
	return &Error{http.StatusBadRequest, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."}
}

func errRedirect(clientID string) *Error { // AADSTS50011 InvalidReplyTo
	return &Error{http.StatusBadRequest, "invalid_request", 50011, fmt.Sprintf("The redirect URI specified in the request does not match the redirect URIs configured for the application '%s'.", clientID)}
}

func errClientMismatch() *Error { // AADSTS70000 InvalidGrant
	return &Error{http.StatusBadRequest, "invalid_grant", 70000, "Provided grant is invalid or malformed: the authorization code was issued to another client."}
}

func errResponseType(rt string) *Error { // AADSTS70005 UnsupportedResponseType
	return &Error{http.StatusBadRequest, "unsupported_response_type", 70005, fmt.Sprintf("The response_type '%s' is not supported; use 'code'.", rt)}
}

func errChallengeMethod(m string) *Error { // AADSTS501491 InvalidCodeChallengeMethod
	return &Error{http.StatusBadRequest, "invalid_request", 501491, fmt.Sprintf("Invalid code_challenge_method '%s'; use S256 or plain.", m)}
}

func errUser(oid string) *Error { // AADSTS50034 UserAccountNotFound
	return &Error{http.StatusBadRequest, "invalid_request", 50034, fmt.Sprintf("The user account %s does not exist in the directory.", oid)}
}

// body is the error's JSON at time now.
func (e *Error) body(now time.Time) map[string]any {
	trace, corr := guid(), guid()
	ts := now.UTC().Format("2006-01-02 15:04:05Z")
	return map[string]any{
		"error":             e.Code,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", e.AADSTS, e.Message, trace, corr, ts),
		"error_codes":       []int{e.AADSTS},
		"timestamp":         ts,
		"trace_id":          trace,
		"correlation_id":    corr,
		"error_uri":         "https://login.microsoftonline.com/error?code=" + strconv.Itoa(e.AADSTS),
	}
}

func writeError(w http.ResponseWriter, e *Error, now time.Time) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSONStatus(w, e.Status, e.body(now))
}

func writeJSONStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// guid returns a random version-4 GUID.
func guid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

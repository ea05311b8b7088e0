// Package graph is the real-tenant mailops.Driver: Microsoft Graph through
// msgraph-sdk-go for domains (add, verification records, verify, service
// records, delete), users (mailbox creation and deletion) and group reads
// (distribution groups and their owners), and the Exchange Online admin
// API's InvokeCommand endpoint (POST {base}/adminapi/beta/{tenantId}/InvokeCommand
// with the CmdletInput envelope) for what only Exchange knows: accepted
// domain types, connectors, distribution group writes, SendAs, simple
// display names, forwarding and remote domains. Credentials come from
// azidentity (client secret, certificate or managed identity; NewCredential).
//
// Retries: the driver never retries. The Graph SDK's own retry handler
// (kiota retries 429/503/504 up to three times, honouring Retry-After) is
// switched off, so that a throttled call comes back once as a
// *mailops.ThrottledError carrying Retry-After and the mailops.Client
// retries it, pausing all its calls and bounding sessions. Wrap the driver
// in a mailops.Client; using it bare means no retries at all.
//
// Errors: every failure matches a portable mailops error with errors.Is
// (429 -> ErrThrottled with RetryAfter; "exceeded the maximum number of
// connections" -> ErrTooManySessions; 401/403 and refused credentials ->
// ErrForbidden; 404 and Exchange's "couldn't be found" -> ErrNotFound;
// "already exists" -> ErrExists; 5xx and lost replies -> ErrUnavailable).
// *ServiceError carries the service's status, code and message;
// *ResponseError reports a reply that could not be used (an HTML page from a
// proxy, malformed or truncated JSON). Invalid input is refused with a
// *mailops.ValidationError before any request. Reply decoding that needs
// no SDK (InvokeCommand replies, error bodies, exception types, checks of
// Graph replies) is in internal/wire, where it is fuzzed in CI. Every reply
// body is scrubbed of the driver's bearer token before anything reads it,
// and Credentials print and log with their secrets redacted.
//
// Only this package imports msgraph-sdk-go (it takes minutes and gigabytes
// to compile); the fake server it is tested against, fake/graphserver,
// speaks the wire format with net/http alone.
package graph

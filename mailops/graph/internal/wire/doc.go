// Package wire decodes and classifies the replies of Microsoft Graph and the
// Exchange Online admin API's InvokeCommand for the graph driver: error
// bodies, the exception types in Exchange's error details, Retry-After, and
// the checks that turn an HTML page or malformed JSON into a typed failure.
// It does not import msgraph-sdk-go, so that its decoding can be fuzzed
// cheaply (go test -fuzz instruments every package of the test binary).
package wire

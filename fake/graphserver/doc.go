// Package graphserver is a fake Microsoft Graph and Exchange Online admin API
// HTTP server backed by any mailops.Driver (usually a fake tenant). It speaks
// the wire format the real services speak, so that the real-tenant driver
// (mailops/graph) can be tested end to end without a tenant:
//
//   - Graph v1.0 under /v1.0: domains (list, get, POST, DELETE, /verify,
//     /verificationDnsRecords, /serviceConfigurationRecords), users (list,
//     get, POST, DELETE) and groups (read only: list, get, /members, /owners;
//     every write to a distribution group is refused with 400
//     Request_BadRequest "Cannot Update a mail-enabled security groups and or
//     distribution list."). OData JSON, Graph error bodies
//     ({"error":{"code","message","innerError"}}), paging with @odata.nextLink.
//   - The Exchange Online admin API's InvokeCommand endpoint,
//     POST /adminapi/beta/{tenantId}/InvokeCommand, with the CmdletInput
//     envelope ({"CmdletInput":{"CmdletName","Parameters"}}) and its
//     {"value":[...],"@odata.nextLink"} replies, for the cmdlets the driver
//     uses. Cmdlet outputs carry the real cmdlets' field names
//     (PrimarySmtpAddress, RequireSenderAuthenticationEnabled, RecipientDomains,
//     SmartHosts, UseMXRecord, DomainType, ForwardingSmtpAddress "smtp:...", ...).
//   - Fault injection: 429 with Retry-After, 401 expired token, an HTML 502
//     page from a proxy, a truncated body.
//
// The server calls the backing Driver from its HTTP handler goroutines: back
// it with a fake tenant without latency (fake.InstantTenantConfig, whose
// calls never park in virtual time) or one on a wall-clock executor.
//
// The package deliberately imports neither msgraph-sdk-go nor azidentity: it
// is encoding/json and net/http only.
package graphserver

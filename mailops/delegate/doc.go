// Package delegate is the delegated address-management service: department
// admins ask for changes to their own domain's addresses (one distribution
// group per address), the service checks each request against one policy
// function and the domain's approval rules, records every state change in a
// hash-chained audit log in the same transaction, and works approved
// requests through a durable queue onto the tenant with a mailops.Client,
// calling a request done only once reads show the change several times in a
// row.
//
// The request model: the states and their legal transitions (state.go), the
// requests of the university's address table (request.go) and the
// manufacturer's self-service requests, in which an employee asks for their
// own simple display name (mailops.SetSimpleDisplayName, Set-Mailbox
// -SimpleDisplayName) or to join or leave a group (mailops.SetGroupMembers
// guarded by the membership they saw), always confirmed by IT
// (selfservice.go), the policy (policy.go), the approval rules
// (approval.go), each request's plan of mailops operations (plan.go) and the
// Exchange-side management scope (scope.go). The store: the Store interface
// (store.go) on SQLite and PostgreSQL (store_sql.go, store_sqlite.go,
// store_pg.go) with its hash-chained audit log (audit.go) and the replica
// (store_replica.go). The work: intake and decisions (service.go), the
// mail-flow preview before approval through a Previewer (preview.go; the
// simulator's implementation is fake/mailflow/preview, since the library
// never imports fake/), applying with read-back (apply.go) and "done" only
// once mail flow shows the change (mailflow.go), the River queue with its
// notification outbox and the recovery of jobs a killed process left
// running (queue.go, outbox.go), a River-less sweep for virtual time
// (sweep.go), and the replica of the tenant's groups and recipients,
// refreshed on the clock and after each request, whose differences that no
// request explains are recorded once as drift in the audit log
// (replica.go). The edges: the REST API (api.go, api_handlers.go,
// api_views.go, api_selfservice.go, problem.go), OIDC bearer tokens
// (auth.go), notification mail (notify.go, smtp_notify.go) and the
// server-rendered web UI (web.go, web_session.go, web_pages.go, templates
// and styles embedded from web/): OIDC sign-in with the authorization code
// and PKCE into a server-side session, CSRF protection by net/http's
// CrossOriginProtection.
//
// A request's life: submitted, validated, then simulated when a Previewer
// is configured (the plan ran in the simulator against the replica with
// traffic to the request's address; the prediction, "no mail lost" or the
// bounces and losses with their reasons, is the request's Preview and is in
// the audit entry, and a predicted loss sends the request to IT even where
// the rules would approve it), or straight to the approval decision
// without one (the audit entry says "not simulated"); then awaiting
// approval or auto-approved, approved, queued, applying, converged (admin
// reads show the change several times in a row) and done (with a MailFlow,
// only once mail flow resolves the address to its new targets).
//
// `mailops serve` and `mailops audit verify` are in cmd/mailops. Not built:
// web sessions survive no restart (they live in memory). The replica holds groups and
// recipients of the service's domains but no users without mail; a
// self-service display name is set on a mailbox (Set-Mailbox), not on a
// mail user.
package delegate

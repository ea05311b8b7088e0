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
// requests of the university's address table (request.go), the policy
// (policy.go), the approval rules (approval.go), each request's plan of
// mailops operations (plan.go) and the Exchange-side management scope
// (scope.go). The store: the Store interface (store.go) on SQLite and
// PostgreSQL (store_sql.go, store_sqlite.go, store_pg.go) with its
// hash-chained audit log (audit.go). The work: intake and decisions
// (service.go), applying with read-back (apply.go), the River queue with its
// notification outbox (queue.go, outbox.go) and a River-less sweep for
// virtual time (sweep.go). The edges: the REST API (api.go,
// api_handlers.go, api_views.go, problem.go), OIDC bearer tokens (auth.go),
// notification mail (notify.go, smtp_notify.go) and the server-rendered web
// UI (web.go, web_session.go, web_pages.go, templates and styles embedded
// from web/): OIDC sign-in with the authorization code and PKCE into a
// server-side session, CSRF protection by net/http's CrossOriginProtection.
//
// Not built yet: the mail-flow preview of a request before
// approval (the "simulated" state means the plan was built and validated),
// the replica and drift detection, the manufacturer's self-service requests,
// and `mailops serve`.
package delegate

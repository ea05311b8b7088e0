// Package delegate is the delegated address-management service: department
// admins ask for changes to their own domain's addresses (one distribution
// group per address), the service checks each request against one policy
// function and the domain's approval rules, records every state change in a
// hash-chained audit log in the same transaction, and works approved
// requests through a durable queue onto the tenant with a mailops.Client,
// calling a request done only once reads show the change several times in a
// row.
//
// This file set holds the request model: the states and their legal
// transitions (state.go), the requests of the university's address table
// (request.go), the policy (policy.go), the approval rules (approval.go) and
// each request's plan of mailops operations (plan.go).
package delegate

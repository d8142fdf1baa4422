// Package fakeautotask is an Autotask tenant in a box: an HTTP server that
// answers the subset of the Autotask REST API psadav's connector uses, with
// the real request and response shapes — zone discovery, query with JSON
// filters (and/or groups, the comparison, text, exist and in operators),
// paging by absolute nextPageUrl, counts, reads by id, creates, PATCH
// updates and deletes through the parent paths of child entities,
// entityInformation and its fields with picklists, ThresholdInformation,
// webhook callouts with signed deliveries — and its failures: HTTP 500
// with {"errors": […]} for validation and permission refusals, 401 for
// wrong credentials or an old zone, 404, 429 with Retry-After, and outages
// (503) on demand.
//
// Where a real tenant is known to behave otherwise than psadav once
// believed, the fake behaves like the tenant, each behaviour citing its
// source (docs/autotask.md, "The fake tenant"): 405 to a GET of a next
// page, 500 to a query without filter and no rows for "filter": [],
// unknown operators ignored, MaxRecords outside 1–500 refused, upper-case
// absolute next-page URLs with a position-only token, CompanyNotes with
// name and note, and an HTML 404 to PATCH on demand.
//
// Every request is logged (Requests), so tests count what the connector
// spent. The clock is the caller's, so an hour of polling can be simulated
// in a second. cmd/fakeautotask runs one with the demo organisation.
package fakeautotask

// Package fakeautotask is an Autotask tenant in a box: an HTTP server that
// answers the subset of the Autotask REST API psadav's connector uses, with
// the real request and response shapes — zone discovery, query with JSON
// filters (and/or groups, the comparison, text, exist and in operators),
// paging by nextPageUrl, counts, reads by id, creates, PATCH updates and
// deletes through the parent paths of child entities, entityInformation and
// its fields with picklists, ThresholdInformation, webhook callouts with
// signed deliveries — and its failures: HTTP 500 with {"errors": […]} for
// validation and permission refusals, 401 for wrong credentials or an old
// zone, 404, 429 with Retry-After, and outages (503) on demand.
//
// Every request is logged (Requests), so tests count what the connector
// spent. The clock is the caller's, so an hour of polling can be simulated
// in a second. cmd/fakeautotask runs one with the demo organisation.
package fakeautotask

// Package autotask is psadav's connector for the Autotask PSA REST API: a
// typed client — zone discovery, authentication headers, JSON query
// filters that always carry a condition, paging (keyset, or nextPageUrl
// POSTed with the query), three calls at a time per endpoint, errors
// classified from Autotask's mostly-HTTP-500 answers — and, over it, the
// backend.Connector the sync engine drives: which entities to read and
// how (change stamps, the sync window, child entities), the child-entity
// write paths (a contact's journal entry is a CompanyNotes create),
// impersonation, field metadata, the API budget, webhooks (signature
// check, install and removal), Check and Probe (what a tenant bears out of
// psadav's assumptions), and recording the conversation for replay tests.
//
// What it assumes about the API, with sources and how sure we are, is in
// docs/autotask.md; comments cite its entries (A1…). The entities it
// reads and writes are in docs/psa-model.md.
//
// Credentials live in Config and go only into request headers to the
// tenant's zone host; they are never logged or recorded, and nextPageUrl
// is followed only to that host.
//
// The fakeautotask sub-package is an in-process Autotask tenant for tests
// and for trying psadav without one; atreplay serves recorded or
// documented conversations back.
//
// It imports backend, atjson and mapping; never storage or dav.
package autotask

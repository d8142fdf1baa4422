// Package autotask is psadav's connector for the Autotask PSA REST API
// (shared/reference/psa-model.md): a typed client — zone discovery,
// authentication headers, JSON query filters, paging, three calls at a
// time per endpoint, errors classified from Autotask's mostly-HTTP-500
// answers — and, over it, the backend.Connector the sync engine drives:
// which entities to read and how (change stamps, the sync window, child
// entities), the child-entity write paths, impersonation, field metadata,
// the API budget, and webhooks (signature check, install and removal).
//
// Credentials live in Config and go only into request headers to the
// tenant's zone host; they are never logged, and nextPageUrl is followed
// only to that host.
//
// The fakeautotask sub-package is an in-process Autotask tenant for tests
// and for trying psadav without one.
//
// It imports backend, atjson and mapping; never storage or dav.
package autotask

// Package demo seeds a made-up organisation — technicians with accounts,
// companies, contacts, calendars and to-do lists — into an empty psadav
// store, so the gateway can be tried (psadav demo) and benchmarked without
// a PSA. The data is deterministic: the same day gives the same records.
//
// It writes through storage's exported API like any backend, declaring the
// part it uses (Store: Accounts, CountPSA, Write): one transaction, an
// account per technician first, then the PSA records. It must not import
// dav or render vCard or iCalendar itself. Its records follow
// docs/psa-model.md.
package demo

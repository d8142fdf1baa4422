// Package storage holds everything psadav keeps: the mirror of PSA records
// (one table per PSA entity, each row wrapped in a sync envelope:
// docs/architecture.md, "Storage"), the DAV objects rendered from them for
// each user's collections, the change counter that sync tokens come from,
// accounts and settings, kept client properties, the outbox of
// write-backs to the PSA (a queue with memory: outbox_queue.go), and the
// PSA connector's own state (psa_sync.go, webhook_events.go, leader.go).
// What clients write is bounded before it is stored: a recurring event by
// what it expands to (write_series_limits.go), a user's write-backs by an hourly
// budget (write_budget.go). A card's NOTE beyond the contact's note field
// becomes journal entries of the contact (write_contact_journal.go), each one
// more write-back.
//
// It runs on SQLite (the embedded default, pure Go) and PostgreSQL (the
// pgx driver) through bun. Dialect differences live in db.go (opening,
// pragmas, the unique-violation check, rebinding ? to $n), in the two
// migration folders, in hrefsQuery (an array parameter on PostgreSQL) and
// in the GET cache, PostgreSQL only, emptied by NOTIFY (object_cache.go),
// which also keeps each user's collection list. bun builds the rarer
// queries; the hot ones are plain SQL on
// statements prepared once: reads in prepared.go (a GET, a sync token
// check, a listing, a multiget, a time range are one query each), writes
// in prepared_writes.go and fastpath.go (bulk upserts, states read ahead for
// a whole import section).
//
// # Two rooms
//
// The package holds two concerns, told apart by file name:
//
//   - policy: which DAV objects a mirror row becomes, the projection
//     (projection.go, project_*.go; rebuilds in project_rebuild.go, the
//     moving sync window in project_window.go), and how a client's write is
//     applied, the writers (write.go, write_*.go: contacts, calendar,
//     tasks, series, hidden items coming back, journal continuations,
//     company filing, pins, with the access rules in write_access.go, the
//     budget in write_budget.go and the series limits in
//     write_series_limits.go);
//   - persistence: every other file — opening and dialects (db.go),
//     migrations, prepared statements (prepared.go, prepared_writes.go,
//     fastpath.go), caches (config_cache.go, object_cache.go), transactions
//     and the change counter (tx.go), the mirror's tables (envelope.go,
//     envelope_series.go), records entering from the PSA (ingest.go),
//     client identities and rows, objects and their reads, accounts,
//     settings, the outbox and the connector's state.
//
// The kinds are literal tables, each beside what it describes: the mirror's
// tables in envelope.go (entityInfos), the projectors and the extra
// dependents in projection.go, the writers in write.go, and which entities
// place objects in which collection in project_rebuild.go.
//
// Why one package and not a policy package over a narrow persistence
// interface: the two rooms meet in both directions inside one transaction.
// The policy files call 24 of persistence's Tx methods and run 45 bun
// queries of their own; persistence, in turn, calls into the projection on
// every write (touch, wrote, touchDependents from ingest.go, client_rows.go,
// outbox_apply.go, client_identity.go and hidden.go) and flushes it before
// commit (tx.go), because data and change log are written in the same
// transaction. A separate package would need an interface of some seventy
// methods one way, callbacks the other way, and the mirror's eighteen row
// types and the transaction's caches exported — a wide seam, not a narrow
// one, that would make the projection slower to change and no easier to
// test. So the split is drawn here and in the file names; the rule is that
// a persistence file never decides what an object looks like or whether a
// client may write it, and a policy file never opens a connection,
// prepares a statement or keeps a cache beyond its transaction.
//
// The projection (projection.go) is the heart: every write to a mirror row
// happens in a Tx, and before that Tx commits, every DAV object that row
// affects is re-rendered through package mapping, objects that left a
// collection become tombstones, and each touched object takes a fresh
// change sequence. Data and change log are never written in separate
// transactions. Calendar items are placed while they overlap the sync
// window; the window they were placed in is recorded from the first item
// on (calendar_window, project_calendar.go), so the hourly
// AdvanceCalendarWindow only re-projects what crossed its edges.
//
// An object a client wrote is the client's: its href, its UID and the
// properties kept for it are a client identity (client_identities,
// client_identity.go), per collection and source row. Where a collection
// holds identities of a row — two cards of one person that the duplicate
// rule linked to one PSA contact, a task that became a PSA to-do — the
// projection serves the row at each of them instead of under the row's
// own name, so no re-render, rebuild or other user's write renames,
// removes or re-UIDs what a client holds; a PUT cannot change an object's
// UID either (RFC 6352 §6.3.2.1, RFC 4791 §5.3.2.1).
//
// Passwords are bcrypt hashes checked on a bounded pool (auth.go,
// password_pool.go): a verified password is remembered while its hash is
// unchanged, concurrent checks of the same one are shared, and a full pool
// answers ErrBusy. Throttling guessers is package dav's: it knows the
// client's address.
//
// What a client may do with a collection and its members, in each
// write-back mode, is write_access.go: the writers enforce it and dav reports it
// as privileges. An item a user may not delete in the PSA is hidden for
// them (hidden.go lists and un-hides such items for the administrator).
//
// storage calls mapping to render and to parse; it never parses vCard or
// iCalendar itself. It returns its own sentinel errors (errors.go) and never
// lets a bun or driver error escape as something a caller must interpret.
//
// docs/architecture.md ("Storage") describes the tables and the
// projection; docs/write-back.md the rules the writers carry out.
package storage

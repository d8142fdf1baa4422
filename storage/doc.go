// Package storage holds everything psadav keeps: the mirror of PSA records
// (one table per PSA entity, each row wrapped in the sync envelope of
// shared/reference/psa-model.md §5), the DAV objects rendered from them for
// each user's collections, the change counter that sync tokens come from,
// accounts and settings, kept client properties, the outbox of
// write-backs to the PSA (a queue with memory: outbox_queue.go), and the
// PSA connector's own state (psa_sync.go, webhook_events.go, leader.go).
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
// in write_stmts.go and fastpath.go (bulk upserts, states read ahead for
// a whole import section).
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
// What a client may do with a collection and its members, in each
// write-back mode, is access.go: the writers enforce it and dav reports it
// as privileges. An item a user may not delete in the PSA is hidden for
// them (hidden.go lists and un-hides such items for the administrator).
//
// storage calls mapping to render and to parse; it never parses vCard or
// iCalendar itself. It returns its own sentinel errors (errors.go) and never
// lets a bun or driver error escape as something a caller must interpret.
package storage

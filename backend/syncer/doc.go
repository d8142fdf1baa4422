// Package syncer keeps psadav's mirror in step with a PSA through a
// backend.Connector, knowing nothing of any one PSA:
//
//   - pulls: per entity a watermark on its change stamp (with a few
//     minutes of overlap), full re-reads for entities without one, children
//     re-read with their parents, calendar entities only inside the sync
//     window, every page applied in one storage transaction (so clients see
//     it on their next sync; unchanged records bump nothing);
//   - deletion sweeps by id lists, with a guard that refuses to tombstone
//     more than a set share of an entity at once and says so;
//   - webhook hints (a handler that verifies and records deliveries, drops
//     the echoes of psadav's own impersonated write-backs, and a worker
//     that reads the records the others name);
//   - the outbox worker: write-backs pushed in order, references to rows
//     the PSA has not accepted yet resolved at push time, a lost-update
//     check, a read-back after each write, retries with a backoff stored
//     before each attempt, refusals recorded with the PSA's words and the
//     client's object restored to the PSA's state — a refusal, a 404
//     included, never deletes anything;
//   - the API budget: read now and then, exported, and polling slowed when
//     the tenant's usage is high;
//   - leadership: one instance per deployment runs all of it.
//
// Time comes from Config.Now, so tests run an hour of polling in a second.
// It writes only through storage's exported API, and declares what it uses
// of it (store.go: Store for the engine, HookStore for webhook deliveries,
// StatusStore for the status report and metrics). A write-back goes through
// push in three steps (outbox.go): prepare (resolve references, or wait,
// refuse or settle), attempt (store the backoff, check for a lost update,
// call the PSA) and record (the PSA id or tombstone, the entry done, a
// read-back).
// How each entity is read (tiers, stamps, the window, webhooks) is in
// docs/psa-model.md.
package syncer

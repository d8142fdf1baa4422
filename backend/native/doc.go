// Package native is psadav's own PSA backend: records written straight into
// the mirror rather than pulled from a PSA's API. It owns `psadav import`:
// reading JSON in the shape the Autotask REST API returns ({"items": […]}
// per entity, bundles of several entities, entityInformation/fields
// metadata; records decode through backend/atjson, as the Autotask
// connector's do), checking every record against the tenant schema and the
// mirror's limits, and applying a file whole or not at all in one storage
// transaction.
//
// It talks to storage only through its exported API, declaring the part it
// uses (Store: Schema and Write; inside the transaction Tx.UpsertPSA,
// Tx.SaveFields, Tx.SavePicklist) and to mapping for the
// record types and the schema. It must not import dav or know about vCard
// or iCalendar; the projection renders DAV objects when records land.
// The entities and field limits an import is checked against are in
// docs/psa-model.md.
package native

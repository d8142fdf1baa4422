// Package backend says what psadav needs from a PSA: the Connector
// interface a PSA's REST client implements (backend/autotask for Autotask;
// ConnectWise or HaloPSA connectors can follow), in PSA-neutral terms —
// entities named as package mapping names them, records as mapping
// records (mapping.Record: id and change stamp by method, no reflection),
// write-backs as outbox entries with mapping's field names,
// failures as typed errors. The engine that keeps the mirror in step with
// a connector (pulls, sweeps, webhooks, the outbox worker) is
// backend/syncer; it knows nothing of any one PSA.
//
// Sub-packages fill the mirror: demo (a made-up organisation), native (the
// JSON import), atjson (the Autotask record shape), autotask (the
// connector and its fake tenant for tests), syncer (the engine). None of
// them talks DAV; they write through storage's exported API.
//
// docs/psa-model.md says which PSA entities psadav mirrors and writes,
// and how each is read.
package backend

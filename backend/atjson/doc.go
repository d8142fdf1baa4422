// Package atjson reads PSA records in the shape the Autotask REST API sends
// them: one JSON object per record with the Autotask field names, decoded
// into package mapping's record types. Both the JSON import (backend/native)
// and the Autotask connector (backend/autotask) decode through it, so a
// record reads the same whether it came from a file or from the API.
//
// The decoder is tolerant where Autotask (or a hand-made file) is
// inconsistent — booleans as 0/1, numbers in strings, datetimes without a
// zone — and reports, per field, what still does not fit. It also reads the
// entityInformation/fields metadata shape.
//
// It is pure: no I/O, no storage. It imports only mapping. The record
// shapes are Autotask's (docs/psa-model.md, docs/autotask.md).
package atjson

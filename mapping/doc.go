// Package mapping turns PSA records into vCards and iCalendar objects and
// client objects back into PSA changes, under the write-back rules
// (docs/write-back.md: what a client may change, field by field). It owns the PSA record types (records.go, with the
// Autotask REST field names as JSON tags), the tenant schema the rules
// validate against (field lengths, picklists), UID and href naming, the
// vCard codec psadav writes with, and the calendar side: rendering PSA
// appointments, to-dos, service calls and time off as iCalendar
// (ical_render*.go), reading client objects with their time zones and
// recurrences under an expansion budget (ical_object.go, ical_tz.go,
// ical_recur.go), judging a client's series by what it expands to
// (ical_series_limits.go), the calendar
// write-back rules and kept properties (ical_rules.go, ical_kept.go,
// ical_client_event.go), the client's own date forms kept with the PSA
// times they stood for (ical_forms.go) and what CalDAV reports need
// (ical_query.go; the parts of an object a report asks for,
// content_select.go, serve vCards too).
//
// Contacts: contact_render.go renders a PSA contact as a vCard (3.0; 4.0
// by vcard_version.go); contact_card.go reads a client's card into the
// values of PSA fields and the properties kept for the user;
// contact_apply.go applies the write-back rules to it (policy, limits,
// company, journal, photo) and says what changes, what is discarded and
// what is kept — storage carries that out. contact_note.go is the NOTE:
// the start that fits is the note, the rest the card's continuation
// entries in the contact's journal, and the client's whole NOTE is kept
// with the note and journal it stood for.
//
// Free text longer than its PSA field (a note, an event's description, a
// to-do's text) is cut in text_fit.go, at Unicode line-break
// opportunities and between grapheme clusters, with lengths counted in
// UTF-16 units as Autotask counts them; a title, a name or a phone
// number over its limit is refused instead.
//
// Everything here is pure: no I/O, no clock, no configuration globals.
// Callers pass in what a function needs (the record, the settings, the
// current time) and get bytes or a change set back. It imports no other
// psadav package.
//
// The record types carry bun column tags although mapping never touches
// a database: storage's mirror rows embed these types beside its sync
// envelope (storage/envelope.go), and bun reads the columns from the
// embedded struct, so the tags are the one declaration of the mirror's
// columns, used by bun's queries and storage's bulk writes alike. Mapping
// in storage instead would mean a second copy of every record type (18
// types, about 180 fields) and a copy in each direction on every read
// and write; dropping the tags and leaning on bun's default names would
// not do either, since the PSA id (ID) lives in the envelope and one
// column (view_code) is not its field's name. The tags are the only
// thing here that knows the schema; nothing in mapping reads them.
//
// The PSA entities and their limits are described in docs/psa-model.md;
// the rules in docs/write-back.md.
package mapping

// Package dav is psadav's HTTP face: authentication, discovery, and the
// CalDAV/CardDAV protocol over the store.
//
// go-webdav v0.6.0 (the newest release on the module proxy) gives a
// server whose handlers materialise whole collections, re-encode every
// body, have no sync-collection, getctag or PROPPATCH, cannot return
// DAV:error bodies beyond a few CalDAV preconditions, and match text
// case-sensitively and VTODO time ranges not at all. psadav therefore
// serves every request here, each method and report in a small file of its
// own (propfind.go, report_sync.go, …), writing multistatus bodies as a
// stream from the store's index; go-webdav's clients drive the tests.
// A member's properties are a fixed table (member_props.go) and its data
// is escaped from the stored bytes straight into the response: listings
// and multigets build one per member. current-user-privilege-set says
// exactly what the store's access rules accept (privileges.go). A
// multiget larger than the 1 MiB other bodies may have is spooled to a
// temporary file and read as a stream (report_body.go,
// report_multiget.go). A calendar-data or address-data that names
// components and properties gets only those (data_select.go). A client
// that hangs up mid-answer is not an error;
// our failure after the status line cuts the connection (errors.go).
//
// Authentication (auth.go) throttles failed logins per client address and
// per login from it, counting attempts before any password is checked
// (throttle.go); the client address comes from the connection or, from a
// trusted proxy only, its forwarding headers (clientaddr.go). psadav serve
// wraps all its handlers in SecurityHeaders (headers.go).
//
// The package knows DAV, not the PSA: it never names a PSA field. It
// parses a request path once into a resource (path.go), declares the
// storage interface it needs (Store in server.go), and turns errors into
// responses in one place (errors.go). mapping's Refusal carries why a rule
// refused a write; storage's sentinels carry the rest.
//
// docs/architecture.md lists the URLs and the protocol parts clients rely
// on; docs/clients.md what real clients do with them.
package dav

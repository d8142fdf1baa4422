// Package web is psadav's console for people: the JSON API under /api/v1/
// (described by openapi.json, which a test holds to the routes), and the
// pages under /admin/ and /account/ built on it.
//
// It declares the storage interface it needs (Store in server.go), and
// reaches DAV's login check only through a function it is given
// (Options.Login), so the login form and the API's Basic authentication
// are throttled exactly like DAV logins, with the same state. Callers are
// a browser session (cookie plus a CSRF token on every state-changing
// request), an API token (Authorization: Bearer), or, for /api/v1/me/
// only, HTTP Basic with the account's password. Every change made here is
// written to the audit log with who made it and from which address.
//
// It must not import dav (it gets the functions it needs) or any PSA
// backend beyond the connector's status type.
package web

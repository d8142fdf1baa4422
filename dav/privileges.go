package dav

import "github.com/psadav/psadav/storage"

// current-user-privilege-set (RFC 3744 §5.4) says exactly what the server
// accepts from this user, per collection and per object, in the
// organisation's write-back mode (storage/write_access.go has the rules):
// clients that honour it then offer nothing the server refuses, and
// those that do not get the same answer from the server.
//
//   - DAV:write-properties: PROPPATCH, which collections, homes and the
//     principal take and objects do not;
//   - DAV:write-content: PUT of an existing object — on every object of
//     a collection that is not a read-only book, service calls and time
//     off included: what the PSA has no field for (an alarm) is kept,
//     whatever the PUT changes of the PSA's fields is discarded or
//     refused by the write-back rules, not by privileges;
//   - DAV:bind: PUT of a new object into a collection;
//   - DAV:unbind: DELETE. On an object: whether its DELETE is accepted.
//     On a collection: whether every member's is (RFC 3744 puts unbind on
//     the parent; a client that reads it must not be let down by a member);
//   - DAV:write only where all four hold, as it aggregates them (§3.2).

// privs is a set of the privileges above.
type privs uint8

const (
	privWriteProps privs = 1 << iota
	privWriteContent
	privBind
	privUnbind
	privFreeBusy // CalDAV read-free-busy (RFC 4791 §6.1.1), calendars only
	privCount    = iota
)

const privWriteAll = privWriteProps | privWriteContent | privBind | privUnbind

// privXML holds the rendered set of every combination, built once: every
// listed object carries one.
var privXML = func() (out [1 << privCount]string) {
	for p := range privs(len(out)) {
		names := []string{"d:read", "d:read-current-user-privilege-set"}
		if p&privWriteAll == privWriteAll {
			names = append(names, "d:write")
		}
		for _, n := range []struct {
			bit  privs
			name string
		}{{privWriteProps, "d:write-properties"}, {privWriteContent, "d:write-content"}, {privBind, "d:bind"},
			{privUnbind, "d:unbind"}, {privFreeBusy, "cal:read-free-busy"}} {
			if p&n.bit != 0 {
				names = append(names, n.name)
			}
		}
		for _, n := range names {
			out[p] += "<d:privilege><" + n + "/></d:privilege>"
		}
	}
	return out
}()

func (p privs) xml() string { return privXML[p] }

// objectPrivileges is what a user may do with one member of c.
func objectPrivileges(c storage.Collection, o storage.ObjectInfo) string {
	var p privs
	if c.MayChange(o) {
		p |= privWriteContent
	}
	if c.MayDelete(o) {
		p |= privUnbind
	}
	return p.xml()
}

// collectionPrivileges is what user may do with c itself.
func collectionPrivileges(c storage.Collection, user *storage.Account) string {
	p := privWriteProps
	if !c.ReadOnly {
		p |= privWriteContent // members take PUT (objectPrivileges)
	}
	if c.MayCreate(*user) {
		p |= privBind
	}
	if c.MayDeleteEvery() {
		p |= privUnbind
	}
	if homeOf(c.Name) == homeCalendar {
		p |= privFreeBusy
	}
	return p.xml()
}

// Homes and the principal take PROPPATCH (display names, colours, a
// client's own properties) and nothing else; the root takes nothing.
var (
	privilegesReadOnly       = privs(0).xml()
	privilegesPropertiesOnly = privWriteProps.xml()
)

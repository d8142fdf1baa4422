package dav

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/psadav/psadav/storage"
)

// The URL layout (docs/architecture.md, "URLs and collections"):
//
//	/dav/                                      context path (iOS probes it)
//	/dav/principals/{login}/                   principal
//	/dav/addressbooks/{login}/                 address-book home
//	/dav/addressbooks/{login}/{book}/          contacts, all-contacts
//	/dav/addressbooks/{login}/{book}/{href}    a vCard
//	/dav/calendars/{login}/                    calendar home
//	/dav/calendars/{login}/{cal}/              calendar, tasks
//	/dav/calendars/{login}/{cal}/{href}        an iCalendar object
//
// Every request path is parsed once into a resource; hrefs are formatted
// only by the functions below.

const prefix = "/dav/"

type resourceKind int

const (
	resUnknown      resourceKind = iota
	resRoot                      // "/" or "/dav/"
	resPrincipals                // /dav/principals/
	resPrincipal                 // /dav/principals/{login}/
	resAddressHome               // /dav/addressbooks/{login}/
	resCalendarHome              // /dav/calendars/{login}/
	resCollection                // a collection in a home
	resObject                    // a member of a collection
	resHomesRoot                 // /dav/addressbooks/ or /dav/calendars/
)

type homeKind int

const (
	homeAddress homeKind = iota + 1
	homeCalendar
)

// resource is a parsed request path.
type resource struct {
	kind  resourceKind
	home  homeKind // for homes, collections and objects
	login string
	coll  string // collection name
	name  string // object resource name
}

// parsePath reads an escaped URL path. Unknown paths get resUnknown.
func parsePath(escaped string) resource {
	p, err := url.PathUnescape(escaped)
	if err != nil || !validName(p) {
		return resource{}
	}
	if p == "/" || p == "" || p == "/dav" || p == prefix {
		return resource{kind: resRoot}
	}
	if !strings.HasPrefix(p, prefix) {
		return resource{}
	}
	rest := strings.TrimPrefix(p, prefix)
	trailing := strings.HasSuffix(rest, "/")
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	for _, s := range parts {
		if s == "" || s == "." || s == ".." {
			return resource{}
		}
	}
	var home homeKind
	switch parts[0] {
	case "principals":
		switch len(parts) {
		case 1:
			return resource{kind: resPrincipals}
		case 2:
			return resource{kind: resPrincipal, login: parts[1]}
		}
		return resource{}
	case "addressbooks":
		home = homeAddress
	case "calendars":
		home = homeCalendar
	default:
		return resource{}
	}
	switch len(parts) {
	case 1:
		return resource{kind: resHomesRoot, home: home}
	case 2:
		return resource{kind: homeResource(home), home: home, login: parts[1]}
	case 3:
		if !collectionIn(home, parts[2]) {
			return resource{}
		}
		return resource{kind: resCollection, home: home, login: parts[1], coll: parts[2]}
	case 4:
		if trailing || !collectionIn(home, parts[2]) {
			return resource{}
		}
		return resource{kind: resObject, home: home, login: parts[1], coll: parts[2], name: parts[3]}
	}
	return resource{}
}

// validName reports whether an unescaped path can name a resource: UTF-8
// without NUL (an href is stored as text; RFC 3986 §2.5 reads percent-
// encoded octets as UTF-8).
func validName(p string) bool { return utf8.ValidString(p) && !strings.ContainsRune(p, 0) }

func homeResource(h homeKind) resourceKind {
	if h == homeAddress {
		return resAddressHome
	}
	return resCalendarHome
}

// collectionIn reports whether a collection name belongs in a home.
func collectionIn(h homeKind, name string) bool {
	switch name {
	case storage.CollContacts, storage.CollAllContacts:
		return h == homeAddress
	case storage.CollCalendar, storage.CollTasks:
		return h == homeCalendar
	}
	return false
}

func homeOf(coll string) homeKind {
	if collectionIn(homeAddress, coll) {
		return homeAddress
	}
	return homeCalendar
}

func homeSegment(h homeKind) string {
	if h == homeAddress {
		return "addressbooks"
	}
	return "calendars"
}

func esc(s string) string { return url.PathEscape(s) }

func principalPath(login string) string { return prefix + "principals/" + esc(login) + "/" }

func homePath(h homeKind, login string) string {
	return prefix + homeSegment(h) + "/" + esc(login) + "/"
}

func collectionPath(login, coll string) string {
	return homePath(homeOf(coll), login) + coll + "/"
}

func objectPath(login, coll, name string) string {
	return collectionPath(login, coll) + esc(name)
}

// path formats a resource back into its canonical href.
func (r resource) path() string {
	switch r.kind {
	case resRoot:
		return prefix
	case resPrincipals:
		return prefix + "principals/"
	case resPrincipal:
		return principalPath(r.login)
	case resHomesRoot:
		return prefix + homeSegment(r.home) + "/"
	case resAddressHome, resCalendarHome:
		return homePath(r.home, r.login)
	case resCollection:
		return collectionPath(r.login, r.coll)
	case resObject:
		return objectPath(r.login, r.coll, r.name)
	}
	return ""
}

// hrefIn parses an href from a request body (absolute URL or path) that
// must name an object in the given collection; ok is false otherwise.
func hrefIn(href string, login, coll string) (name string, ok bool) {
	if u, err := url.Parse(href); err == nil && u.Path != "" {
		href = u.EscapedPath()
	}
	r := parsePath(href)
	if r.kind != resObject || r.login != login || r.coll != coll {
		return "", false
	}
	return r.name, true
}

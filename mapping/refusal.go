package mapping

import (
	"fmt"
	"strings"
	"time"
)

// RefusalCode says why a client write is refused. The protocol layer turns
// each into a status and a DAV:error precondition.
type RefusalCode int

const (
	RefuseInvalidData          RefusalCode = iota + 1 // not a valid vCard / iCalendar object
	RefuseUnsupportedComponent                        // a component the collection does not hold
	RefuseTooLong                                     // a value over a PSA field limit
	RefuseMissing                                     // a value the PSA requires is missing
	RefuseReadOnlyField                               // strict mode: a field clients may not change
	RefuseUnknownCompany                              // ORG names no PSA company and the org refuses new ones
	RefuseUIDConflict                                 // another object of the collection has this UID
	RefuseReadOnlyItem                                // the item may not be changed at all
	RefuseDelete                                      // the item may not be deleted
	RefuseUnknownTimeZone                             // a TZID that is neither defined nor an IANA zone
	RefuseUnsupportedData                             // a media type or version psadav does not take
	RefuseUnknownCountry                              // an address's country the PSA does not have
	RefuseInvalidObject                               // valid iCalendar that breaks RFC 4791 §4.1 (METHOD, two component types or UIDs)
	RefuseUIDChanged                                  // a PUT would change the UID of the object at its href
	RefuseRecurrence                                  // a series the limits refuse by what it expands to (README: Limits on what clients write)
	RefuseWriteBudget                                 // the user queued as many PSA writes this hour as the org allows
	RefuseEncoding                                    // text that is not UTF-8 (or holds a NUL)
)

// Refusal is a client write the rules refuse, with what to tell the client.
type Refusal struct {
	Code    RefusalCode
	Fields  []string // the client's property names (TITLE, SUMMARY …)
	Limit   int      // for RefuseTooLong
	Href    string   // for RefuseUIDConflict: the object already holding the UID; for RefuseUIDChanged: the object itself
	Message string

	// RetryAfter, for RefuseWriteBudget, is when the write would fit the
	// budget again; zero when it never can (it alone is larger).
	RetryAfter time.Duration
}

func (r *Refusal) Error() string { return r.Message }

func refuse(code RefusalCode, format string, args ...any) *Refusal {
	return &Refusal{Code: code, Message: fmt.Sprintf(format, args...)}
}

// TooLong refuses a value over a PSA field limit: never truncate. The
// limit counts as the PSA counts (PSALength), which the message says.
func TooLong(prop string, limit int, psaField string) *Refusal {
	return &Refusal{Code: RefuseTooLong, Fields: []string{prop}, Limit: limit,
		Message: fmt.Sprintf("%s is longer than the PSA allows: at most %d characters, most emoji counting as two (PSA field %s)", prop, limit, psaField)}
}

// ReadOnlyFields refuses, in strict mode, changes to fields clients may not change.
func ReadOnlyFields(props ...string) *Refusal {
	return &Refusal{Code: RefuseReadOnlyField, Fields: props,
		Message: fmt.Sprintf("these properties are kept by the PSA and cannot be changed here: %s", strings.Join(props, ", "))}
}

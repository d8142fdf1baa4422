package storage

// What a user's client may do with a collection and its members. The
// writers (write.go and the collection writers) enforce these rules; the
// DAV layer reports them as current-user-privilege-set, so a client is
// never offered what the server then refuses (README "Calendar and
// tasks"; RFC 3744 §3, §5.4).
//
//   - PUT of a new object (DAV:bind): any collection that is not a
//     read-only book; calendars and task lists only for a user linked to
//     a PSA resource (what they create must belong to someone in the PSA).
//   - PUT of an existing object (DAV:write-content): unless the book is
//     read-only (an administrator's decision, read-only-books). Which
//     fields then reach the PSA is the write-back rules' business: of a
//     read-only item (a service call, time off) none, but what the PSA has
//     no field for (an alarm) is kept for the user, in both modes, so a
//     phone that sets a reminder is not refused forever.
//   - DELETE (DAV:unbind): in lenient mode always — an item the user may
//     not delete in the PSA is hidden for that user instead (HideObject),
//     so no ordinary client action ends in an error loop. In strict mode
//     only what the user may really delete: cards in a writable book (the
//     contact-delete setting says what that does) and the items the user
//     created on a client.

// MayCreate reports whether a's PUT of a new object into c is accepted.
func (c Collection) MayCreate(a Account) bool {
	if c.ReadOnly {
		return false
	}
	return isAddressBook(c.Name) || a.ResourceID != nil
}

// MayChange reports whether a PUT of the existing object o is accepted
// (what it may change is the write-back rules' business).
func (c Collection) MayChange(ObjectInfo) bool { return !c.ReadOnly }

// MayDelete reports whether a DELETE of o is accepted.
func (c Collection) MayDelete(o ObjectInfo) bool {
	if !c.Strict {
		return true
	}
	return !c.ReadOnly && !o.ReadOnly && (isAddressBook(c.Name) || o.ClientOwned)
}

// MayDeleteEvery reports whether a DELETE of any member c may hold is
// accepted: what the collection itself reports as DAV:unbind.
func (c Collection) MayDeleteEvery() bool {
	return !c.Strict || (!c.ReadOnly && isAddressBook(c.Name))
}

func isAddressBook(name string) bool { return name == CollContacts || name == CollAllContacts }

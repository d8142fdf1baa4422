package storage

import "errors"

// Sentinel errors callers turn into protocol answers. Anything else returned
// by this package is an internal failure.
var (
	ErrNotFound           = errors.New("storage: not found")
	ErrConflict           = errors.New("storage: conflict")
	ErrPreconditionFailed = errors.New("storage: precondition failed")
	ErrSyncTokenGone      = errors.New("storage: sync token is unknown or too old")
	ErrSchemaTooNew       = errors.New("storage: database schema is newer than this binary")
	// ErrNoDatabase: Options.MustExist found no psadav database there.
	ErrNoDatabase     = errors.New("storage: no psadav database")
	ErrForbidden      = errors.New("storage: forbidden")
	ErrBadCredentials = errors.New("storage: wrong login or password")
	// ErrBusy: a password could not be checked now (the bounded pool of
	// password work is full); the client should retry shortly.
	ErrBusy = errors.New("storage: too many password checks at once; try again shortly")
)

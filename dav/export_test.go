package dav

// The throttle's free attempts, for the tests of package dav_test.
var (
	FreeGuessesPerLogin   = perLogin.free
	FreeGuessesPerAddress = perAddress.free
)

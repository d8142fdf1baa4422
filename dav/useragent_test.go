package dav

import "testing"

func TestClientFamily(t *testing.T) {
	for ua, want := range map[string]string{
		"iOS/17.5 (21F79) dataaccessd/1.0":                                             "ios",
		"iOS/17.5 (21F79) remindd/1.0":                                                 "ios",
		"macOS/14.5 (23F79) CalendarAgent/1000.3":                                      "macos",
		"Mac OS X/10.15.7 (19H2) AddressBook/2452.2":                                   "macos",
		"DAVx5/4.4.2-ose (2024/06/01; dav4jvm; okhttp/4.12.0) Android/14":              "davx5",
		"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.1.0": "thunderbird",
		"CalDavSynchronizer/4.4":                                                       "outlook",
		"vdirsyncer/0.19.2":                                                            "vdirsyncer",
		"python-requests/2.31.0":                                                       "python",
		"Go-http-client/1.1":                                                           "go",
		"curl/8.5.0":                                                                   "curl",
		"Evolution/3.50.3":                                                             "evolution",
		"":                                                                             "none",
		"SomethingElse/1.0 (\"injected\" label)":                                       "other",
	} {
		if got := ClientFamily(ua); got != want {
			t.Errorf("ClientFamily(%q) = %s, want %s", ua, got, want)
		}
	}
}

package dav

import "strings"

// ClientFamily names the kind of client a User-Agent belongs to, for the
// request log and the metrics: a fixed set of names, so a client cannot
// choose a label. Order matters: iOS's dataaccessd also says "Darwin",
// DAVx5 says "okhttp", vdirsyncer says "python-requests".
func ClientFamily(ua string) string {
	l := strings.ToLower(ua)
	switch {
	case l == "":
		return "none"
	case strings.Contains(l, "davx5") || strings.Contains(l, "davdroid"):
		return "davx5"
	case strings.Contains(l, "ios/") || strings.Contains(l, "iphone") || strings.Contains(l, "ipad") ||
		strings.Contains(l, "dataaccessd"):
		return "ios"
	case strings.Contains(l, "macos") || strings.Contains(l, "mac os x") || strings.Contains(l, "mac_os_x") ||
		strings.Contains(l, "calendaragent") || strings.Contains(l, "addressbook") || strings.Contains(l, "darwin"):
		return "macos"
	case strings.Contains(l, "thunderbird") || strings.Contains(l, "lightning"):
		return "thunderbird"
	case strings.Contains(l, "caldavsynchronizer") || strings.Contains(l, "outlook"):
		return "outlook"
	case strings.Contains(l, "evolution"):
		return "evolution"
	case strings.Contains(l, "vdirsyncer"):
		return "vdirsyncer"
	case strings.Contains(l, "caldav") && strings.Contains(l, "python"), strings.Contains(l, "python"):
		return "python"
	case strings.Contains(l, "go-http-client") || strings.Contains(l, "go-webdav"):
		return "go"
	case strings.HasPrefix(l, "curl/"):
		return "curl"
	case strings.Contains(l, "mozilla/"):
		return "browser"
	}
	return "other"
}

package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set by release builds (deploy/release.sh):
//
//	go build -ldflags "-X main.version=v1.2.0 -X main.commit=… -X main.date=…"
//
// Otherwise they come from the build information the go command records:
// the module version for go install …@v1.2.0, the VCS revision and time
// for a build from a checkout.
var version, commit, date string

// buildVersion reports the version, commit and build date of this binary.
func buildVersion() (v, c, d string, modified bool) {
	v, c, d = version, commit, date
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" && bi.Main.Version != "" {
			v = bi.Main.Version // "(devel)" for a build from a checkout
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if c == "" {
					c = s.Value
				}
			case "vcs.time":
				if d == "" {
					d = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true" && commit == ""
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	if len(c) > 12 {
		c = c[:12]
	}
	return v, c, d, modified
}

func versionText() string {
	v, c, d, modified := buildVersion()
	if c == "" {
		c = "unknown"
	} else if modified {
		c += "+changes"
	}
	if d == "" {
		d = "unknown"
	}
	return fmt.Sprintf("psadav %s (commit %s, built %s, %s %s/%s)", v, c, d, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

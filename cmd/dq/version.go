package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// VersionCmd is `dq version`.
type VersionCmd struct{}

// Run prints the version.
func (c *VersionCmd) Run(e *env) error {
	_, err := fmt.Fprintln(e.stdout, versionString())
	return err
}

// versionString describes this build from the information the Go toolchain
// embeds (module version, VCS revision), so that no release step has to
// remember to stamp it: `go install ...@v1.2.3` reports v1.2.3 and a build
// from a checkout reports the commit.
func versionString() string {
	version, rev, dirty := "(devel)", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" {
			version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	out := "dq " + version
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		out += " (" + rev
		if dirty {
			out += ", modified"
		}
		out += ")"
	}
	return fmt.Sprintf("%s %s %s/%s", out, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

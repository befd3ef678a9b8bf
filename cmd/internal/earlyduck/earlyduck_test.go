package earlyduck

import (
	"strings"
	"testing"
)

func TestWanted(t *testing.T) {
	for args, want := range map[string]bool{
		"eval rules.dqdl data":         true,
		"eval --help":                  false,
		"eval rules.dqdl data -h":      false,
		"eval":                         false,
		"explain rules.dqdl data":      false,
		"--quiet eval rules.dqdl data": true,
		"-q eval --help":               false,
		"":                             false,
	} {
		if got := wanted(strings.Fields(args)); got != want {
			t.Errorf("wanted(%q) = %v, want %v", args, got, want)
		}
	}
	// A test binary's arguments are not dq's: nothing was begun.
	if o := Take(); o != nil {
		t.Error("an opening was begun in a test binary")
	}
}

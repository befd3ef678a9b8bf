package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

// TestTuneGC: one-shot commands collect less often, serve keeps Go's
// default, and a GOGC in the environment is left alone.
func TestTuneGC(t *testing.T) {
	const sentinel = 123 // not a value tuneGC sets
	restore := debug.SetGCPercent(sentinel)
	defer debug.SetGCPercent(restore)
	for _, tc := range []struct {
		gogc string
		args []string
		want int
	}{
		{"", []string{"eval", "--no-history", "r.dqdl", "data"}, oneShotGCPercent},
		{"", []string{"-q", "eval", "r.dqdl", "data"}, oneShotGCPercent},
		{"", []string{"--quiet=true", "profile", "data"}, oneShotGCPercent},
		{"", []string{"serve", "--config", "dq.yaml"}, sentinel},
		{"", []string{"-q", "serve", "--config", "dq.yaml"}, sentinel},
		{"", []string{"--version"}, sentinel},
		{"", nil, sentinel},
		{"50", []string{"eval", "r.dqdl", "data"}, sentinel},
	} {
		t.Run(tc.gogc+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			t.Setenv("GOGC", tc.gogc)
			debug.SetGCPercent(sentinel)
			tuneGC(tc.args)
			if got := debug.SetGCPercent(sentinel); got != tc.want {
				t.Errorf("GC percent %d, want %d", got, tc.want)
			}
		})
	}
}

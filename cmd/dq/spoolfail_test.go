package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dqlabs/dq/sinks/sinktest"
)

// TestEvalSpoolUnwritable: when a sink fails and the spool cannot be
// written either, dq must not promise "re-send with: dq publish" — it says
// the result was not spooled and where it still is (issue 15 #10).
func TestEvalSpoolUnwritable(t *testing.T) {
	fake := sinktest.NewAWS(t)
	fakeAWSEnv(t, fake)
	fake.CloudWatch.Faults.FailAlways(503)
	dir, data := fixture(t)
	rules := writeFile(t, dir, "r.dqdl", rulesPass, 0o644)
	// A spool "directory" below a regular file cannot be created.
	blocker := writeFile(t, dir, "blocker", "", 0o644)
	spoolDir := filepath.Join(blocker, "spool")
	out := filepath.Join(dir, "result.json")

	for _, tc := range []struct {
		name string
		args []string
		kept string
	}{
		{"-o file", []string{"-o", out, "--format", "table"}, "it is still in " + out},
		{"json on stdout", []string{"--format", "json"}, "it is still in the JSON printed on standard output"},
		{"table only", []string{"--format", "table"}, "it was not saved: run again with -o FILE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"eval", "--no-history", "--cloudwatch", "--publish-attempts", "1", "--spool", spoolDir}, tc.args...)
			r := runDQ(t, "", append(args, rules, data)...)
			if r.code != exitNotDelivered {
				t.Fatalf("exit %d, want %d\n%s", r.code, exitNotDelivered, r.stderr)
			}
			for _, want := range []string{"the result was NOT spooled", "dq publish cannot re-send this result", tc.kept} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "re-send with") {
				t.Errorf("stderr promises a re-send from a spool that was not written:\n%s", r.stderr)
			}
		})
	}
}

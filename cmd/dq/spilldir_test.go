package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

// TestEvalRemovesStaleSessionDirs: a dq that was killed leaves its
// dq-session-<pid>-* directory (with DuckDB's spill files) behind; the
// next dq removes it, and leaves alone every directory whose owner may be
// alive (issue 15 #6).
func TestEvalRemovesStaleSessionDirs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("owner liveness is checked on Unix only")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)

	// A PID that is certainly dead: a child that exited and was reaped.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid

	mk := func(name string) string {
		d := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Join(d, "spill"), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(d, "spill"), "duckdb_temp_storage_S32K-0.tmp", "spilled", 0o644)
		return d
	}
	stale := mk(fmt.Sprintf("dq-session-%d-111", dead))
	live := mk(fmt.Sprintf("dq-session-%d-222", os.Getpid()))
	// Dead PID here, but its lock is held: an owner in another PID
	// namespace sharing this directory.
	locked := mk(fmt.Sprintf("dq-session-%d-333", dead))
	lf, err := os.Create(filepath.Join(locked, "owner.lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	oldFormat := mk("dq-session-123456789") // no PID: cannot judge
	unrelated := mk("not-dq-12-34")

	dir, data := fixture(t)
	rules := writeFile(t, dir, "r.dqdl", rulesPass, 0o644)
	if r := runDQ(t, "", "eval", "--no-history", rules, data); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}

	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale session directory of dead PID %d was not removed (%v)", dead, err)
	}
	for _, keep := range []string{live, locked, oldFormat, unrelated} {
		if _, err := os.Stat(filepath.Join(keep, "spill", "duckdb_temp_storage_S32K-0.tmp")); err != nil {
			t.Errorf("%s was touched: %v", filepath.Base(keep), err)
		}
	}
	// The run's own session directory is gone too.
	want := map[string]bool{}
	for _, keep := range []string{live, locked, oldFormat, unrelated} {
		want[filepath.Base(keep)] = true
	}
	ents, _ := os.ReadDir(tmp)
	for _, e := range ents {
		if !want[e.Name()] {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

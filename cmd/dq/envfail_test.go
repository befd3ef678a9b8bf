package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bigStrings writes a Parquet file of n rows with a distinct 60-byte string
// per row (~9 MB in memory as a hash set), enough that a tiny
// --memory-limit cannot hold a distinct count of it.
func bigStrings(t *testing.T, dir string, n int) string {
	t.Helper()
	p := filepath.Join(dir, "data", "big.parquet")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	duck(t, "COPY (SELECT i, CAST(i AS VARCHAR) || repeat('x', 50) AS s FROM range(?) t(i)) TO '"+p+"' (FORMAT parquet)", n)
	return p
}

// TestEvalEnvironmentFailureExit3 drives the CLI into the failures of
// issue 15 item 5: running out of memory and reading a damaged file must
// exit 3 ("the check could not run"), not 1 (which CI reads as bad data),
// while an error in a rule itself stays that rule's ERROR and exit 1.
func TestEvalEnvironmentFailureExit3(t *testing.T) {
	dir := t.TempDir()
	data := bigStrings(t, dir, 200_000)
	distinct := writeFile(t, dir, "distinct.dqdl", `Rules = [ RowCount = 200000, Uniqueness "s" = 1.0 ]`, 0o644)
	ruleErr := writeFile(t, dir, "ruleerr.dqdl", `Rules = [ RowCount = 200000, CustomSql "select count(*) from primary where nope > 0" = 0 ]`, 0o644)

	// Control: with memory the ruleset passes (200,000 distinct strings).
	if r := runDQ(t, "", "eval", "--no-history", "--threads", "1", distinct, data); r.code != 0 {
		t.Fatalf("control run: exit %d\n%s", r.code, r.stderr)
	}

	t.Run("out of memory", func(t *testing.T) {
		r := runDQ(t, "", "eval", "--no-history", "--threads", "1", "--memory-limit", "2MB", distinct, data)
		if r.code != 3 {
			t.Fatalf("exit %d, want 3\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{"the check could not run: out of memory", "hint: raise --memory-limit"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
			}
		}
		if r.stdout != "" {
			t.Errorf("a run that could not happen printed a result:\n%s", r.stdout)
		}
	})
	t.Run("rule error stays exit 1", func(t *testing.T) {
		// Same tiny limit: the bad column is the rule's problem, not the
		// machine's.
		res, r := evalJSON(t, 1, "--no-history", "--threads", "1", "--memory-limit", "2MB", ruleErr, data)
		if got := res.RuleResults[1].Result; got != "ERROR" {
			t.Errorf("CustomSql on a missing column: %s, want ERROR\n%s", got, r.stdout)
		}
	})

	good, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("truncated parquet", func(t *testing.T) {
		p := filepath.Join(dir, "trunc", "half.parquet")
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, good[:len(good)/2], 0o644); err != nil {
			t.Fatal(err)
		}
		r := runDQ(t, "", "eval", "--no-history", distinct, p)
		if r.code != 3 || !strings.Contains(r.stderr, "corrupt data file") {
			t.Fatalf("exit %d, want 3 naming a corrupt file\nstderr: %s", r.code, r.stderr)
		}
	})
	t.Run("corrupt page", func(t *testing.T) {
		// Footer intact (so the row count, read from metadata, works);
		// bytes inside a page of column s, the second half of the file,
		// flipped.
		bad := append([]byte(nil), good...)
		for i := len(bad) / 2; i < len(bad)/2+40; i++ {
			bad[i] ^= 0xff
		}
		p := filepath.Join(dir, "page", "bad.parquet")
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		r := runDQ(t, "", "eval", "--no-history", distinct, p)
		if r.code != 3 || !strings.Contains(r.stderr, "corrupt data file") {
			t.Fatalf("exit %d, want 3 naming a corrupt file\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
		}
	})
}

//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// evalMetrics runs eval with --format json and returns each rule's result
// and metrics by rule text.
func evalMetrics(t *testing.T, r result) map[string]string {
	t.Helper()
	var res struct {
		RuleResults []struct {
			Description      string
			Result           string
			EvaluatedMetrics map[string]float64
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("exit %d, stderr %s: %v", r.code, r.stderr, err)
	}
	out := map[string]string{}
	for _, rr := range res.RuleResults {
		out[rr.Description] = fmt.Sprintf("%s %v", rr.Result, rr.EvaluatedMetrics)
	}
	return out
}

// The data "-" is standard input, read whole: a CSV piped in is judged
// like the same file on disk (by hand: 3 rows, 2 of 3 amounts present).
func TestEvalDataFromStdin(t *testing.T) {
	dir := t.TempDir()
	rules := writeFile(t, dir, "r.dqdl", `Rules = [ RowCount = 3, Completeness "amount" between 0.6 and 0.7, Sum "amount" = 17.5 ]`, 0o644)
	csv := "\ufeffid,amount\r\n1,10.5\r\n2,\r\n3,7\r\n"
	r := runDQ(t, csv, "eval", "--format", "json", "--no-history", "--no-state-cache", rules, "-")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	got := evalMetrics(t, r)
	for rule, want := range map[string]string{
		`RowCount = 3`: "PASS map[Dataset.*.RowCount:3]",
		`Completeness "amount" between 0.6 and 0.7`: "PASS map[Column.amount.Completeness:0.6666666666666666]",
		`Sum "amount" = 17.5`:                       "PASS map[Column.amount.Sum:17.5]",
	} {
		if got[rule] != want {
			t.Errorf("%s: %q, want %q", rule, got[rule], want)
		}
	}
	if r := runDQ(t, "Rules = [ RowCount > 0 ]", "eval", "-", "-"); r.code != exitInvalid || !strings.Contains(r.stderr, "cannot both be read from standard input") {
		t.Errorf("eval - -: exit %d, stderr %s", r.code, r.stderr)
	}
}

// A ruleset named by a pipe's path (dq eval <(generate-rules) data.csv) is
// read whole: the check for swapped arguments once read its first 4 KiB
// looking for data, and the parser got nothing.
func TestEvalRulesFromPipePath(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "d.csv", "id\n1\n2\n", 0o644)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	go func() {
		pw.WriteString("Rules = [ RowCount = 2, IsComplete \"id\" ]\n")
		pw.Close()
	}()
	rules := fmt.Sprintf("/proc/self/fd/%d", pr.Fd())
	r := runDQ(t, "", "eval", "--format", "json", "--no-history", "--no-state-cache", rules, filepath.Clean(data))
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	if got := evalMetrics(t, r)["RowCount = 2"]; got != "PASS map[Dataset.*.RowCount:2]" {
		t.Errorf("RowCount = 2: %q", got)
	}
}

// A file beside the k=v partitions makes DuckDB refuse the read; the error
// says which flag reads such a layout, without DuckDB's SQL excerpt.
func TestHivePartitionMismatchHint(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "lake", "year=2024"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "lake/year=2024/a.csv", "id\n1\n", 0o644)
	writeFile(t, dir, "lake/b.csv", "id\n2\n", 0o644)
	rules := writeFile(t, dir, "r.dqdl", "Rules = [ RowCount = 2 ]", 0o644)
	r := runDQ(t, "", "eval", "--no-history", "--no-state-cache", rules, filepath.Join(dir, "lake"))
	if r.code != exitInvalid || !strings.Contains(r.stderr, "Hive partition mismatch") || !strings.Contains(r.stderr, "--no-hive reads them without partition columns") || strings.Contains(r.stderr, "LINE 1") {
		t.Errorf("exit %d, stderr %s", r.code, r.stderr)
	}
	r = runDQ(t, "", "eval", "--format", "json", "--no-history", "--no-state-cache", "--no-hive", rules, filepath.Join(dir, "lake"))
	if got := evalMetrics(t, r)["RowCount = 2"]; got != "PASS map[Dataset.*.RowCount:2]" {
		t.Errorf("--no-hive: %q", got)
	}
}

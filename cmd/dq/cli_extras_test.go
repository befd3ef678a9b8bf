package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Every command's --help ends with examples, and dq help CMD prints the
// same text.
func TestEveryCommandHasExamples(t *testing.T) {
	for _, cmd := range [][]string{{"eval"}, {"explain"}, {"profile"}, {"recommend"}, {"fmt"}, {"validate"}, {"rules"},
		{"history", "list"}, {"history", "show"}, {"history", "prune"}, {"history", "exclude"}, {"backtest"},
		{"publish"}, {"athena-ddl"}, {"version"}, {"completion"}, {"help"}} {
		r := runDQ(t, "", append(cmd, "--help")...)
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "    dq "+cmd[0]) {
			t.Errorf("dq %s --help: exit %d, no examples:\n%s", strings.Join(cmd, " "), r.code, r.stdout)
		}
		h := runDQ(t, "", append([]string{"help"}, cmd...)...)
		if h.code != 0 || h.stdout != r.stdout {
			t.Errorf("dq help %s: exit %d, differs from --help:\n%s", strings.Join(cmd, " "), h.code, h.stdout)
		}
	}
	if r := runDQ(t, "", "help", "nosuch"); r.code != exitInvalid || !strings.Contains(r.stderr, "nosuch") {
		t.Errorf("dq help nosuch: %d %s", r.code, r.stderr)
	}
}

// The bash script completes commands, sub-commands, flags and enum values
// when run by bash itself.
func TestCompletionBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	r := runDQ(t, "", "completion", "bash")
	if r.code != 0 {
		t.Fatalf("exit %d %s", r.code, r.stderr)
	}
	script := filepath.Join(t.TempDir(), "dq.bash")
	os.WriteFile(script, []byte(r.stdout), 0o644)
	complete := func(words ...string) string {
		t.Helper()
		arr := "dq"
		for _, w := range words {
			arr += " '" + w + "'"
		}
		src := "source " + script + "\nCOMP_WORDS=(" + arr + "); COMP_CWORD=" + itoa(len(words)) + "; _dq; echo \"${COMPREPLY[*]}\""
		out, err := exec.Command(bash, "--norc", "-c", src).CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{"ev"}, "eval"},
		{[]string{"history", "s"}, "show"},
		{[]string{"eval", "--fail"}, "--fail-on"},
		{[]string{"history", "show", "--met"}, "--metric"},
		{[]string{"eval", "--format", "j"}, "json junit"},
		{[]string{"completion", "--", ""}, ""},
	} {
		if got := complete(tc.words...); got != tc.want && tc.want != "" {
			t.Errorf("complete %v = %q, want %q", tc.words, got, tc.want)
		}
	}
	for _, sh := range []string{"zsh", "fish"} {
		r := runDQ(t, "", "completion", sh)
		if r.code != 0 || !strings.Contains(r.stdout, "fail-on") || !strings.Contains(r.stdout, "history") {
			t.Errorf("completion %s: %d\n%s", sh, r.code, r.stdout)
		}
		if p, err := exec.LookPath(sh); err == nil {
			f := filepath.Join(t.TempDir(), "c")
			os.WriteFile(f, []byte(r.stdout), 0o644)
			if out, err := exec.Command(p, "-n", f).CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s", sh, err, out)
			}
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestFlagValueSpellings(t *testing.T) {
	for _, s := range []string{"2G", "2g", "2GB", "2GiB", "512m", "1.5 gb"} {
		if !validSize(s) {
			t.Errorf("validSize(%q) = false", s)
		}
	}
	for s, want := range map[string]time.Time{
		"2026-01-31":                time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC),
		"2026-01-31T08:00:00+01:00": time.Date(2026, 1, 31, 7, 0, 0, 0, time.UTC),
	} {
		if got, err := parseInstant(s); err != nil || !got.Equal(want) {
			t.Errorf("parseInstant(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := parseInstant("90d"); err == nil {
		t.Error("--now 90d accepted")
	}
	for path, ok := range map[string]bool{"rows.parquet": true, "r.PQ": true, "out/rows.parq": true, "/dev/stdout": true, "rows.pq.out": true,
		"rows.csv": false, "rows.json": false, "rows.parquet.gz": false, "rows.jsonl": false} {
		if err := checkRowsOutExt(path); (err == nil) != ok {
			t.Errorf("checkRowsOutExt(%q) = %v", path, err)
		}
	}
}

// Through the CLI: --now takes a date, --memory-limit DuckDB's spellings,
// and --rows-out with a CSV name is refused before anything runs.
func TestEvalFlagSpellings(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	rules := writeFile(t, dir, "r.dqdl", "Rules = [ ColumnValues \"d\" <= now() ]\n", 0o644)
	data := writeFile(t, dir, "d.csv", "d\n2026-01-30\n", 0o644)
	res, r := evalJSON(t, exitOK, "--no-history", "--now", "2026-01-31", "--memory-limit", "1G", rules, data)
	if res.RuleResults[0].Result != "PASS" {
		t.Errorf("--now date: %+v %s", res.RuleResults[0], r.stderr)
	}
	evalJSON(t, exitFailed, "--no-history", "--now", "2026-01-29", "--memory-limit", "1GiB", rules, data)
	r = runDQ(t, "", "eval", "--no-history", "--rows-out", filepath.Join(dir, "rows.csv"), rules, data)
	if r.code != exitInvalid || !strings.Contains(r.stderr, "--rows-out writes Parquet") {
		t.Errorf("--rows-out rows.csv: %d %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "rows.csv")); !os.IsNotExist(err) {
		t.Error("rows.csv written")
	}
}

// The README says open source: the license text ships with it.
func TestLicense(t *testing.T) {
	b, err := os.ReadFile("../../LICENSE")
	if err != nil || !strings.Contains(string(b), "Apache License\n                           Version 2.0, January 2004") ||
		!strings.Contains(string(b), "END OF TERMS AND CONDITIONS") {
		t.Errorf("LICENSE: %v", err)
	}
}

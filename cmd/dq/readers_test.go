package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each reader flag, driven through dq eval on a CSV the test writes.
func TestReaderFlags(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	rules := writeFile(t, dir, "r.dqdl", `Rules = [ RowCount = 3 ]`, 0o644)
	// Semicolons, single quotes, no header, NA for missing, a blank name,
	// day-first dates, a custom timestamp format, an amount with a bad value.
	data := writeFile(t, dir, "d.csv", "1;'a;b';12.50;31/01/2024;2024.01.31 10h00\n2;;NA;01/02/2024;2024.02.01 11h30\n3;NA;x1;NA;NA\n", 0o644)
	base := []string{"eval", "--format", "json", "--no-history", "--delimiter", ";", "--quote", "'", "--no-header",
		"--null-value", "NA", "--date-format", "%d/%m/%Y", "--timestamp-format", "%Y.%m.%d %Hh%M",
		"--column-type", "column2=DECIMAL(10,2)"}
	check := func(rs string, extra ...string) result {
		t.Helper()
		p := writeFile(t, dir, "c.dqdl", rs, 0o644)
		r := runDQ(t, "", append(append(append([]string{}, base...), extra...), p, data)...)
		if r.code != 0 {
			t.Errorf("%s %v: exit %d\n%s%s", rs, extra, r.code, r.stdout, r.stderr)
		}
		return r
	}
	r := check(`Rules = [
		RowCount = 3,
		ColumnDataType "column3" = "DATE" with threshold between 0.66 and 0.67,
		ColumnDataType "column4" = "TIMESTAMP" with threshold between 0.66 and 0.67,
		ColumnValues "column3" <= "2024-02-01" with threshold between 0.66 and 0.67,
		ColumnValues "column3" < "2024-02-01" with threshold between 0.33 and 0.34,
		Completeness "column3" between 0.66 and 0.67,
		Sum "column2" = 12.5,
		Completeness "column1" between 0.66 and 0.67,
		ColumnValues "column1" in ["a;b", ""] with threshold between 0.66 and 0.67
	]`)
	var doc struct {
		DataSource struct {
			UnparseableValues []struct {
				Column, Type string
				Count        int64
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(doc.DataSource.UnparseableValues); got != "[{column2 DECIMAL(10,2) 1}]" {
		t.Errorf("UnparseableValues = %s", got)
	}
	if !strings.Contains(r.stderr, `1 value in column "column2" could not be read as DECIMAL(10,2)`) {
		t.Errorf("stderr: %s", r.stderr)
	}
	// --csv-empty null: the blank name is NULL too.
	check(`Rules = [ Completeness "column1" between 0.33 and 0.34 ]`, "--csv-empty", "null")

	// The table says it too.
	r = runDQ(t, "", "eval", "--format", "table", "--no-history", "--delimiter", ";", "--quote", "'", "--no-header",
		"--column-type", "column2=DECIMAL(10,2)", rules, data)
	if !strings.Contains(r.stdout, `Note: 2 values of column "column2" could not be read as DECIMAL(10,2) and were read as NULL.`) {
		t.Errorf("table: %s %s", r.stdout, r.stderr)
	}

	// Flag mistakes are usage errors before any data is read.
	for _, bad := range [][]string{
		{"--column-type", "amount"},
		{"--column-type", "amount=MONEY"},
		{"--column-type", "a=INT", "--column-type", "a=BIGINT"},
		{"--null-value", ""},
		{"--csv-ragged", "maybe"},
		{"--csv-empty", "zero"},
		{"--csv-encoding", "klingon"},
	} {
		r := runDQ(t, "", append(append([]string{"eval", "--no-history"}, bad...), rules, data)...)
		if r.code != exitInvalid || !strings.Contains(r.stderr, "--c") && !strings.Contains(r.stderr, "--null-value") {
			t.Errorf("%v: exit %d, %s", bad, r.code, r.stderr)
		}
	}
}

// A Windows-1252 export: refused with the line and byte and the flag to
// use (exit 2, nothing evaluated), then read exactly with --csv-encoding.
func TestCLICSVEncoding(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	data := writeFile(t, dir, "export.csv", "id;name\r\n1;Jos\xe9\r\n2;\x93quoted\x94 \x80\r\n", 0o644)
	rules := writeFile(t, dir, "r.dqdl", `Rules = [ RowCount = 2, ColumnLength "name" = 4 with threshold = 0.5, ColumnValues "name" in ["José", "“quoted” €"] ]`, 0o644)
	r := runDQ(t, "", "eval", "--no-history", rules, data)
	if r.code != exitInvalid || !strings.Contains(r.stderr, "export.csv:2: not UTF-8: byte 0xE9") || !strings.Contains(r.stderr, "--csv-encoding windows-1252") {
		t.Errorf("undeclared: exit %d, %s", r.code, r.stderr)
	}
	r = runDQ(t, "", "eval", "--no-history", "--format", "json", "--csv-encoding", "windows-1252", rules, data)
	if r.code != 0 {
		t.Errorf("windows-1252: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// A numeric column with a bad value at row 150,000, through the CLI: rules
// on the other columns evaluate and profile/recommend run.
func TestCLILateBadValue(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,amount\n")
	for i := 1; i <= 150_500; i++ {
		if i == 150_000 {
			b.WriteString("150000,n/a\n")
			continue
		}
		fmt.Fprintf(&b, "%d,%d\n", i, i%100)
	}
	data := writeFile(t, dir, "late.csv", b.String(), 0o644)
	rules := writeFile(t, dir, "r.dqdl", `Rules = [ RowCount = 150500, IsComplete "id", IsUnique "id", ColumnValues "id" > 0 ]`, 0o644)
	if r := runDQ(t, "", "eval", "--no-history", "--format", "json", rules, data); r.code != 0 {
		t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	r := runDQ(t, "", "profile", "--format", "json", "--column-type", "amount=INTEGER", data)
	if r.code != 0 || !strings.Contains(r.stderr, `1 value in column "amount" could not be read as INTEGER`) {
		t.Fatalf("profile exit %d: %s", r.code, r.stderr)
	}
}

// Argument mistakes get a hint that names the fix.
func TestArgumentHints(t *testing.T) {
	requireParser(t)
	dir, parquet := fixture(t)
	rules := writeFile(t, dir, "r.dqdl", rulesPass, 0o644)
	csvRules := writeFile(t, dir, "rules", "id,city\n1,a\n", 0o644)
	p2 := filepath.Join(dir, "data", "more.parquet")
	raw, err := os.ReadFile(parquet)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "data"), "more.parquet", string(raw), 0o644)
	noext := writeFile(t, dir, "export", "id,city\n1,a\n", 0o644)
	ragged := writeFile(t, dir, "ragged.csv", "a,b\n1,2\n3,4,5\n", 0o644)
	mixed := filepath.Join(dir, "mixed")
	os.Mkdir(mixed, 0o755)
	writeFile(t, mixed, "part-0", string(raw), 0o644)
	writeFile(t, mixed, "notes.md", "hello\n", 0o644)

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"data given as rules", []string{"eval", parquet, rules}, exitInvalid, "the ruleset " + parquet + " is Parquet data, and " + rules + " looks like a ruleset: RULES and DATA are swapped?"},
		{"ruleset given as data", []string{"explain", rules, rules}, exitInvalid, "the data " + rules + " is a DQDL ruleset: RULES and DATA are swapped?"},
		{"csv content as rules", []string{"eval", csvRules, parquet}, exitInvalid, "looks like CSV data, not a ruleset"},
		{"shell-expanded glob", []string{"eval", rules, parquet, p2}, exitInvalid, "the shell expanded an unquoted glob. Quote it so that dq expands it: dq eval RULES '" + filepath.Join(dir, "data", "*.parquet") + "'"},
		{"shell-expanded glob, profile", []string{"profile", parquet, p2}, exitInvalid, "dq profile '"},
		{"format unknown", []string{"eval", rules, noext}, exitInvalid, "give the format explicitly (--format-in parquet|csv|json)"},
		{"ragged", []string{"eval", rules, ragged}, exitInvalid, "line 3 has 3 fields but line 1 has 2"},
		{"mixed directory", []string{"eval", "--no-history", "--format", "json", rules, mixed}, 0, "dq: note: skipped 1 file that is not Parquet: notes.md (text)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if args[0] == "eval" && tc.code != 0 {
				args = append([]string{"eval", "--no-history"}, args[1:]...)
			}
			r := runDQ(t, "", args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", r.code, r.stderr, tc.code, tc.want)
			}
		})
	}
	// With --format-in csv the extension-less export is read.
	if r := runDQ(t, "", "eval", "--no-history", "--format", "json", "--format-in", "csv", writeFile(t, dir, "c.dqdl", `Rules = [ RowCount = 1 ]`, 0o644), noext); r.code != 0 {
		t.Errorf("--format-in csv: exit %d %s", r.code, r.stderr)
	}
}

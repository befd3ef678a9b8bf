package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	// The duckdb driver, to write fixtures and read --rows-out back.
	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/dqlabs/dq/engine"
)

const (
	taxiRules = "../../testdata/taxi/taxi.dqdl"
	taxiData  = "../../testdata/taxi/sample.parquet"
)

// fixture is a tiny trips table, in dir/data/trips.parquet, with one NULL fare, one negative fare and
// timestamps on one morning, so that each rule below has a known verdict.
//
//	id  fare  city  ts
//	1   10    a     2026-01-01 10:00
//	2   20    b     2026-01-01 11:00
//	3   NULL  a     2026-01-01 11:30
//	4   -5    c     2026-01-01 12:00
func fixture(t *testing.T) (dir, parquet string) {
	t.Helper()
	dir = t.TempDir()
	// The data gets a directory of its own: a directory read picks up
	// files without a known extension too (Spark part files), and the
	// rulesets the tests write must not be among them.
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	parquet = filepath.Join(dir, "data", "trips.parquet")
	duck(t, `COPY (SELECT * FROM (VALUES
		(1, 10.0, 'a', TIMESTAMP '2026-01-01 10:00:00'),
		(2, 20.0, 'b', TIMESTAMP '2026-01-01 11:00:00'),
		(3, NULL, 'a', TIMESTAMP '2026-01-01 11:30:00'),
		(4, -5.0, 'c', TIMESTAMP '2026-01-01 12:00:00')
	) t(id, fare, city, ts)) TO '`+parquet+`' (FORMAT parquet)`)
	return dir, parquet
}

// duck runs statements in a throwaway in-memory DuckDB.
func duck(t *testing.T, stmt string, args ...any) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if stmt != "" {
		if _, err := db.Exec(stmt, args...); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	return db
}

// Rulesets over the fixture, by expected verdict.
const (
	rulesPass  = `Rules = [ RowCount = 4, IsComplete "id", ColumnValues "city" in ["a", "b", "c"] ]`
	rulesFail  = `Rules = [ RowCount = 4, IsComplete "fare", ColumnValues "fare" >= 0 ]`
	rulesError = `Rules = [ RowCount = 4, CustomSql "select count(*) from primary where nope > 0" = 0 ]`
	// Row mode passes every row (each has a fare or is in city a);
	// dataset mode fails both parts.
	rulesComposite = `Rules = [ (IsComplete "fare") or (ColumnValues "city" = "a") ]`
	// All four timestamps are within 24 hours of 2026-01-02 09:00 UTC.
	rulesFresh = `Rules = [ DataFreshness "ts" <= 24 hours ]`
	// Row 2 (city b) is filtered out of the second rule.
	rulesRowLevel = `Rules = [ RowCount = 4, ColumnValues "fare" >= 0 where "city <> 'b'" ]`
)

func TestEvalExitCodes(t *testing.T) {
	dir, data := fixture(t)
	rules := func(name, src string) string { return writeFile(t, dir, name, src, 0o644) }
	pass := rules("pass.dqdl", rulesPass)
	fail := rules("fail.dqdl", rulesFail)
	errRule := rules("error.dqdl", rulesError)
	invalid := rules("invalid.dqdl", "Rules = [\n  RowCount >\n]\n")
	warn := rules("warn.dqdl", trailing) // valid, with a warning
	composite := rules("composite.dqdl", rulesComposite)
	fresh := rules("fresh.dqdl", rulesFresh)
	missing := filepath.Join(dir, "missing.parquet")

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string // substring; "" = stderr must be empty
	}{
		{"all pass", []string{"eval", pass, data}, 0, ""},
		{"some fail", []string{"eval", fail, data}, 1, ""},
		{"error rule", []string{"eval", errRule, data}, 1, ""},
		{"invalid ruleset", []string{"eval", invalid, data}, 2, invalid + ":3:1: "},
		{"missing ruleset", []string{"eval", filepath.Join(dir, "nope.dqdl"), data}, 2, "no such file"},
		{"missing data", []string{"eval", pass, missing}, 2, "reading " + missing},
		{"glob matching nothing", []string{"eval", pass, filepath.Join(dir, "none", "*.parquet")}, 2, "reading "},
		{"directory", []string{"eval", pass, filepath.Dir(data)}, 0, ""},
		{"glob", []string{"eval", pass, filepath.Join(dir, "*", "*.parquet")}, 0, ""},
		{"no-hive", []string{"eval", "--no-hive", pass, data}, 0, ""},
		{"format-in", []string{"eval", "--format-in", "parquet", pass, data}, 0, ""},
		{"warning printed", []string{"eval", warn, data}, 0, "warning: "},
		{"warning quiet", []string{"-q", "eval", warn, data}, 0, ""},
		{"warning strict", []string{"eval", "--strict", warn, data}, 2, warn + ":2:1: "},
		{"composite dataset", []string{"eval", composite, data}, 1, ""},
		{"composite COLUMN", []string{"eval", "--composite-mode", "COLUMN", composite, data}, 1, ""},
		{"composite row", []string{"eval", "--composite-mode", "row", composite, data}, 0, ""},
		{"composite ROW", []string{"eval", "--composite-mode", "ROW", composite, data}, 0, ""},
		{"now pinned fresh", []string{"eval", "--now", "2026-01-02T09:00:00Z", fresh, data}, 0, ""},
		{"now pinned stale", []string{"eval", "--now", "2026-03-01T00:00:00Z", fresh, data}, 1, ""},
		{"limits", []string{"eval", "--threads", "1", "--memory-limit", "256MB", "--timeout", "5m", pass, data}, 0, ""},
		{"timeout", []string{"eval", "--timeout", "1ns", pass, data}, 2, "timed out after 1ns"},

		// Bad flag values are usage errors, reported before any data is read.
		{"bad format", []string{"eval", "--format", "xml", pass, data}, 2, "--format must be one of"},
		{"bad color", []string{"eval", "--color", "purple", pass, data}, 2, "--color must be one of"},
		{"bad format-in", []string{"eval", "--format-in", "xml", pass, data}, 2, "--format-in must be one of"},
		{"bad rows", []string{"eval", "--rows", "some", pass, data}, 2, "--rows must be one of"},
		{"bad composite mode", []string{"eval", "--composite-mode", "cell", pass, data}, 2, "--composite-mode must be"},
		{"bad now", []string{"eval", "--now", "yesterday", pass, data}, 2, "--now must be a date (2026-01-31, midnight UTC) or an RFC 3339 time"},
		{"bad timeout", []string{"eval", "--timeout", "soon", pass, data}, 2, "--timeout"},
		{"negative timeout", []string{"eval", "--timeout=-1s", pass, data}, 2, "--timeout must not be negative"},
		{"negative threads", []string{"eval", "--threads=-1", pass, data}, 2, "--threads must not be negative"},
		{"bad memory limit", []string{"eval", "--memory-limit", "lots", pass, data}, 2, "--memory-limit must be a size"},
		{"rows without rows-out", []string{"eval", "--rows", "failed", pass, data}, 2, "--rows needs --rows-out"},
		{"skipped without rows-out", []string{"eval", "--filtered-as-skipped", pass, data}, 2, "--filtered-as-skipped needs --rows-out"},
		{"rows-out over the data", []string{"eval", "--rows-out", data, pass, data}, 2, "would overwrite the data"},
		{"rows-out is output", []string{"eval", "--rows-out", "x.parquet", "-o", "x.parquet", pass, data}, 2, "name the same file"},
		{"missing data argument", []string{"eval", pass}, 2, "expected"},

		{"explain", []string{"explain", fail, data}, 0, ""},
		{"explain missing data", []string{"explain", fail, missing}, 2, "reading " + missing},
		{"explain invalid ruleset", []string{"explain", invalid, data}, 2, invalid + ":3:1: "},
		{"explain bad flag", []string{"explain", "--composite-mode", "cell", fail, data}, 2, "--composite-mode must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runDQ(t, "", tt.args...)
			if r.code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.wantCode, r.stdout, r.stderr)
			}
			if tt.wantStderr == "" && withoutSummary(r.stderr) != "" {
				t.Errorf("stderr = %q, want nothing", r.stderr)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantStderr, r.stderr)
			}
			if tt.wantCode == 2 && tt.args[0] == "eval" && r.stdout != "" {
				t.Errorf("no verdict, yet stdout has output:\n%s", r.stdout)
			}
		})
	}
}

// evalJSON runs dq eval with --format json and decodes the result.
func evalJSON(t *testing.T, wantCode int, args ...string) (engine.Result, result) {
	t.Helper()
	r := runDQ(t, "", append([]string{"eval", "--format", "json"}, args...)...)
	if r.code != wantCode {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, wantCode, r.stdout, r.stderr)
	}
	var res engine.Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("stdout is not a JSON result: %v\n%s", err, r.stdout)
	}
	return res, r
}

func TestEvalJSON(t *testing.T) {
	dir, data := fixture(t)
	fail := writeFile(t, dir, "fail.dqdl", rulesFail, 0o644)
	errRule := writeFile(t, dir, "error.dqdl", rulesError, 0o644)

	res, _ := evalJSON(t, 1, fail, data)
	want := []struct {
		name    string
		outcome engine.Outcome
		metric  string
		value   float64
		message string // substring
	}{
		{"Rule_0", engine.Pass, "Dataset.*.RowCount", 4, ""},
		{"Rule_1", engine.Fail, "Column.fare.Completeness", 0.75, "0.75 does not meet the constraint requirement"},
		{"Rule_2", engine.Fail, "Column.fare.Minimum", -5, "-5.0 does not meet the constraint requirement"},
	}
	if len(res.RuleResults) != len(want) {
		t.Fatalf("%d rule results, want %d: %+v", len(res.RuleResults), len(want), res.RuleResults)
	}
	for i, w := range want {
		got := res.RuleResults[i]
		if got.Name != w.name || got.Result != w.outcome {
			t.Errorf("result %d = %s %s, want %s %s", i, got.Name, got.Result, w.name, w.outcome)
		}
		if v, ok := got.EvaluatedMetrics[w.metric]; !ok || v != w.value {
			t.Errorf("%s: metric %s = %v (present %v), want %v; metrics %v", w.name, w.metric, v, ok, w.value, got.EvaluatedMetrics)
		}
		if !strings.Contains(got.EvaluationMessage, w.message) || (w.message == "") != (got.EvaluationMessage == "") {
			t.Errorf("%s: message %q, want one containing %q", w.name, got.EvaluationMessage, w.message)
		}
	}
	if res.RulesetName != "fail" {
		t.Errorf("RulesetName = %q, want the file's base name %q", res.RulesetName, "fail")
	}
	if res.Score == nil || *res.Score != 1.0/3 {
		t.Errorf("Score = %v, want 1/3", res.Score)
	}
	if res.DataSource == nil || res.DataSource.Location != data {
		t.Errorf("DataSource = %+v, want Location %s", res.DataSource, data)
	}
	if res.AggregatedMetrics != nil {
		t.Errorf("AggregatedMetrics = %+v, want none without --rows-out", res.AggregatedMetrics)
	}

	named, _ := evalJSON(t, 1, "--ruleset-name", "nightly", fail, data)
	if named.RulesetName != "nightly" {
		t.Errorf("--ruleset-name: RulesetName = %q", named.RulesetName)
	}

	errRes, _ := evalJSON(t, 1, errRule, data)
	if got := errRes.RuleResults[1]; got.Result != engine.Error || !strings.Contains(got.EvaluationMessage, "nope") {
		t.Errorf("CustomSql on a missing column = %s %q, want ERROR naming the column", got.Result, got.EvaluationMessage)
	}
}

func TestEvalDefaultFormatOffTerminalIsJSON(t *testing.T) {
	dir, data := fixture(t)
	pass := writeFile(t, dir, "pass.dqdl", rulesPass, 0o644)
	r := runDQ(t, "", "eval", pass, data)
	if r.code != 0 || !json.Valid([]byte(r.stdout)) {
		t.Errorf("exit %d; stdout is not JSON:\n%s", r.code, r.stdout)
	}
}

func TestEvalTable(t *testing.T) {
	dir, data := fixture(t)
	fail := writeFile(t, dir, "fail.dqdl", rulesFail, 0o644)

	plain := runDQ(t, "", "eval", "--format", "table", fail, data)
	if plain.code != 1 {
		t.Fatalf("exit %d, want 1; stderr: %s", plain.code, plain.stderr)
	}
	for _, s := range []string{"Rule_2", "✗ FAIL", "ColumnValues \"fare\" >= 0", "1 passed, 2 failed"} {
		if !strings.Contains(plain.stdout, s) {
			t.Errorf("table lacks %q:\n%s", s, plain.stdout)
		}
	}
	// Auto colour is off when stdout is not a terminal.
	if strings.Contains(plain.stdout, "\x1b[") {
		t.Errorf("colour codes in output that is not a terminal:\n%s", plain.stdout)
	}
	forced := runDQ(t, "", "eval", "--format", "table", "--color", "always", fail, data)
	if !strings.Contains(forced.stdout, "\x1b[") {
		t.Errorf("--color always: no colour codes:\n%s", forced.stdout)
	}
}

func TestEvalOutputFileEqualsStdout(t *testing.T) {
	dir, data := fixture(t)
	fail := writeFile(t, dir, "fail.dqdl", rulesFail, 0o644)
	out := filepath.Join(dir, "result.json")

	r := runDQ(t, "", "eval", "--format", "json", "-o", out, fail, data)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (the result is written whatever the verdict); stderr: %s", r.code, r.stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != r.stdout {
		t.Errorf("-o file differs from stdout:\nfile:\n%s\nstdout:\n%s", got, r.stdout)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}

	// With a table on stdout, the file is still JSON, and it replaces the
	// previous one without leaving temporary files behind.
	r = runDQ(t, "", "eval", "--format", "table", "--output", out, fail, data)
	got, _ = os.ReadFile(out)
	if r.code != 1 || !json.Valid(got) || strings.Contains(r.stdout, "{") {
		t.Errorf("exit %d; file valid JSON %v; stdout:\n%s", r.code, json.Valid(got), r.stdout)
	}
	assertOnlyFiles(t, dir, "data", "fail.dqdl", "result.json")

	bad := runDQ(t, "", "eval", "-o", filepath.Join(dir, "no", "such", "dir.json"), fail, data)
	if bad.code != 2 || !strings.Contains(bad.stderr, "writing the result") {
		t.Errorf("unwritable -o: exit %d, stderr %q; want 2", bad.code, bad.stderr)
	}
}

func TestEvalRowsOut(t *testing.T) {
	dir, data := fixture(t)
	rules := writeFile(t, dir, "rows.dqdl", rulesRowLevel, 0o644)

	type row struct {
		id     int
		result string
		skips  int
	}
	readRows := func(t *testing.T, path string) []row {
		t.Helper()
		db := duck(t, "")
		rs, err := db.Query(`SELECT id, DataQualityEvaluationResult, len(DataQualityRulesSkip)
			FROM read_parquet(?) ORDER BY id`, path)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		var rows []row
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.id, &r.result, &r.skips); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, r)
		}
		if err := rs.Err(); err != nil {
			t.Fatal(err)
		}
		return rows
	}

	tests := []struct {
		name  string
		flags []string
		want  []row // skips: RowCount is dataset-level, so always listed
	}{
		{"all rows by default", nil, []row{{1, "Passed", 1}, {2, "Passed", 1}, {3, "Failed", 1}, {4, "Failed", 1}}},
		{"only failed", []string{"--rows", "failed"}, []row{{3, "Failed", 1}, {4, "Failed", 1}}},
		{"explicit all", []string{"--rows", "all"}, []row{{1, "Passed", 1}, {2, "Passed", 1}, {3, "Failed", 1}, {4, "Failed", 1}}},
		{"filtered as skipped", []string{"--filtered-as-skipped"}, []row{{1, "Passed", 1}, {2, "Passed", 2}, {3, "Failed", 1}, {4, "Failed", 1}}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "rows"+string(rune('a'+i))+".parquet")
			args := append(append([]string{"--rows-out", out}, tt.flags...), rules, data)
			res, _ := evalJSON(t, 1, args...)
			got := readRows(t, out)
			if len(got) != len(tt.want) {
				t.Fatalf("%d rows in %s, want %d: %+v", len(got), out, len(tt.want), got)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("row %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
			// The totals count every input row, also when only failed ones
			// are written.
			want := engine.AggregatedMetrics{TotalRowsProcessed: 4, TotalRowsPassed: 2, TotalRowsFailed: 2,
				TotalRulesProcessed: 2, TotalRulesPassed: 1, TotalRulesFailed: 1}
			if res.AggregatedMetrics == nil || *res.AggregatedMetrics != want {
				t.Errorf("AggregatedMetrics = %+v, want %+v", res.AggregatedMetrics, want)
			}
		})
	}
}

// TestEvalTaxi pins the shipped sample's designed outcome (see
// testdata/taxi/README.md): exactly Rule_6, Rule_8 and Rule_11 fail.
func TestEvalTaxi(t *testing.T) {
	res, r := evalJSON(t, 1, taxiRules, taxiData)
	if withoutSummary(r.stderr) != "" {
		t.Errorf("stderr = %q, want nothing", r.stderr)
	}
	if len(res.RuleResults) != 20 {
		t.Fatalf("%d rule results, want 20", len(res.RuleResults))
	}
	failed := map[string]bool{"Rule_6": true, "Rule_8": true, "Rule_11": true}
	byName := map[string]engine.RuleResult{}
	for _, rr := range res.RuleResults {
		byName[rr.Name] = rr
		want := engine.Pass
		if failed[rr.Name] {
			want = engine.Fail
		}
		if rr.Result != want {
			t.Errorf("%s %s = %s (%s), want %s", rr.Name, rr.Description, rr.Result, rr.EvaluationMessage, want)
		}
	}
	// The planted rows: 13 VendorID-5 trips and 25 refunds in 20,000.
	if got := byName["Rule_6"].EvaluatedMetrics["Column.VendorID.ColumnValues.Compliance"]; got != 1-13.0/20000 {
		t.Errorf("Rule_6 compliance = %v, want %v (13 VendorID 5 rows)", got, 1-13.0/20000)
	}
	if got := byName["Rule_8"].EvaluatedMetrics["Column.fare_amount.Minimum"]; got >= 0 {
		t.Errorf("Rule_8 minimum fare = %v, want negative (refunds)", got)
	}
	if got := byName["Rule_11"].EvaluatedMetrics["Dataset.*.CustomSQL"]; got != 25 {
		t.Errorf("Rule_11 = %v (metrics %v), want 25 refund rows", got, byName["Rule_11"].EvaluatedMetrics)
	}
	if res.RulesetName != "taxi" || res.Score == nil || *res.Score != 17.0/20 {
		t.Errorf("RulesetName %q, Score %v; want taxi, 0.85", res.RulesetName, res.Score)
	}
}

func TestExplainTaxi(t *testing.T) {
	e := &env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	cmd := &ExplainCmd{Rules: taxiRules, Data: taxiData, dataFlags: dataFlags{CompositeMode: "dataset"}}
	plan, err := cmd.plan(e)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, q := range plan.Queries {
		kinds[q.Kind]++
	}
	// Every aggregate rule fuses into one scan; the grouping rules
	// (Uniqueness, DistinctValuesCount, Entropy) and the two CustomSql
	// statements run on their own.
	if kinds["aggregate"] != 1 {
		t.Errorf("%d aggregate scans, want exactly 1; plan:\n%s", kinds["aggregate"], plan)
	}
	if kinds["custom"] != 2 {
		t.Errorf("%d custom statements, want 2 (Rule_11, Rule_12); plan:\n%s", kinds["custom"], plan)
	}

	r := runDQ(t, "", "explain", taxiRules, taxiData)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if r.stdout != plan.String() {
		t.Errorf("dq explain does not print the plan:\n%s", r.stdout)
	}
}

func TestEvalInterrupted(t *testing.T) {
	dir, data := fixture(t)
	pass := writeFile(t, dir, "pass.dqdl", rulesPass, 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // as SIGINT does through signal.NotifyContext in main
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"eval", pass, data}, strings.NewReader(""), &out, &errOut)
	if code != exitInvalid || !strings.Contains(errOut.String(), "interrupted") || out.Len() != 0 {
		t.Errorf("exit %d, stderr %q, stdout %q; want 2, interrupted, no result", code, errOut.String(), out.String())
	}
}

// fakeClock is a settable clock for progressLine.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestProgressLine(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var w bytes.Buffer
	p := newProgressLine(&w, clock.now, 2*time.Second)

	p.update(engine.Progress{Stage: "scan", Done: 0, Total: 3})
	clock.t = clock.t.Add(1900 * time.Millisecond)
	p.tick()
	if w.Len() != 0 {
		t.Fatalf("drew before the delay: %q", w.String())
	}
	p.clear()
	if w.Len() != 0 {
		t.Fatalf("cleared a line that was never drawn: %q", w.String())
	}

	clock.t = clock.t.Add(150 * time.Millisecond)
	p.tick()
	if got, want := w.String(), "\r\x1b[Kdq: running query 1 of 3 · 2s"; got != want {
		t.Fatalf("first draw = %q, want %q", got, want)
	}
	w.Reset()
	clock.t = clock.t.Add(500 * time.Millisecond)
	p.tick()
	if w.Len() != 0 {
		t.Fatalf("redrew an unchanged line: %q", w.String())
	}
	clock.t = clock.t.Add(1000 * time.Millisecond)
	p.update(engine.Progress{Stage: "row-level"})
	if got, want := w.String(), "\r\x1b[Kdq: writing row-level results · 3s"; got != want {
		t.Fatalf("redraw = %q, want %q", got, want)
	}
	w.Reset()
	p.clear()
	if got := w.String(); got != "\r\x1b[K" {
		t.Fatalf("clear = %q, want the line erased", got)
	}
	w.Reset()
	p.clear()
	if w.Len() != 0 {
		t.Fatalf("second clear wrote %q", w.String())
	}
}

func TestDescribeProgress(t *testing.T) {
	tests := []struct {
		in   engine.Progress
		want string
	}{
		{engine.Progress{}, "opening data"},
		{engine.Progress{Stage: "scan", Done: 0, Total: 4}, "running query 1 of 4"},
		{engine.Progress{Stage: "scan", Done: 3, Total: 4}, "running query 4 of 4"},
		{engine.Progress{Stage: "scan", Done: 4, Total: 4}, "judging rules"},
		{engine.Progress{Stage: "row-level"}, "writing row-level results"},
	}
	for _, tt := range tests {
		if got := describeProgress(tt.in); got != tt.want {
			t.Errorf("describeProgress(%+v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestProgressOffTerminal(t *testing.T) {
	// Tests' stderr is a buffer, as CI logs are files: no progress at all.
	e := &env{ctx: context.Background(), stderr: &bytes.Buffer{}}
	cb, stop := startProgress(e)
	stop()
	if cb != nil {
		t.Error("progress callback off a terminal; want nil")
	}
}

func TestRulesetName(t *testing.T) {
	for in, want := range map[string]string{
		"rules/taxi.dqdl": "taxi",
		"nightly":         "nightly",
		"a.b.dqdl":        "a.b",
		"-":               "",
	} {
		if got := rulesetName(in); got != want {
			t.Errorf("rulesetName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidSize(t *testing.T) {
	for s, want := range map[string]bool{
		"2GB": true, "512MiB": true, "1.5 gb": true, "100000b": true, "4 gigabytes": true,
		"lots": false, "": false, "GB": false, "-1GB": false, "0GB": false, "2XB": false, "2 G B": false,
	} {
		if got := validSize(s); got != want {
			t.Errorf("validSize(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestEvalRulesFromStdin(t *testing.T) {
	_, data := fixture(t)
	r := runDQ(t, rulesFail, "eval", "--format", "json", "-", data)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr: %s", r.code, r.stderr)
	}
	var res engine.Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	if res.RulesetName != "" || len(res.RuleResults) != 3 {
		t.Errorf("RulesetName %q (want none for stdin), %d rule results (want 3)", res.RulesetName, len(res.RuleResults))
	}
	bad := runDQ(t, "Rules = [ RowCount > ]", "eval", "-", data)
	if bad.code != 2 || !strings.HasPrefix(bad.stderr, "<stdin>:1:") {
		t.Errorf("invalid stdin ruleset: exit %d, stderr %q; want 2 and a <stdin>:line:col diagnostic", bad.code, bad.stderr)
	}
}

func TestRunProgressTicksAndClears(t *testing.T) {
	var w bytes.Buffer // written only under the progress line's lock
	p := newProgressLine(&w, time.Now, 0)
	cb, stop := runProgress(p, time.Millisecond)
	for i := range 3 {
		cb(engine.Progress{Stage: "scan", Done: i, Total: 3})
		time.Sleep(2 * time.Millisecond)
	}
	stop()
	out := w.String()
	if !strings.Contains(out, "dq: running query 3 of 3") || !strings.HasSuffix(out, clearLine) {
		t.Errorf("output = %q; want progress lines, then the line cleared", out)
	}
	n := w.Len()
	time.Sleep(5 * time.Millisecond)
	if w.Len() != n {
		t.Error("wrote after stop")
	}
}

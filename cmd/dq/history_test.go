package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/engine"
)

// TestMain points the default history store at a scratch directory: every
// dq eval records history unless told not to, and tests must not write to
// the developer's ~/.local/share.
func TestMain(m *testing.M) {
	if args := os.Getenv(asDQEnv); args != "" {
		// Re-executed by dqProcess: be the dq command.
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(run(context.Background(), argv, os.Stdin, os.Stdout, os.Stderr))
	}
	dir, err := os.MkdirTemp("", "dq-test-data-home-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Setenv("XDG_DATA_HOME", dir)
	// The state cache lives under the user cache directory.
	os.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// scenarioRows are ten daily row counts with a drop planted on day 8.
var scenarioRows = []int{1000, 1010, 995, 1005, 1002, 998, 1007, 600, 1003, 1001}

const scenarioRules = `Rules = [
	RowCount > avg(last(5)) * 0.9,
	DetectAnomalies "RowCount"
]`

// scenario evaluates ten daily files into one history and returns the
// store, the ruleset and the results.
func scenario(t *testing.T) (store, rules string, results []engine.Result) {
	t.Helper()
	dir := t.TempDir()
	store = filepath.Join(dir, "history.duckdb")
	rules = writeFile(t, dir, "trips.dqdl", scenarioRules, 0o644)
	for i, n := range scenarioRows {
		data := filepath.Join(dir, fmt.Sprintf("day%d.parquet", i+1))
		duck(t, fmt.Sprintf("COPY (SELECT range AS id FROM range(%d)) TO '%s' (FORMAT parquet)", n, data))
		code := exitOK
		if i == 7 {
			code = exitFailed
		}
		now := time.Date(2026, 1, 1+i, 6, 0, 0, 0, time.UTC).Format(time.RFC3339)
		res, _ := evalJSON(t, code, "--history", store, "--dataset-id", "trips", "--now", now, "--observations", rules, data)
		results = append(results, res)
	}
	return store, rules, results
}

func TestEvalHistoryScenario(t *testing.T) {
	requireParser(t)
	store, rules, results := scenario(t)

	// Day 8: last(5) = days 3..7, avg (995+1005+1002+998+1007)/5 = 1001.4,
	// threshold 901.26, so 600 fails; its EvaluatedRule shows that number.
	d8 := results[7]
	if rr := d8.RuleResults[0]; rr.Result != engine.Fail || rr.EvaluatedRule != "RowCount > "+javaDoubleText(5007.0/5*0.9) {
		t.Errorf("day 8 dynamic rule: %s %q", rr.Result, rr.EvaluatedRule)
	}
	if rr := d8.RuleResults[1]; rr.Result != engine.Fail || !strings.HasPrefix(rr.EvaluationMessage, "Value: 600.0 of Dataset.*.RowCount is outside the expected range [") {
		t.Errorf("day 8 DetectAnomalies: %s %q", rr.Result, rr.EvaluationMessage)
	}
	if len(d8.Observations) != 1 || d8.Observations[0].MetricBasedObservation.MetricName != "Dataset.*.RowCount" ||
		*d8.Observations[0].MetricBasedObservation.MetricValues.ActualValue != 600 {
		t.Errorf("day 8 observations: %+v", d8.Observations)
	}
	// Day 1 had no history: last(5) is 0.0, and too little for anomalies.
	if rr := results[0].RuleResults; rr[0].EvaluatedRule != "RowCount > 0.0" || rr[1].EvaluationMessage != "insufficient history (0/3)" {
		t.Errorf("day 1: %q, %q", rr[0].EvaluatedRule, rr[1].EvaluationMessage)
	}
	for i, res := range results {
		if i != 7 && len(res.Observations) != 0 {
			t.Errorf("day %d observations: %+v", i+1, res.Observations)
		}
	}

	// Backtest lists day 8, for both rules.
	r := runDQ(t, "", "backtest", rules, "--history", store, "--dataset-id", "trips", "--since", "2025-12-01", "--format", "json")
	if r.code != 0 {
		t.Fatalf("backtest: exit %d: %s", r.code, r.stderr)
	}
	var bt backtestJSON
	if err := json.Unmarshal([]byte(r.stdout), &bt); err != nil {
		t.Fatal(err)
	}
	if len(bt.Rules) != 2 {
		t.Fatalf("backtest rules: %+v", bt.Rules)
	}
	for i, rule := range bt.Rules {
		var failed []string
		for _, run := range rule.Runs {
			if run.Result != engine.Pass {
				failed = append(failed, run.ResultID)
			}
		}
		if len(rule.Runs) != 10 || !slices.Equal(failed, []string{results[7].ResultID}) {
			t.Errorf("backtest %s: %d runs, failed %v", rule.Rule, len(rule.Runs), failed)
		}
		// The replay agrees with what eval said at the time.
		for j, run := range rule.Runs {
			if got := results[j].RuleResults[i]; run.Result != got.Result || (i == 0 && run.EvaluatedRule != got.EvaluatedRule) {
				t.Errorf("day %d %s: backtest %s %q, eval %s %q", j+1, rule.Rule, run.Result, run.EvaluatedRule, got.Result, got.EvaluatedRule)
			}
		}
	}
	r = runDQ(t, "", "backtest", rules, "--history", store, "--dataset-id", "trips", "--since", "2025-12-01", "--format", "table")
	if !strings.Contains(r.stdout, "10 run(s) replayed: would have failed on 1") || !strings.Contains(r.stdout, "2026-01-08 06:00Z  "+results[7].ResultID+"  600") {
		t.Errorf("backtest table:\n%s", r.stdout)
	}

	// history list / show.
	r = runDQ(t, "", "history", "list", "--history", store, "--format", "json")
	var runs []runJSON
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil || len(runs) != 10 || runs[0].ResultID != results[9].ResultID {
		t.Fatalf("history list: %v %s %s", err, r.stdout, r.stderr)
	}
	r = runDQ(t, "", "history", "show", "--history", store, "--dataset-id", "trips", "--metric", "Dataset.*.RowCount", "--format", "table")
	if !strings.Contains(r.stdout, "2026-01-08 06:00Z  "+results[7].ResultID+"  600") {
		t.Errorf("history show --metric:\n%s%s", r.stdout, r.stderr)
	}

	// Excluding day 8 takes it out of the replayed history: day 9's
	// threshold becomes 0.9 × avg(1007, 998, 1002, 1005, 995).
	r = runDQ(t, "", "history", "exclude", "--history", store, results[7].ResultID, "--metric", "Dataset.*.RowCount")
	if r.code != 0 || !strings.Contains(r.stderr, "excluded 1 value(s)") {
		t.Fatalf("exclude: %d %s", r.code, r.stderr)
	}
	r = runDQ(t, "", "backtest", rules, "--history", store, "--dataset-id", "trips", "--since", "2025-12-01", "--format", "json")
	json.Unmarshal([]byte(r.stdout), &bt)
	if d9 := bt.Rules[0].Runs[8]; d9.EvaluatedRule != "RowCount > "+javaDoubleText(5007.0/5*0.9) || !bt.Rules[0].Runs[7].Excluded {
		t.Errorf("after exclusion, day 9: %+v", d9)
	}

	// Prune.
	r = runDQ(t, "", "history", "prune", "--history", store, "--before", "2026-01-04")
	if r.code != 0 || !strings.Contains(r.stderr, "deleted 3 run(s)") {
		t.Errorf("prune: %d %s", r.code, r.stderr)
	}
}

// javaDoubleText is the engine's number format for the values used here
// (no exponent, at least one fractional digit).
func javaDoubleText(f float64) string {
	s := fmt.Sprint(f)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

func TestEvalNoHistoryAndBadStore(t *testing.T) {
	requireParser(t)
	dir, data := fixture(t)
	rules := writeFile(t, dir, "dyn.dqdl", `Rules = [ RowCount > avg(last(3)) ]`, 0o644)

	// --no-history: the dynamic rule errors, nothing is recorded.
	home := t.TempDir()
	t.Setenv("XDG_DATA_HOME", home)
	res, _ := evalJSON(t, exitFailed, "--no-history", rules, data)
	if rr := res.RuleResults[0]; rr.Result != engine.Error || !strings.Contains(rr.EvaluationMessage, "need metric history") {
		t.Errorf("--no-history: %+v", rr)
	}
	if _, err := os.Stat(filepath.Join(home, "dq")); !os.IsNotExist(err) {
		t.Errorf("--no-history created a store: %v", err)
	}
	if r := runDQ(t, "", "eval", "--no-history", "--observations", rules, data); r.code != exitInvalid {
		t.Errorf("--no-history --observations: exit %d", r.code)
	}

	// Default store under XDG_DATA_HOME; the default dataset id is the
	// data's absolute path.
	evalJSON(t, exitOK, rules, data)
	r := runDQ(t, "", "history", "list", "--format", "json")
	var runs []runJSON
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil || len(runs) != 1 || runs[0].DatasetID != data {
		t.Fatalf("default store: %v %s %s", err, r.stdout, r.stderr)
	}

	// A damaged store is left as it was and the run goes on: the rule
	// that needs history ERRORs with the reason, the others evaluate
	// (issue 11 point 13).
	bad := writeFile(t, dir, "bad.duckdb", strings.Repeat("garbage ", 500), 0o644)
	mixed := writeFile(t, dir, "mixed.dqdl", `Rules = [ RowCount > avg(last(3)), RowCount > 0, DetectAnomalies "RowCount" ]`, 0o644)
	res, r = evalJSON(t, exitFailed, "--history", bad, mixed, data)
	if strings.Count(r.stderr, "warning: metric history unavailable, so rules that read it ERROR and this run is not recorded") != 1 ||
		!strings.Contains(r.stderr, "not a DuckDB database or it is damaged") {
		t.Errorf("damaged store: stderr\n%s", r.stderr)
	}
	for i, want := range []engine.Outcome{engine.Error, engine.Pass, engine.Error} {
		rr := res.RuleResults[i]
		if rr.Result != want || want == engine.Error && !strings.Contains(rr.EvaluationMessage, "metric history unavailable") {
			t.Errorf("damaged store, rule %d: %s %q", i, rr.Result, rr.EvaluationMessage)
		}
	}
	// Without rules that need history, one warning and the verdict.
	static := writeFile(t, dir, "static.dqdl", `Rules = [ RowCount > 0 ]`, 0o644)
	_, r = evalJSON(t, exitOK, "--history", bad, static, data)
	if !strings.Contains(r.stderr, "dq: warning: metric history unavailable, so this run is not recorded: ") {
		t.Errorf("damaged store, static rules: %s", r.stderr)
	}
	if b, _ := os.ReadFile(bad); !bytes.Equal(b, []byte(strings.Repeat("garbage ", 500))) {
		t.Error("damaged store modified")
	}
	// Read commands do not create a store at a mistyped path.
	missing := filepath.Join(dir, "missing.duckdb")
	if r := runDQ(t, "", "history", "list", "--history", missing); r.code != exitInvalid || !strings.Contains(r.stderr, "no history store") {
		t.Errorf("missing store: %d %s", r.code, r.stderr)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Error("history list created a store")
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"90d":                  now.AddDate(0, 0, -90),
		"2w":                   now.AddDate(0, 0, -14),
		"36h":                  now.Add(-36 * time.Hour),
		"2026-01-31":           time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC),
		"2026-01-31T08:00:00Z": time.Date(2026, 1, 31, 8, 0, 0, 0, time.UTC),
	} {
		if got, err := parseSince(in, now); err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "-3d", "yesterday"} {
		if _, err := parseSince(bad, now); err == nil {
			t.Errorf("parseSince(%q): want an error", bad)
		}
	}
}

// The run is recorded while its failing rules' top values are read
// (historyFlags.startRecord): under the names the printed result gives
// the rules (--rules-with renames them), with every metric of the rules
// that passed or failed, exactly as when it was recorded after the result.
func TestEvalRecordsSelectedRulesEarly(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "history.duckdb")
	data := filepath.Join(dir, "d.parquet")
	duck(t, fmt.Sprintf("COPY (SELECT range AS id, CASE WHEN range %% 4 = 0 THEN 'x' ELSE 'ü' END AS s FROM range(20)) TO '%s' (FORMAT parquet)", data))
	rules := writeFile(t, dir, "r.dqdl", `Rules = [
		RowCount = 20,
		ColumnValues "s" in ["x"] labels=["team"="a"],
		Mean "id" = 9.5 labels=["team"="a"]
	]`, 0o644)
	res, r := evalJSON(t, exitFailed, "--history", store, "--dataset-id", "d", "--rules-with", "team=a", rules, data)
	if len(res.RuleResults) != 2 || res.RuleResults[0].Name != "Rule_1" || res.RuleResults[0].FailureDetails == nil ||
		len(res.RuleResults[0].FailureDetails.TopValues) != 1 {
		t.Fatalf("result: %+v\n%s", res.RuleResults, r.stderr)
	}
	r = runDQ(t, "", "history", "show", "--history", store, "--format", "json", res.ResultID)
	var runs []runJSON
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil || len(runs) != 1 {
		t.Fatalf("history show: %v %s %s", err, r.stdout, r.stderr)
	}
	got := map[string]string{}
	for _, m := range runs[0].Metrics {
		got[m.Name] = fmt.Sprintf("%s=%v", m.Source, m.Value)
	}
	// 15 of 20 values are 'ü'; mean of 0..19 is 9.5.
	want := map[string]string{"Column.s.ColumnValues.Compliance": "Rule_1=0.25", "Column.id.Mean": "Rule_2=9.5"}
	if !maps.Equal(got, want) {
		t.Errorf("recorded metrics %v, want %v", got, want)
	}
}

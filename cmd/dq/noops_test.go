package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// Commands that used to exit 0 having done nothing now say what is wrong.
func TestSilentNoOpsAreVisible(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "h.duckdb")
	rules := writeFile(t, dir, "r.dqdl", "Rules = [ RowCount > avg(last(2)), IsComplete \"a\" ]\n", 0o644)
	data := writeFile(t, dir, "d.csv", "a,Fare_Amount\n1,2\n", 0o644)
	evalJSON(t, exitOK, "--history", store, "--dataset-id", "orders", rules, data)
	evalJSON(t, exitOK, "--history", store, rules, data)

	// backtest of an unknown dataset lists the known ones; a path finds
	// the runs recorded under its absolute form.
	r := runDQ(t, "", "backtest", rules, "--history", store, "--dataset-id", "ordres", "--format", "json")
	if r.code != exitInvalid || !strings.Contains(r.stderr, `no runs of dataset "ordres"; the history has runs of: `+data+", orders") {
		t.Errorf("backtest unknown id: %d %s", r.code, r.stderr)
	}
	t.Chdir(dir)
	if r := runDQ(t, "", "backtest", rules, "--history", store, "--dataset-id", "d.csv", "--format", "json"); r.code != exitOK || !strings.Contains(r.stdout, `"DatasetId": "`+data+`"`) {
		t.Errorf("backtest by relative path: %d %s %s", r.code, r.stdout, r.stderr)
	}

	// history show --metric without the scope prefix.
	r = runDQ(t, "", "history", "show", "--history", store, "--dataset-id", "orders", "--metric", "RowCount")
	if r.code != exitInvalid || !strings.Contains(r.stderr, "no values of RowCount recorded for orders; metric names carry their scope, did you mean Dataset.*.RowCount?") {
		t.Errorf("history show: %d %s", r.code, r.stderr)
	}

	// dq publish of a spool directory that does not exist.
	r = runDQ(t, "", "publish", filepath.Join(dir, "dq-spoool"))
	if r.code != exitInvalid || !strings.Contains(r.stderr, "no spool directory "+filepath.Join(dir, "dq-spoool")) {
		t.Errorf("publish missing spool: %d %s", r.code, r.stderr)
	}

	// recommend --skip of a column the data does not have.
	r = runDQ(t, "", "recommend", "--skip", "fare_amount", "--skip", "zzz", data)
	if r.code != exitInvalid || !strings.Contains(r.stderr, `--skip: no column "fare_amount" (did you mean "Fare_Amount"? names are exact), "zzz"; the columns are a, Fare_Amount`) || r.stdout != "" {
		t.Errorf("recommend --skip: %d %s", r.code, r.stderr)
	}
	if r := runDQ(t, "", "recommend", "--skip", "Fare_Amount", data); r.code != exitOK || strings.Contains(r.stdout, "Fare_Amount") {
		t.Errorf("recommend --skip exact: %d %s %s", r.code, r.stdout, r.stderr)
	}
}

package history

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
)

// A rule with a where clause reports the same Glue metric name as the
// plain rule (Dataset.*.RowCount). Their histories must stay apart, or a
// dynamic rule on the whole dataset would read the filtered count.
func TestFilteredMetricIsItsOwnSeries(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "d.parquet")
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`COPY (SELECT range - 3 AS x FROM range(10)) TO '` + data + `' (FORMAT parquet)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	rs, err := dqdl.Parse("t", `Rules = [ RowCount > 0 where "x < 0", RowCount > avg(last(3)) * 0.9 ]`)
	if err != nil {
		t.Fatal(err)
	}
	s := openStore(t, filepath.Join(t.TempDir(), "h.duckdb"))
	eval := func(at int) *engine.Result {
		t.Helper()
		when := day0.AddDate(0, 0, at)
		res, err := engine.Evaluate(ctx, rs, engine.Files(data, engine.FileOptions{}),
			engine.Options{Now: when, History: NewView(s, "d", when)})
		if err != nil {
			t.Fatal(err)
		}
		record(t, s, FromResult(res, "d", when))
		return res
	}
	first := eval(0)
	if got := first.RuleResults[0].MetricWheres["Dataset.*.RowCount"]; got != "x < 0" {
		t.Fatalf("MetricWheres of the filtered rule = %q", got)
	}
	snap := eval(1)
	// The dynamic rule read the unfiltered series (10 rows): 10 * 0.9 = 9.
	if got := snap.RuleResults[1].EvaluatedRule; got != "RowCount > 9.0" {
		t.Errorf("EvaluatedRule = %q, want RowCount > 9.0 (the filtered count would give 2.7)", got)
	}
	runs, err := s.Runs(ctx, RunQuery{DatasetID: "d"})
	if err != nil || len(runs) != 2 {
		t.Fatalf("runs: %v %v", runs, err)
	}
	want := map[string]float64{"Dataset.*.RowCount": 10, `Dataset.*.RowCount where "x < 0"`: 3}
	for name, v := range want {
		found := false
		for _, m := range FromResult(snap, "d", day0).Metrics {
			if m.Name == name {
				found = true
				if m.Value != v {
					t.Errorf("%s = %v, want %v", name, m.Value, v)
				}
			}
		}
		if !found {
			t.Errorf("series %s not recorded", name)
		}
	}
	if strings.Contains(snap.RuleResults[1].EvaluationMessage, "history") {
		t.Errorf("dynamic rule: %s", snap.RuleResults[1].EvaluationMessage)
	}
}

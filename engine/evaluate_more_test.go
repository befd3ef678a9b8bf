package engine

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

func TestEvalCustomSQL(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	runCases(t, p, []ruleCase{
		{rule: `CustomSql "select count(*) from primary" = 5`, result: Pass, metrics: m("Dataset.*.CustomSQL", 5)},
		{rule: `CustomSql "SELECT sum(amount) FROM primary WHERE id > 2" between 69 and 71`, result: Pass, metrics: m("Dataset.*.CustomSQL", 70)},
		{rule: `CustomSql "select count(*) from primary where amount > 100" > 0`, result: Fail, msg: "Value: 0.0 does not meet the constraint requirement!", metrics: m("Dataset.*.CustomSQL", 0)},
		{rule: `CustomSql "select max(amount) from primary where id > 100" >= 0`, result: Fail, msg: "Custom SQL returned NULL"},
		{rule: `CustomSql "select id from primary" = 1`, result: Fail, msg: "Custom SQL did not return exactly 1 row"},
		{rule: `CustomSql "select 1, 2" = 1`, result: Fail, msg: "Custom SQL did not return exactly 1 column"},
		{rule: `CustomSql "select nope from primary" = 1`, result: Error, prefix: true, msg: "Error executing SQL statement: Binder Error"},
		{rule: `CustomSql "delete from primary" = 1`, result: Error, prefix: true, msg: "Error executing SQL statement:"},
		// Row mode: rows of primary found in the output pass.
		{rule: `CustomSql "select id from primary where amount > 15"`, result: Fail, msg: "Custom SQL response failed to satisfy the threshold", metrics: m("Dataset.*.CustomSQL.Compliance", 0.6)},
		{rule: `CustomSql "select id from primary where amount > 15" with threshold > 0.5`, result: Pass, metrics: m("Dataset.*.CustomSQL.Compliance", 0.6)},
		{rule: `CustomSql "select id, cat from primary"`, result: Pass, metrics: m("Dataset.*.CustomSQL.Compliance", 1)}, // NULL cat matches null-safely
		{rule: `CustomSql "select id, 1 as other from primary"`, result: Fail, msg: "The columns returned from the SQL statement should only belong to the primary table. Columns not found: other"},
	})
}

func TestEvalCustomSQLVariable(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	res := evaluate(t, p, `q = "select count(*) from primary where amount > 15"
Rules = [ CustomSql $q = 3 ]`, Options{})
	checkRule(t, res.RuleResults[0], ruleCase{result: Pass, metrics: m("Dataset.*.CustomSQL", 3)})
}

func TestEvalCompositeModes(t *testing.T) {
	// The docs example: myCol1 = [2, 0], myCol2 = [1, 3].
	p := writeParquet(t, "comp", `SELECT * FROM (VALUES (2, 1), (0, 3)) t("myCol1", "myCol2")`)
	rule := `(ColumnValues "myCol1" > 1) OR (ColumnValues "myCol2" > 2)`
	ds := evaluate(t, p, "Rules = [ "+rule+" ]", Options{})
	checkRule(t, ds.RuleResults[0], ruleCase{result: Fail,
		msg:     "Value: 0.0 does not meet the constraint requirement!\nValue: 1.0 does not meet the constraint requirement!",
		metrics: m("Column.myCol1.Minimum", 0, "Column.myCol2.Minimum", 1)})
	row := evaluate(t, p, "Rules = [ "+rule+" ]", Options{CompositeMode: CompositeRow})
	checkRule(t, row.RuleResults[0], ruleCase{result: Pass, metrics: m("Column.myCol1.Minimum", 0, "Column.myCol2.Minimum", 1)})

	cases := []struct {
		rule string
		mode CompositeMode
		want ruleCase
	}{
		{`(RowCount = 2) AND (IsComplete "myCol1")`, CompositeDataset, ruleCase{result: Pass, metrics: m("Dataset.*.RowCount", 2, "Column.myCol1.Completeness", 1)}},
		{`(RowCount = 3) OR (IsComplete "myCol1")`, CompositeDataset, ruleCase{result: Pass, msg: "Value: 2.0 does not meet the constraint requirement!", metrics: m("Dataset.*.RowCount", 2, "Column.myCol1.Completeness", 1)}},
		{`(RowCount = 3) AND (ColumnExists "nope")`, CompositeDataset, ruleCase{result: Fail, msg: "Value: 2.0 does not meet the constraint requirement!\nInput data does not include column nope!", metrics: m("Dataset.*.RowCount", 2)}},
		// An errored leaf counts as not passed (spec §7.2): FAIL, not ERROR.
		{`(RowCount > avg(last(3))) OR (RowCount = 3)`, CompositeDataset, ruleCase{result: Fail, msg: "dynamic rules need metric history, and none is configured: avg(last(3))\nValue: 2.0 does not meet the constraint requirement!", metrics: m("Dataset.*.RowCount", 2)}},
		{`(RowCount > avg(last(3))) AND (RowCount = 3)`, CompositeDataset, ruleCase{result: Fail, msg: "dynamic rules need metric history, and none is configured: avg(last(3))\nValue: 2.0 does not meet the constraint requirement!", metrics: m("Dataset.*.RowCount", 2)}},
		// ROW mode: a dataset-level leaf's verdict holds for every row.
		{`(RowCount = 2) AND ((ColumnValues "myCol1" > 1) OR (ColumnValues "myCol2" > 2))`, CompositeRow, ruleCase{result: Pass, metrics: m("Dataset.*.RowCount", 2, "Column.myCol1.Minimum", 0, "Column.myCol2.Minimum", 1)}},
		{`(RowCount = 3) OR (ColumnValues "myCol1" > 1)`, CompositeRow, ruleCase{result: Fail, msg: "Value: 0.5 does not meet the constraint requirement!", metrics: m("Dataset.*.RowCount", 2, "Column.myCol1.Minimum", 0)}},
		{`(IsUnique "myCol1") AND (ColumnValues "myCol2" in [1, 3])`, CompositeRow, ruleCase{result: Pass, metrics: m("Column.myCol1.Uniqueness", 1, "Column.myCol2.ColumnValues.Compliance", 1)}},
		{`(IsUnique "myCol1" where "myCol2 > 5") AND (ColumnValues "myCol2" > 0)`, CompositeRow, ruleCase{result: Pass, metrics: m("Column.myCol2.Minimum", 1)}},
		{`(Completeness "myCol1" > 0.5) OR (ColumnValues "myCol2" > 2)`, CompositeRow, ruleCase{result: Error, prefix: true, msg: "ROW-mode composite rules cannot contain Completeness", metrics: m("Column.myCol1.Completeness", 1, "Column.myCol2.Minimum", 1)}},
		{`(ColumnValues "myCol1" > 1 where "myCol2 = 1") AND (ColumnValues "myCol2" > 0)`, CompositeRow, ruleCase{result: Pass, metrics: m("Column.myCol1.Minimum", 2, "Column.myCol2.Minimum", 1)}},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			res := evaluate(t, p, "Rules = [ "+c.rule+" ]", Options{CompositeMode: c.mode})
			checkRule(t, res.RuleResults[0], c.want)
		})
	}
}

func TestEvalDynamicAndUnsupported(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	runCases(t, p, []ruleCase{
		{rule: `RowCount > avg(last(10)) * 0.8`, result: Error, msg: "dynamic rules need metric history, and none is configured: avg(last(10)) * 0.8", metrics: m("Dataset.*.RowCount", 5)},
		{rule: `RowCount between 2 * 2 and (10 - 1) / 1`, result: Pass, metrics: m("Dataset.*.RowCount", 5)},
		{rule: `RowCount > abs(-4)`, result: Pass, metrics: m("Dataset.*.RowCount", 5)},
		{rule: `ColumnValues "id" > avg(last(3))`, result: Fail, msg: "ColumnValues rule only supports numeric operands or NULL keyword in conditions."},
		{rule: `DetectAnomalies "RowCount"`, result: Error, msg: "anomaly detection needs metric history, and none is configured", metrics: m("Dataset.*.RowCount", 5)},
	})
}

func TestEvalDatesFreshnessAndDataTypes(t *testing.T) {
	// testNow is 2024-06-01 12:00 UTC.
	p := writeParquet(t, "dates", `SELECT * FROM (VALUES
		(DATE '2024-06-01', TIMESTAMP '2024-06-01 11:00:00', '1', '2024-05-31 10:00:00'),
		(DATE '2024-05-01', TIMESTAMP '2024-05-31 06:00:00', '1.5', 'garbage'),
		(NULL, NULL, ' 42 ', NULL),
		(DATE '2023-12-31', TIMESTAMP '2023-01-01 00:00:00', 'abc', '2024-06-01 12:00:00')
	) t(d, ts, s, txt)`)
	runCases(t, p, []ruleCase{
		{rule: `ColumnValues "d" > "2024-01-01"`, result: Fail, msg: "Value: 0.5 does not meet the constraint requirement!", metrics: m("Column.d.ColumnValues.Compliance", 0.5)},
		{rule: `ColumnValues "d" <= now()`, result: Fail, msg: "Value: 0.75 does not meet the constraint requirement!", metrics: m("Column.d.ColumnValues.Compliance", 0.75)},
		{rule: `ColumnValues "d" between "2023-12-31" and (now() + 1 days)`, result: Fail, msg: "Value: 0.5 does not meet the constraint requirement!", metrics: m("Column.d.ColumnValues.Compliance", 0.5)},
		{rule: `ColumnValues "d" not between "2024-01-01" and "2024-12-31"`, result: Fail, msg: "Value: 0.25 does not meet the constraint requirement!", metrics: m("Column.d.ColumnValues.Compliance", 0.25)}, // NULL fails (§18 #6)
		{rule: `ColumnValues "d" != "2024-06-01"`, result: Fail, msg: "Value: 0.75 does not meet the constraint requirement!", metrics: m("Column.d.ColumnValues.Compliance", 0.75)},
		{rule: `ColumnValues "d" in ["2024-06-01", "2024-05-01", NULL] with threshold >= 0.75`, result: Pass, metrics: m("Column.d.ColumnValues.Compliance", 0.75)},
		// Timestamps with a time of day compare as instants (§18 #5).
		{rule: `ColumnValues "ts" > (now() - 24 hours)`, result: Fail, msg: "Value: 0.25 does not meet the constraint requirement!", metrics: m("Column.ts.ColumnValues.Compliance", 0.25)},
		{rule: `ColumnValues "ts" >= "2024-05-31"`, result: Fail, msg: "Value: 0.5 does not meet the constraint requirement!", metrics: m("Column.ts.ColumnValues.Compliance", 0.5)},
		{rule: `ColumnValues "ts" < "13:00" with timeZone = "Europe/Paris"`, result: Fail, msg: "Value: 0.5 does not meet the constraint requirement!", metrics: m("Column.ts.ColumnValues.Compliance", 0.5)}, // 13:00 Paris = 11:00 UTC
		{rule: `ColumnValues "txt" >= "2024-05-31"`, result: Fail, msg: "Value: 0.5 does not meet the constraint requirement!", metrics: m("Column.txt.ColumnValues.Compliance", 0.5)},
		// DataFreshness: ages 1 h, 30 h, NULL, 12 474 h.
		{rule: `DataFreshness "ts" <= 24 hours`, result: Fail, msg: "25.00 % of rows passed the threshold", metrics: m("Column.ts.DataFreshness.Compliance", 0.25)},
		{rule: `DataFreshness "ts" <= 24 hours where "ts IS NOT NULL AND ts > '2024-01-01'"`, result: Fail, msg: "50.00 % of rows passed the threshold", metrics: m("Column.ts.DataFreshness.Compliance", 0.5)},
		{rule: `DataFreshness "ts" between 1 hours and 31 hours where "ts > '2024-01-01'"`, result: Fail, msg: "50.00 % of rows passed the threshold", metrics: m("Column.ts.DataFreshness.Compliance", 0.5)}, // exclusive: 1 h fails
		{rule: `DataFreshness "d" < 2 days where "d IS NOT NULL AND d > '2024-01-01'"`, result: Fail, msg: "50.00 % of rows passed the threshold", metrics: m("Column.d.DataFreshness.Compliance", 0.5)},      // midnight today: 12 h; May 1st: 31 days
		{rule: `DataFreshness "d" < 12 hours where "d = '2024-06-01'"`, result: Fail, msg: "0.00 % of rows passed the threshold", metrics: m("Column.d.DataFreshness.Compliance", 0)},
		{rule: `DataFreshness "d" <= 720 minutes where "d = '2024-06-01'"`, result: Pass, metrics: m("Column.d.DataFreshness.Compliance", 1)},
		{rule: `DataFreshness "txt" <= 30 hours`, result: Fail, msg: "50.00 % of rows passed the threshold", metrics: m("Column.txt.DataFreshness.Compliance", 0.5)},
		// ColumnDataType on strings: strict integers; NULL fails.
		{rule: `ColumnDataType "s" = "Integer"`, result: Fail, msg: "50.00 % of rows passed the threshold", metrics: m("Column.s.ColumnDataType.Compliance", 0.5)},
		{rule: `ColumnDataType "s" = "Integer" with threshold >= 0.5`, result: Pass, metrics: m("Column.s.ColumnDataType.Compliance", 0.5)},
		{rule: `ColumnDataType "s" = "Double"`, result: Fail, msg: "75.00 % of rows passed the threshold", metrics: m("Column.s.ColumnDataType.Compliance", 0.75)},
		{rule: `ColumnDataType "s" = "Boolean"`, result: Fail, msg: "25.00 % of rows passed the threshold", metrics: m("Column.s.ColumnDataType.Compliance", 0.25)},
		{rule: `ColumnDataType "txt" = "Timestamp"`, result: Fail, msg: "50.00 % of rows passed the threshold", metrics: m("Column.txt.ColumnDataType.Compliance", 0.5)},
		{rule: `ColumnDataType "txt" = "Date"`, result: Fail, msg: "50.00 % of rows passed the threshold", metrics: m("Column.txt.ColumnDataType.Compliance", 0.5)},
		{rule: `ColumnDataType "d" = "Date" where "d IS NOT NULL"`, result: Pass, metrics: m("Column.d.ColumnDataType.Compliance", 1)},
		{rule: `ColumnDataType "d" = "Integer"`, result: Fail, msg: "0.00 % of rows passed the threshold", metrics: m("Column.d.ColumnDataType.Compliance", 0)},
		{rule: `ColumnDataType "s" = "DECIMAL(5,1)"`, result: Fail, msg: "75.00 % of rows passed the threshold", metrics: m("Column.s.ColumnDataType.Compliance", 0.75)},
	})
	f := writeParquet(t, "fmt", `SELECT * FROM (VALUES ('31-12-2024'), ('12-31-2024'), ('03-2024')) t(s)`)
	runCases(t, f, []ruleCase{
		{rule: `ColumnDataType "s" = "Date" with format = "dd-MM-yyyy"`, result: Fail, msg: "33.33 % of rows passed the threshold", metrics: m("Column.s.ColumnDataType.Compliance", 1.0/3)},
		{rule: `ColumnDataType "s" = "Date" with format = "MM-yyyy"`, result: Fail, msg: "33.33 % of rows passed the threshold", metrics: m("Column.s.ColumnDataType.Compliance", 1.0/3)},
	})
}

func TestEvalAnalyzers(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	res := evaluate(t, p, `Rules = [ RowCount > 0 ]
Analyzers = [ RowCount, Completeness "amount", Mean "amount", ColumnValues "amount", ColumnLength "email", CustomSql "select count(*) from primary", AllStatistics "cat", Mean "nope" ]`, Options{})
	want := []map[string]float64{
		m("Dataset.*.RowCount", 5),
		m("Column.amount.Completeness", 0.8),
		m("Column.amount.Mean", 25),
		m("Column.amount.Minimum", 10, "Column.amount.Maximum", 40),
		m("Column.email.MinimumLength", 1, "Column.email.MaximumLength", 3),
		m("Dataset.*.CustomSQL", 5),
		m("Dataset.*.RowCount", 5, "Dataset.*.ColumnCount", 4, "Column.cat.Completeness", 0.8, "Column.cat.Uniqueness", 0.5,
			"Column.cat.MinimumLength", 1, "Column.cat.MaximumLength", 1),
		m(),
	}
	if len(res.AnalyzerResults) != len(want) {
		t.Fatalf("got %d analyzer results", len(res.AnalyzerResults))
	}
	for i, w := range want {
		ar := res.AnalyzerResults[i]
		checkRule(t, RuleResult{Result: Pass, EvaluationMessage: ar.EvaluationMessage, EvaluatedMetrics: ar.EvaluatedMetrics},
			ruleCase{result: Pass, metrics: w, msg: map[int]string{7: "Input data does not include column nope!"}[i]})
		if ar.Name != "Analyzer_"+string(rune('0'+i)) {
			t.Errorf("name = %s", ar.Name)
		}
	}
	if res.AnalyzerResults[6].Description != `AllStatistics "cat"` {
		t.Errorf("description = %q", res.AnalyzerResults[6].Description)
	}
	all := evaluate(t, p, `Analyzers = [ AllStatistics AllColumns ]`, Options{})
	got := all.AnalyzerResults[0].EvaluatedMetrics
	for _, k := range []string{"Column.id.Mean", "Column.amount.StandardDeviation", "Column.id.Entropy", "Column.email.MaximumLength", "Column.id.Sum", "Column.amount.Minimum"} {
		if _, ok := got[k]; !ok {
			t.Errorf("AllStatistics AllColumns lacks %s: %v", k, got)
		}
	}
	if all.Score != nil || len(all.RuleResults) != 0 {
		t.Errorf("analyzer-only run: score %v, %d rules", all.Score, len(all.RuleResults))
	}
}

// TestEvalConditionOnlyAnalyzers: ColumnDataType and DataFreshness parse as
// analyzers (as in Glue) but have no statistic without a condition; they
// once crashed the run with a nil pointer. Now each reports why it computed
// nothing, and the analyzers beside them are unaffected.
func TestEvalConditionOnlyAnalyzers(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	res := evaluate(t, p, `Rules = [ RowCount > 0 ]
Analyzers = [ DataFreshness "email", ColumnDataType "cat", Mean "amount" ]`, Options{})
	if len(res.AnalyzerResults) != 3 || len(res.RuleResults) != 1 || res.RuleResults[0].Result != Pass {
		t.Fatalf("results: %+v %+v", res.AnalyzerResults, res.RuleResults)
	}
	for i, msg := range []string{"DataFreshness needs a condition such as <= 24 hours", `ColumnDataType needs a condition such as = "Integer"`} {
		ar := res.AnalyzerResults[i]
		if ar.EvaluationMessage != msg || len(ar.EvaluatedMetrics) != 0 {
			t.Errorf("analyzer %d: %q %v, want %q and no metrics", i, ar.EvaluationMessage, ar.EvaluatedMetrics, msg)
		}
	}
	if got := res.AnalyzerResults[2].EvaluatedMetrics["Column.amount.Mean"]; got != 25 {
		t.Errorf("Mean = %v, want 25", got)
	}
}

func TestEvalResultEnvelope(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	res := evaluate(t, p, `DefaultLabels = ["team"="core"]
Rules = [ RowCount = 5 labels=["sev"="high"], IsComplete "cat", RowCount > avg(last(2)) ]`, Options{RulesetName: "rs"})
	if !strings.HasPrefix(res.ResultID, "dqresult-") || len(res.ResultID) != len("dqresult-")+32 {
		t.Errorf("ResultID = %q", res.ResultID)
	}
	if res.Score == nil || *res.Score != 1.0/3 {
		t.Errorf("Score = %v, want 1/3", res.Score)
	}
	r0 := res.RuleResults[0]
	if r0.Name != "Rule_0" || r0.Description != `RowCount = 5 labels=["sev"="high"]` || r0.EvaluatedRule != r0.Description {
		t.Errorf("rule 0 = %+v", r0)
	}
	if r0.Labels["team"] != "core" || r0.Labels["sev"] != "high" {
		t.Errorf("labels = %v", r0.Labels)
	}
	if res.RulesetName != "rs" || res.CompletedOn.Before(res.StartedOn) || res.DataSource == nil || res.DataSource.Location == "" {
		t.Errorf("envelope = %+v", res)
	}
}

func TestEvalRowLevel(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	out := filepath.Join(t.TempDir(), "rows.parquet")
	res := evaluate(t, p, `Rules = [
		IsComplete "amount",
		IsUnique "cat",
		RowCount = 5,
		ColumnValues "cat" in ["a", "b"] where "id > 1",
		(IsComplete "email") OR (ColumnValues "id" > 2),
		CustomSql "select id from primary where id < 3"
	]`, Options{RowLevel: &RowLevelOptions{Path: out}})
	am := res.AggregatedMetrics
	if am == nil || am.TotalRowsProcessed != 5 || am.TotalRulesProcessed != 6 || am.TotalRulesPassed != 1 {
		t.Fatalf("AggregatedMetrics = %+v", am)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Per row, which rules failed — computed by hand from basicTable.
	want := map[int64]string{
		1: `IsUnique "cat"`,
		2: `(IsComplete "email") OR (ColumnValues "id" > 2)|IsUnique "cat"`,
		3: `CustomSql "select id from primary where id < 3"|IsComplete "amount"`,
		4: `ColumnValues "cat" in ["a","b"] where "id > 1"|CustomSql "select id from primary where id < 3"`,
		5: `ColumnValues "cat" in ["a","b"] where "id > 1"|CustomSql "select id from primary where id < 3"`,
	}
	rows, err := db.QueryContext(context.Background(), "SELECT id, array_to_string(list_sort("+ColRulesFail+"), '|'), "+ColRulesSkip+"::VARCHAR FROM read_parquet("+QuoteString(out)+") ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int64
		var fails, skip string
		if err := rows.Scan(&id, &fails, &skip); err != nil {
			t.Fatal(err)
		}
		n++
		if fails != want[id] {
			t.Errorf("row %d fails = %q, want %q", id, fails, want[id])
		}
		if skip != "['RowCount = 5']" {
			t.Errorf("row %d skip = %s", id, skip)
		}
	}
	if n != 5 {
		t.Errorf("%d rows", n)
	}
}

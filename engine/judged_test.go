package engine

import (
	"context"
	"testing"
)

// Options.Judged sees every verdict, metric, analyzer and the score once,
// before the failing rules' top values are read; the returned Result then
// has them too.
func TestJudgedCalledBeforeTopValues(t *testing.T) {
	path := writeParquet(t, "judged", `SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'b'), (4, NULL), (5, 'ü')) t(id, s)`)
	src := `Rules = [ RowCount = 5, ColumnValues "s" in ["a"], Mean "id" = 3 ] Analyzers = [ Sum "id" ]`
	calls := 0
	var atCall struct {
		rules, analyzers int
		score            float64
		failed           int64
		topValues        int
		sum              float64
	}
	opts := Options{Now: testNow, Judged: func(res *Result) {
		calls++
		atCall.rules, atCall.analyzers = len(res.RuleResults), len(res.AnalyzerResults)
		if res.Score != nil {
			atCall.score = *res.Score
		}
		if d := res.RuleResults[1].FailureDetails; d != nil && d.FailedRows != nil {
			atCall.failed = *d.FailedRows
			atCall.topValues = len(d.TopValues)
		}
		atCall.sum = res.AnalyzerResults[0].EvaluatedMetrics["Column.id.Sum"]
	}}
	res, err := Evaluate(context.Background(), parseRules(t, src), Files(path, FileOptions{}), opts)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("Judged called %d times, want 1", calls)
	}
	// 'b', 'b', NULL and 'ü' are not in ["a"]: 4 of 5 rows fail.
	if atCall.rules != 3 || atCall.analyzers != 1 || atCall.score != 2.0/3 || atCall.failed != 4 || atCall.sum != 15 {
		t.Fatalf("at Judged: %+v, want 3 rules, 1 analyzer, score 2/3, 4 failed rows, Sum 15", atCall)
	}
	if atCall.topValues != 0 {
		t.Fatalf("top values were read before Judged: %d", atCall.topValues)
	}
	tv := res.RuleResults[1].FailureDetails.TopValues
	if len(tv) != 3 || tv[0].Value == nil || *tv[0].Value != "b" || tv[0].Count != 2 {
		t.Fatalf("top values after the run: %+v, want b×2 first of 3", tv)
	}
}

package engine

import "testing"

// EvaluatedRule shows the numbers a dynamic rule was judged against
// (Glue's EvaluatedRule); static rules print as written.
func TestEvaluatedRuleResolvesDynamicOperands(t *testing.T) {
	p := writeParquet(t, "basic", basicTable) // 5 rows
	h := fakeHistory{"Dataset.*.RowCount": {4, 6, 8}, "Column.amount.Mean": {20, 30}}
	res := evaluate(t, p, `Rules = [
		RowCount > avg(last(3)) * 0.5,
		RowCount between min(last(3)) - 1 and max(last(3)) + 1,
		RowCount = 5,
		(RowCount < index(last(3), 0)) OR (Mean "amount" >= median(last(5))),
		ColumnValues "id" > 0 with threshold > avg(last(2)),
		RowCount > percentile(last(3), 0.5)
	]`, Options{History: h})
	want := []struct {
		result Outcome
		rule   string
	}{
		{Pass, "RowCount > 3.0"},
		{Pass, "RowCount between 3.0 and 9.0"},
		{Pass, "RowCount = 5"},
		{Pass, `(RowCount < 4.0) OR (Mean "amount" >= 25.0)`},
		// No history of Column.id.ColumnValues.Compliance: last(2) is 0.0.
		{Pass, `ColumnValues "id" > 0 with threshold > 0.0`},
		// An unresolved operand stays as written.
		{Error, "RowCount > percentile(last(3),0.5)"},
	}
	for i, w := range want {
		rr := res.RuleResults[i]
		if rr.Result != w.result || rr.EvaluatedRule != w.rule {
			t.Errorf("%s: %s %q, want %s %q (%s)", rr.Description, rr.Result, rr.EvaluatedRule, w.result, w.rule, rr.EvaluationMessage)
		}
	}
	if got := res.RuleResults[5].EvaluationMessage; got != "unknown function percentile()" {
		t.Errorf("unknown function message %q", got)
	}
}

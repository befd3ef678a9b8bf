package engine

import (
	"context"
	"strings"
	"testing"
)

// The point of the engine: a mixed ruleset costs one aggregate scan plus one
// grouping scan per distinct column set, however many rules and where
// clauses it has.
func TestPlanFusesScans(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	rs := parseRules(t, `Rules = [
		RowCount > 0,
		RowCount > 0 where "amount > 10",
		Completeness "amount" > 0.5,
		Completeness "amount" > 0.5 where "id > 1",
		IsComplete "id",
		Mean "amount" > 0,
		Sum "amount" > 0 where "id > 1",
		StandardDeviation "amount" > 0,
		ColumnValues "cat" in ["a", "b"],
		ColumnValues "amount" between 0 and 100,
		ColumnLength "email" <= 10,
		ColumnCorrelation "id" "amount" > 0,
		Uniqueness "cat" > 0.1,
		IsUnique "cat" where "id > 1",
		Entropy "cat" > 0,
		DistinctValuesCount "cat" > 1,
		UniqueValueRatio "cat" > 0,
		IsPrimaryKey "id",
		IsUnique "id" "cat",
		ColumnExists "id",
		ColumnCount = 4,
		Mean "nope" > 1
	]`)
	// Footer answers would take count(*) out of the scan (plan_metadata_test.go).
	plan, err := Explain(context.Background(), rs, Files(p, FileOptions{}), Options{Now: testNow, NoMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, q := range plan.Queries {
		kinds[q.Kind]++
	}
	// Column sets: (cat), (id), (id, cat).
	if kinds["aggregate"] != 1 || kinds["grouping"] != 3 || len(plan.Queries) != 4 {
		t.Fatalf("queries by kind = %v, want 1 aggregate + 3 grouping\n%s", kinds, plan)
	}
	agg := plan.Queries[0].SQL
	if strings.Count(agg, "FROM") != 1 || !strings.Contains(agg, `count(CASE WHEN (amount > 10) THEN 1 END)`) || strings.Contains(agg, "FILTER") {
		t.Errorf("aggregate scan:\n%s", agg)
	}
	// The same count(*) serves RowCount and Completeness: deduplicated.
	if n := strings.Count(agg, "CAST(count(*) AS DOUBLE)"); n != 1 {
		t.Errorf("count(*) appears %d times", n)
	}
	if strings.Contains(agg, "nope") {
		t.Errorf("a missing column reached SQL:\n%s", agg)
	}
	text := plan.String()
	for _, want := range []string{"Rule_0", "RowCount > 0", "computed by query 1", "Rule_21", "no query: FAIL: Input data does not include column nope!", "-- query 2 (grouping)"} {
		if !strings.Contains(text, want) {
			t.Errorf("plan text lacks %q:\n%s", want, text)
		}
	}
	// And the plan evaluates to the same results as rules run one by one.
	res := evaluate(t, p, "Rules = [ Sum \"amount\" > 0 where \"id > 1\", IsUnique \"cat\" where \"id > 1\" ]", Options{})
	checkRule(t, res.RuleResults[0], ruleCase{result: Pass, metrics: m("Column.amount.Sum", 90)})
	checkRule(t, res.RuleResults[1], ruleCase{result: Pass, metrics: m("Column.cat.Uniqueness", 1)}) // a, b, c (and NULL) once each
}

package engine

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestFilteredRendersCase(t *testing.T) {
	for _, c := range []struct {
		agg   string
		conds []string
		want  string
	}{
		{"count(*)", nil, "count(*)"},
		{"count(*)", []string{"", ""}, "count(*)"},
		{"count(*)", []string{"a > 1"}, "count(CASE WHEN (a > 1) THEN 1 END)"},
		{`sum("x")`, []string{"a > 1", "b"}, `sum(CASE WHEN (a > 1) AND (b) THEN "x" END)`},
		{`corr("a,(b", "c")`, []string{"w"}, `corr(CASE WHEN (w) THEN "a,(b" END, CASE WHEN (w) THEN "c" END)`},
		{`min(coalesce(length("e""x,"), 0))`, []string{"w = ','"}, `min(CASE WHEN (w = ',') THEN coalesce(length("e""x,"), 0) END)`},
		{`max(f('a'',)', "y"))`, []string{"w"}, `max(CASE WHEN (w) THEN f('a'',)', "y") END)`},
	} {
		if got := filtered(c.agg, c.conds...); got != c.want {
			t.Errorf("filtered(%q, %q) = %s, want %s", c.agg, c.conds, got, c.want)
		}
	}
}

// scaleTable has NULLs in every column and repeated values in cat, so
// that completeness, moments and frequencies all vary with the filter.
const scaleTable = `SELECT i AS id,
	CASE WHEN i % 7 = 0 THEN NULL ELSE i * 1.5 END AS amount,
	CASE WHEN i % 5 = 0 THEN NULL ELSE chr(CAST(97 + (i * i) % 11 AS INTEGER)) END AS cat
FROM range(200) t(i)`

// manyWhereRules returns n rules over scaleTable, no two with the same
// where clause, and for each the metric it reports and plain SQL computing
// that metric independently ({w} is the where clause).
func manyWhereRules(n int) (src string, metrics, refs []string) {
	kinds := []struct{ rule, metric, ref string }{
		{`Completeness "amount" >= 0`, "Column.amount.Completeness", "SELECT count(amount) / count(*) FROM t WHERE {w}"},
		{`Mean "amount" > -1`, "Column.amount.Mean", "SELECT avg(amount) FROM t WHERE {w}"},
		{`Sum "id" >= 0`, "Column.id.Sum", "SELECT sum(id) FROM t WHERE {w}"},
		{`Uniqueness "cat" >= 0`, "Column.cat.Uniqueness",
			"SELECT count(*) FILTER (WHERE n = 1) / sum(n) FROM (SELECT cat, count(*) AS n FROM t WHERE ({w}) AND cat IS NOT NULL GROUP BY cat)"},
		{`DistinctValuesCount "cat" >= 0`, "Column.cat.DistinctValuesCount", "SELECT count(*) FROM (SELECT DISTINCT cat FROM t WHERE {w})"},
	}
	var rules []string
	for i := 0; i < n; i++ {
		lo, span := i%50, 10+i/50
		w := fmt.Sprintf("id >= %d AND id <= %d", lo, lo+span)
		k := kinds[i%len(kinds)]
		rules = append(rules, k.rule+` where "`+w+`"`)
		metrics = append(metrics, k.metric)
		refs = append(refs, strings.ReplaceAll(k.ref, "{w}", w))
	}
	return "Rules = [\n" + strings.Join(rules, ",\n") + "\n]", metrics, refs
}

// Thousands of where clauses: the plan's statements stay within the width
// bounds (DuckDB's memory per statement grows with its width, outside
// --memory-limit), never use FILTER (quadratic memory in DuckDB), and
// together serve every rule.
func TestManyWhereClausesPlanIsBounded(t *testing.T) {
	p := writeParquet(t, "scale", scaleTable)
	src, _, _ := manyWhereRules(2000)
	plan, err := Explain(context.Background(), parseRules(t, src), Files(p, FileOptions{}), Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	kinds := map[string]int{}
	for _, q := range plan.Queries {
		kinds[q.Kind]++
		if n := strings.Count(q.SQL, " AS m"); n > maxAggregates {
			t.Errorf("a %s statement computes %d expressions (bound %d)", q.Kind, n, maxAggregates)
		}
		if n := strings.Count(q.SQL, " AS __n"); n > maxGroupCounts {
			t.Errorf("a grouping statement computes %d per-where counts (bound %d)", n, maxGroupCounts)
		}
		if strings.Contains(q.SQL, "FILTER") {
			t.Errorf("a %s statement uses FILTER:\n%.300s", q.Kind, q.SQL)
		}
		for _, u := range q.Serves {
			served[u] = true
		}
	}
	// 400 where clauses per kind: Completeness 2 + Mean 1 + Sum 1 aggregates
	// each = 1,600 → 4 aggregate statements; one grouping column with 800
	// where clauses → 13 grouping statements.
	if kinds["aggregate"] != 4 || kinds["grouping"] != 13 {
		t.Errorf("statements by kind = %v, want 4 aggregate and 13 grouping", kinds)
	}
	for i := 0; i < 2000; i++ {
		if name := fmt.Sprintf("Rule_%d", i); !served[name] {
			t.Errorf("%s is served by no statement", name)
		}
	}
}

// The split statements compute the same values as plain SQL per rule.
func TestManyWhereClausesValues(t *testing.T) {
	const n = 1000
	p := writeParquet(t, "scale", scaleTable)
	src, metrics, refs := manyWhereRules(n)
	res := evaluate(t, p, src, Options{})
	if len(res.RuleResults) != n {
		t.Fatalf("got %d results, want %d", len(res.RuleResults), n)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE VIEW t AS SELECT * FROM read_parquet(" + QuoteString(p) + ")"); err != nil {
		t.Fatal(err)
	}
	for i, rr := range res.RuleResults {
		if rr.Result != Pass {
			t.Errorf("%s %s: %s %s", rr.Name, rr.Description, rr.Result, rr.EvaluationMessage)
			continue
		}
		// Every 7th rule against its reference: all kinds, all statements.
		if i%7 != 0 {
			continue
		}
		var want float64
		if err := db.QueryRow(refs[i]).Scan(&want); err != nil {
			t.Fatalf("%s: %v", refs[i], err)
		}
		got, ok := rr.EvaluatedMetrics[metrics[i]]
		if !ok || math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("%s %s: %s = %v (present %v), plain SQL gives %v", rr.Name, rr.Description, metrics[i], got, ok, want)
		}
	}
}

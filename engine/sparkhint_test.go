package engine

import "testing"

// TestSparkHints: where clauses and CustomSql statements written in Spark
// SQL for Glue fail on DuckDB with Glue's message; FailureDetails.Hint
// names the DuckDB spelling. The error texts are DuckDB's own.
func TestSparkHints(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	cases := []struct{ rule, hint string }{
		{`RowCount = 1 where "cat rlike '^a'"`, "Spark's RLIKE is regexp_matches(x, 'pattern') in DuckDB"},
		{`RowCount = 1 where "to_date('2020-01-01') < current_date"`, "Spark's to_date() is not DuckDB's: write CAST(x AS DATE), or strptime(x, '%d/%m/%Y')::DATE for another format"},
		{`RowCount = 1 where "date_sub(current_date, 7) < current_date"`, "Spark's date_sub() is not DuckDB's: write d - INTERVAL 7 DAY"},
		{`RowCount = 1 where "NVL(amount, 0) = 0"`, "Spark's nvl() is not DuckDB's: write coalesce(a, b)"},
		{`RowCount = 1 where "amount >= 50.0D"`, "Spark's typed number literals (50.0D) are plain numbers in DuckDB: drop the suffix"},
		{`RowCount = 2 where "cat = \"a\""`, `"a" is a column name in DuckDB SQL (Spark reads it as text): write 'a' for the text`},
		{`CustomSql "select count(*) from primary where cat = \"a\"" = 2`, `"a" is a column name in DuckDB SQL (Spark reads it as text): write 'a' for the text`},
		{`CustomSql "select id from primary where nvl(amount, 0) > 0"`, "Spark's nvl() is not DuckDB's: write coalesce(a, b)"},
		{`CustomSql "select count(*) from primary where datediff(current_date, current_date) = 0" = 5`, "Spark's datediff() is not DuckDB's: write date_diff('day', start, end)"},
		// A dataset the statement names but nothing binds.
		{`CustomSql "select count(*) from orders" > 0`, "the rule's data is the table primary; orders must be a reference dataset bound to that alias (dq eval --ref orders=PATH)"},
		// A scalar statement without the condition that would judge it.
		{`CustomSql "select count(*) from primary where amount > 100"`, `without a condition CustomSql judges rows: the statement must return columns of primary; to check one number, add a condition (CustomSql "select count(*) from primary where ..." = 0)`},
		// Not Spark-isms: no hint.
		{`RowCount = 1 where "nope = 'a'"`, ""},
		{`CustomSql "select count(*) from primary where" = 1`, ""},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			res := evaluate(t, p, "Rules = [ "+c.rule+" ]", Options{})
			got := res.RuleResults[0]
			if got.Result == Pass {
				t.Fatalf("rule passed: %+v", got)
			}
			hint := ""
			if got.FailureDetails != nil {
				hint = got.FailureDetails.Hint
			}
			if hint != c.hint {
				t.Errorf("hint = %q, want %q (message %q)", hint, c.hint, got.EvaluationMessage)
			}
		})
	}
}

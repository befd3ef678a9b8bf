package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/postgres"
	"github.com/dqlabs/dq/engine/postgres/pgtest"
)

// pulledData has DOUBLE and FLOAT values whose text PostgreSQL spells
// differently from DuckDB (so rules on it are pulled back): -0.0 beside
// 0.0, NaN, ±Inf, the decades where DuckDB switches to exponents, and
// NULL; "many" has 614 distinct values, over the bound; n is an INTEGER
// partly outside DECIMAL(3,1).
const pulledData = `SELECT id, x, CAST(x AS FLOAT) AS f, CAST(id AS DOUBLE) / 7 AS many, CAST(id % 120 - 10 AS INTEGER) AS n FROM (VALUES
	(1, CAST('-0.0' AS DOUBLE)), (2, 0.0), (3, CAST('NaN' AS DOUBLE)), (4, CAST('Infinity' AS DOUBLE)),
	(5, CAST('-Infinity' AS DOUBLE)), (6, 1e15), (7, 1e16), (8, 0.1), (9, 1e-5), (10, NULL), (11, 0.1), (12, -0.0),
	(13, 123456.789), (14, 1e23)
) t(id, x) UNION ALL SELECT i, 2.5, 2.5, CAST(i AS DOUBLE) / 7, CAST(i % 120 - 10 AS INTEGER) FROM range(15, 615) r(i)`

// TestPullBackOnPostgres: rules PostgreSQL cannot express because they
// read the text of a DOUBLE are computed from the pulled-back distinct
// values and give what the embedded engine gives on the same rows; a
// column with more distinct values than the bound ERRORs naming it; dq
// explain shows the pull-back.
func TestPullBackOnPostgres(t *testing.T) {
	ctx := context.Background()
	cluster, db, conn, duck := postgresWithDuck(t)
	if _, _, err := pgtest.CopyFromDuckDB(ctx, conn, duck, "pulled", pulledData); err != nil {
		t.Fatal(err)
	}
	rs, err := dqdl.Parse("pulled.dqdl", `Rules = [
		ColumnLength "x" <= 4,
		ColumnLength "x" between 2 and 6 where "id > 2",
		ColumnValues "x" in ["-0.0", "0.0", "NaN", "Infinity"],
		ColumnValues "f" in ["0.1", "1e+16", "2.5"] with threshold > 0.5,
		ColumnValues "x" = "1e+16" where "id > 6",
		ColumnLength "f" > 2,
		ColumnLength "many" > 2,
		RowCount = 614,
		ColumnDataType "n" = "DECIMAL(3,1)" with threshold > 0.5,
		ColumnDataType "n" = "DECIMAL(2,0)" where "id > 100" with threshold > 0.1
	]`)
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable&table=public.pulled", cluster.User, cluster.Host, cluster.Port, db)
	b, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	remote, err := engine.EvaluateOnBackend(ctx, rs, b, engine.Options{Now: engine.TestNow})
	if err != nil {
		t.Fatal(err)
	}
	local, err := engine.Evaluate(ctx, rs, engine.Query(pulledData), engine.Options{Now: engine.TestNow})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range remote.RuleResults {
		l := local.RuleResults[i]
		if i == 6 {
			if r.Result != engine.Error || !strings.HasPrefix(r.EvaluationMessage, "Cannot evaluate on postgresql: postgresql cannot express the text of a DOUBLE value") ||
				!strings.Contains(r.EvaluationMessage, `"many" has 614 distinct values, more than the 500 dq pulls back`) {
				t.Errorf("%s: %s %q, want an ERROR naming the bound", r.Description, r.Result, r.EvaluationMessage)
			}
			continue
		}
		rm, _ := json.Marshal(r.EvaluatedMetrics)
		lm, _ := json.Marshal(l.EvaluatedMetrics)
		if r.Result != l.Result || r.EvaluationMessage != l.EvaluationMessage || string(rm) != string(lm) {
			t.Errorf("%s:\n postgres %s %q %s\n local    %s %q %s", r.Description, r.Result, r.EvaluationMessage, rm, l.Result, l.EvaluationMessage, lm)
		}
	}
	// Hand-checked: -0.0 (×2), 0.0, NaN and Infinity are 5 of 614 rows.
	if m := remote.RuleResults[2].EvaluatedMetrics["Column.x.ColumnValues.Compliance"]; m != 5.0/614 {
		t.Errorf("x in [...]: compliance %v, want 5/614", m)
	}
	p, err := engine.ExplainOnBackend(ctx, rs, b, engine.Options{Now: engine.TestNow})
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("SHOW") != "" {
		t.Log(p.String())
	}
	// n = id % 120 - 10: the 50 ids with id % 120 in 110..119 hold 100..109,
	// which DECIMAL(3,1) and DECIMAL(2,0) cannot; 514 ids are above 100.
	if m := remote.RuleResults[8].EvaluatedMetrics["Column.n.ColumnDataType.Compliance"]; m != 564.0/614 {
		t.Errorf("DECIMAL(3,1) compliance %v, want 564/614", m)
	}
	if m := remote.RuleResults[9].EvaluatedMetrics["Column.n.ColumnDataType.Compliance"]; m != 464.0/514 {
		t.Errorf("DECIMAL(2,0) where id > 100: compliance %v, want 464/514", m)
	}
	if s := p.String(); !strings.Contains(s, `(pull-back) on postgresql for Rule_0, Rule_2`) || !strings.Contains(s, `-- pulled back: the distinct values of "x"`) {
		t.Errorf("explain:\n%s", s)
	}
}

// TestRowModeWindowsOnPostgres: ROW-mode composites whose leaves need a
// window (per-row uniqueness) run in PostgreSQL and judge as the embedded
// engine does: duplicates, NULL tuples and where clauses included.
func TestRowModeWindowsOnPostgres(t *testing.T) {
	ctx := context.Background()
	cluster, db, conn, duck := postgresWithDuck(t)
	const data = `SELECT * FROM (VALUES (1, 'a', 10), (2, 'a', 20), (3, 'b', NULL), (4, NULL, NULL), (5, NULL, 5), (6, 'c', 5), (7, 'ü', 7)) t(id, s, k)`
	if _, _, err := pgtest.CopyFromDuckDB(ctx, conn, duck, "rows", data); err != nil {
		t.Fatal(err)
	}
	rs, err := dqdl.Parse("rows.dqdl", `Rules = [
		(IsUnique "s") or (ColumnValues "k" > 6),
		(IsPrimaryKey "id") and (IsUnique "s" where "id > 1"),
		(Uniqueness "s" "k" > 0.5) and (IsComplete "id"),
		(IsUnique "k") or (ColumnValues "s" in ["a", "b"])
	]`)
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable&table=public.rows", cluster.User, cluster.Host, cluster.Port, db)
	b, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	opts := engine.Options{Now: engine.TestNow, CompositeMode: engine.CompositeRow}
	remote, err := engine.EvaluateOnBackend(ctx, rs, b, opts)
	if err != nil {
		t.Fatal(err)
	}
	local, err := engine.Evaluate(ctx, rs, engine.Query(data), opts)
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for i, r := range remote.RuleResults {
		l := local.RuleResults[i]
		rm, _ := json.Marshal(r.EvaluatedMetrics)
		lm, _ := json.Marshal(l.EvaluatedMetrics)
		if r.Result != l.Result || r.EvaluationMessage != l.EvaluationMessage || string(rm) != string(lm) {
			t.Errorf("%s:\n postgres %s %q %s\n local    %s %q %s", r.Description, r.Result, r.EvaluationMessage, rm, l.Result, l.EvaluationMessage, lm)
		}
		if r.Result == engine.Fail {
			failed++
		}
	}
	// By hand: rule 0 passes (rows 1 and 2 share "a" but have k > 6);
	// rule 3 fails (k = 5 repeats on rows 5 and 6, whose s is NULL and
	// "c", not in the list).
	if r := remote.RuleResults; r[0].Result != engine.Pass || r[3].Result != engine.Fail || failed != 1 {
		t.Errorf("want rule 0 PASS and only rule 3 FAIL: %+v", r)
	}
	p, err := engine.ExplainOnBackend(ctx, rs, b, opts)
	if err != nil {
		t.Fatal(err)
	}
	if s := p.String(); !strings.Contains(s, "OVER (PARTITION BY") || strings.Contains(s, "not run") {
		t.Errorf("explain:\n%s", s)
	}
}

package engine

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

func TestWithCTEs(t *testing.T) {
	ctes := []string{`"__dq_rel0" AS (SELECT * FROM (SELECT 1) AS "t")`}
	for _, c := range []struct{ in, want string }{
		{"select 1", `WITH "__dq_rel0" AS (SELECT * FROM (SELECT 1) AS "t")` + "\nselect 1"},
		{"(select 1)", `WITH "__dq_rel0" AS (SELECT * FROM (SELECT 1) AS "t")` + "\n(select 1)"},
		{"with x as (select 1) select * from x", `with "__dq_rel0" AS (SELECT * FROM (SELECT 1) AS "t"), x as (select 1) select * from x`},
		{"/* c */ WITH RECURSIVE r(n) AS (select 1) select * from r", `/* c */ WITH RECURSIVE "__dq_rel0" AS (SELECT * FROM (SELECT 1) AS "t"), r(n) AS (select 1) select * from r`},
	} {
		got, err := withCTEs(c.in, ctes)
		if err != nil || got != c.want {
			t.Errorf("withCTEs(%q) = %q, %v\nwant %q", c.in, got, err, c.want)
		}
	}
}

func TestCheckBackendSQL(t *testing.T) {
	for sql, want := range map[string]string{
		"select 1":                           "",
		"  ( WITH x AS (select 1) select 1)": "",
		`select "delete" from t`:             "",
		"select 'insert' from t":             "",
		"values (1)":                         `got "values"`,
		"delete from t":                      `got "delete"`,
		"with d as (delete from t returning *) select 1": "found DELETE",
		"select * into x from t":                         "found INTO",
		"select 1; select 2":                             "only one SQL statement",
		"":                                               "empty SQL statement",
	} {
		err := checkBackendSQL(sql)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("checkBackendSQL(%q) = %v, want %q", sql, err, want)
		}
	}
}

// userBackend is duckBackend whose table is read through a subquery that
// names itself, as a Backend restricting a table to some partitions
// describes it, and which runs CustomSql (UserQuerier) on its DuckDB.
type userBackend struct{ *duckBackend }

func (b userBackend) Describe(ctx context.Context, name string) (*Dataset, error) {
	ds, err := b.duckBackend.Describe(ctx, name)
	if err == nil {
		ds.Relation = `(SELECT * FROM "remote data" WHERE id > 1) AS "remote data"`
	}
	return ds, err
}

func (b userBackend) QueryUser(ctx context.Context, query string, maxRows int) ([]string, [][]sql.NullFloat64, error) {
	b.queries = append(b.queries, query)
	rows, err := b.db.QueryContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	var out [][]sql.NullFloat64
	for len(out) < maxRows && rows.Next() {
		row := make([]sql.NullFloat64, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		out = append(out, row)
	}
	return cols, out, rows.Err()
}

// CustomSql on a Backend whose relation is a self-named subquery: the
// statement reads it through a CTE, so "from primary p" still parses, and
// sees only the subquery's rows; cross-dataset statements nest it.
func TestCustomSqlOnSubqueryRelation(t *testing.T) {
	d := loadCx(t, "rows", `SELECT * FROM (`+cxMixedRows+`)`)
	b := userBackend{newDuckBackend(t, d.path)}
	var n, all float64
	if err := b.db.QueryRow(`SELECT count(*) FILTER (WHERE id > 1), count(*) FROM "remote data"`).Scan(&n, &all); err != nil {
		t.Fatal(err)
	}
	if n == 0 || n == all {
		t.Fatalf("the subquery keeps %v of %v rows: not a test of it", n, all)
	}
	rs := parseRules(t, `Rules = [
		CustomSql "select count(*) from primary p where p.id > 1" > 0,
		CustomSql "with x as (select id from primary) select count(*) from x" > 0,
		CustomSql "select id from primary",
		ReferentialIntegrity "id" "ref.id" = 1.0,
		RowCountMatch "ref" = 1.0
	]`)
	res, err := EvaluateOnBackend(context.Background(), rs, b, Options{Now: testNow, BackendReferences: map[string]string{"ref": "the same"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"Dataset.*.CustomSQL", "Dataset.*.CustomSQL", "Dataset.*.CustomSQL.Compliance"} {
		r := res.RuleResults[i]
		wantV := n
		if i == 2 {
			wantV = 1
		}
		if r.Result != Pass || r.EvaluatedMetrics[want] != wantV {
			t.Errorf("%s: %s %q %v, want %s = %v", r.Description, r.Result, r.EvaluationMessage, r.EvaluatedMetrics, want, wantV)
		}
	}
	// The reference statements nest the relation under their own names.
	for _, r := range res.RuleResults[3:] {
		if r.Result != Pass {
			t.Errorf("%s: %s %q", r.Description, r.Result, r.EvaluationMessage)
		}
	}
}

package engine

import (
	"context"
	"database/sql"
	"math"
	"strings"
	"testing"

	"github.com/dqlabs/dq/engine/sqlexpr"
)

// duckBackend is a Backend over a second, separate DuckDB database (a real
// engine, not a mock): the crosscheck data loaded as a table, statements
// rendered in the DuckDB dialect and run there.
type duckBackend struct {
	db      *sql.DB
	queries []string
}

func newDuckBackend(t *testing.T, parquet string) *duckBackend {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE "remote data" AS SELECT * FROM read_parquet(` + QuoteString(parquet) + `)`); err != nil {
		t.Fatal(err)
	}
	return &duckBackend{db: db}
}

func (b *duckBackend) Dialect() *sqlexpr.Dialect { return sqlexpr.DuckDB() }

func (b *duckBackend) Describe(ctx context.Context, name string) (*Dataset, error) {
	rows, err := b.db.QueryContext(ctx, `DESCRIBE "remote data"`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ds := &Dataset{Alias: name, Relation: `"remote data"`, Location: "duckdb table remote data"}
	for rows.Next() {
		var n, typ string
		var x1, x2, x3, x4 any
		if err := rows.Scan(&n, &typ, &x1, &x2, &x3, &x4); err != nil {
			return nil, err
		}
		ds.Columns = append(ds.Columns, Column{Name: n, Type: typ})
	}
	return ds, rows.Err()
}

func (b *duckBackend) QueryRow(ctx context.Context, query string, n int) ([]sql.NullFloat64, error) {
	b.queries = append(b.queries, query)
	return queryRow(ctx, b.db, query, n)
}

func (b *duckBackend) Close() error { return nil }

// TestBackendMatchesEmbedded evaluates the crosscheck suite on a Backend
// and embedded: every rule the Backend evaluates must get the embedded
// run's outcome, message and metrics; the others must ERROR naming the
// dialect, and only for the reasons the plan gives.
func TestBackendMatchesEmbedded(t *testing.T) {
	// The mixed dataset has every rule form; empty, naninf and dups the
	// edge values. (The others add time, not cases: TestCrosscheck covers
	// them embedded.)
	keep := map[string]bool{"mixed": true, "empty": true, "naninf": true, "dups": true}
	for i, ds := range cxDatasets() {
		if !keep[ds.name] || (testing.Short() && i > 0) {
			continue
		}
		t.Run(ds.name, func(t *testing.T) {
			d := loadCx(t, ds.name, ds.sql)
			var texts []string
			for _, c := range cxCases(d) {
				texts = append(texts, c.rule)
			}
			rs := parseRules(t, "Rules = [\n  "+strings.Join(texts, ",\n  ")+"\n]")
			modes := []CompositeMode{CompositeDataset}
			if i == 0 && !testing.Short() { // ROW mode on the mixed dataset
				modes = append(modes, CompositeRow)
			}
			for _, mode := range modes {
				opts := Options{Now: testNow, CompositeMode: mode}
				want, err := Evaluate(context.Background(), rs, Files(d.path, FileOptions{}), opts)
				if err != nil {
					t.Fatal(err)
				}
				b := newDuckBackend(t, d.path)
				got, err := EvaluateOnBackend(context.Background(), rs, b, opts)
				if err != nil {
					t.Fatal(err)
				}
				if len(b.queries) == 0 {
					t.Fatal("the backend ran no statement")
				}
				pushed, local := 0, 0
				for k, g := range got.RuleResults {
					w := want.RuleResults[k]
					if g.Result == Error && strings.HasPrefix(g.EvaluationMessage, "Cannot evaluate on duckdb: ") {
						local++
						continue
					}
					pushed++
					if g.Result != w.Result || g.EvaluationMessage != w.EvaluationMessage || !sameMetrics(g.EvaluatedMetrics, w.EvaluatedMetrics) {
						t.Errorf("mode %d, %s:\n backend  %s %q %v\n embedded %s %q %v", mode, w.Description,
							g.Result, g.EvaluationMessage, g.EvaluatedMetrics, w.Result, w.EvaluationMessage, w.EvaluatedMetrics)
					}
				}
				t.Logf("mode %d: %d rules evaluated on the backend, %d left to the embedded engine", mode, pushed, local)
				if pushed < len(got.RuleResults)/2 {
					t.Errorf("only %d of %d rules ran on the backend", pushed, len(got.RuleResults))
				}
			}
		})
	}
}

func sameMetrics(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y, ok := b[k]
		if !ok {
			return false
		}
		if x != y && !(math.IsNaN(x) && math.IsNaN(y)) && math.Abs(x-y) > 1e-9*math.Max(math.Abs(x), math.Abs(y)) {
			return false
		}
	}
	return true
}

// TestBackendLimits: the rules a Backend cannot run ERROR with the
// dialect's name and the construct; row-level output is refused; explain
// shows which statements run on the backend.
func TestBackendLimits(t *testing.T) {
	d := loadCx(t, "one", `SELECT * FROM (`+cxMixedRows+`) WHERE id = 1`)
	rs := parseRules(t, `Rules = [
		RowCount = 1,
		ColumnValues "sd" > "2000-01-01",
		CustomSql "select count(*) from primary" = 1,
		DatasetMatch "ref" "id" = 1.0,
		IsComplete "s" where "id >",
		ColumnValues "n" > 0 where "id > 0"
	]`)
	b := newDuckBackend(t, d.path)
	// The reference is local data: not where the Backend's table is.
	res, err := EvaluateOnBackend(context.Background(), rs, b, Options{Now: testNow, References: map[string]Source{"ref": Files(d.path, FileOptions{})}})
	if err != nil {
		t.Fatal(err)
	}
	// Dates in strings are in the neutral language (sqlexpr.SparkDate):
	// they run on the backend.
	wantPrefix := []string{"", "", "Cannot evaluate on duckdb: this engine does not run user SQL (CustomSql)",
		"Cannot evaluate on duckdb: reference dataset 'ref' is local data, not a table of the duckdb engine", "Rule IsComplete \"s\" where \"id >\" has provided an invalid where clause", ""}
	for i, r := range res.RuleResults {
		if !strings.HasPrefix(r.EvaluationMessage, wantPrefix[i]) || (wantPrefix[i] == "") != (r.Result == Pass) {
			t.Errorf("%s: %s %q, want message starting %q", r.Description, r.Result, r.EvaluationMessage, wantPrefix[i])
		}
	}
	if _, err := EvaluateOnBackend(context.Background(), rs, b, Options{RowLevel: &RowLevelOptions{}, References: map[string]Source{"ref": Files(d.path, FileOptions{})}}); err == nil || !strings.Contains(err.Error(), "row-level output") {
		t.Errorf("row-level on a backend: %v", err)
	}
	p, err := ExplainOnBackend(context.Background(), rs, b, Options{Now: testNow, References: map[string]Source{"ref": Files(d.path, FileOptions{})}})
	if err != nil {
		t.Fatal(err)
	}
	s := p.String()
	for _, want := range []string{`-- query 1 (aggregate) on duckdb for Rule_0, Rule_1, Rule_5`, `FROM "remote data"`} {
		if !strings.Contains(s, want) {
			t.Errorf("explain lacks %q:\n%s", want, s)
		}
	}
}

package engine_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/postgres"
	"github.com/dqlabs/dq/engine/postgres/pgtest"
)

// refTables are the datasets of the engine's own reference-rule tests
// (plan_reference_test.go), as DuckDB queries: loaded into PostgreSQL
// with the same column types, and read by the embedded engine directly.
var refTables = map[string]string{
	// ReferentialIntegrity
	"p":      `SELECT * FROM (VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c'), (NULL, 40, 'd'), (5, 50, 'e'), (5, 50, 'f')) v(k, k2, tag)`,
	"ref":    `SELECT * FROM (VALUES (1, 10), (2, 20), (2, 21), (5, 99), (NULL, 40)) v(id, id2)`,
	"empty":  `SELECT 1 AS id, 10 AS id2 WHERE false`,
	"strs":   `SELECT * FROM (VALUES ('1'), ('2'), ('x'), (' 3')) v(s)`,
	"emptyp": `SELECT 1 AS k WHERE false`,
	// DatasetMatch
	"dp":      `SELECT * FROM (VALUES (1, 'ann', 1.5, 'a'), (2, 'bob', 2.5, 'b'), (3, 'cy', NULL, 'c'), (4, 'dee', 4.5, 'd'), (5, 'eve', 5.5, 'e')) v(id, name, score, tag)`,
	"dref":    `SELECT * FROM (VALUES (1, 'ann', 1.5, 'a'), (2, 'BOB', 2.5, 'b'), (3, 'cy', NULL, 'c'), (5, 'eve', 5.5, 'e'), (9, 'zed', 9.5, 'z')) v(rid, name, score, tag)`,
	"dsame":   `SELECT CAST(id AS BIGINT) AS id, name, CAST(score AS DECIMAL(4,1)) AS score, tag FROM (VALUES (1, 'ann', 1.5, 'a'), (2, 'bob', 2.5, 'b'), (3, 'cy', NULL, 'c'), (4, 'dee', 4.5, 'd'), (5, 'eve', 5.5, 'e')) v(id, name, score, tag)`,
	"ddupref": `SELECT * FROM (VALUES (1, 'ann'), (1, 'ann'), (2, 'bob')) v(id, name)`,
	"demptyp": `SELECT 1 AS id, 'x' AS name WHERE false`,
	// Doubles with NaN, -0.0, NULL and infinities on both sides, and a
	// text copy of dates: the comparisons the engines spell differently.
	"fp":  `SELECT * FROM (VALUES (1, 'NaN'::DOUBLE, DATE '2024-01-02', 'x'), (2, -0.0::DOUBLE, DATE '2024-02-03', 'y'), (3, NULL::DOUBLE, NULL, 'z'), (4, 'Infinity'::DOUBLE, DATE '2024-03-04', 'ü'), (5, 1.25::DOUBLE, DATE '2024-04-05', '')) v(id, f, d, s)`,
	"fr":  `SELECT * FROM (VALUES (1, 'NaN'::DOUBLE, '2024-01-02', 'x'), (2, 0.0::DOUBLE, '2024-02-03', 'y'), (3, NULL::DOUBLE, NULL, 'z'), (4, 'Infinity'::DOUBLE, '2024-03-05', 'ü'), (6, 1.25::DOUBLE, '2024-04-05', '')) v(id, f, d, s)`,
	"fkr": `SELECT * FROM (VALUES ('NaN'::DOUBLE), (0.0::DOUBLE), ('-Infinity'::DOUBLE)) v(f)`,
	// Keys that are one group only if -0.0 groups with 0.0 (fz0) or NaN
	// with NaN (fzn).
	"fz0": `SELECT * FROM (VALUES (-0.0::DOUBLE, 'a'), (0.0::DOUBLE, 'b'), (1.0::DOUBLE, 'c')) v(f, s)`,
	"fzn": `SELECT * FROM (VALUES ('NaN'::DOUBLE, 'a'), ('NaN'::DOUBLE, 'b'), (1.0::DOUBLE, 'c')) v(f, s)`,
	// AggregateMatch, RowCountMatch, SchemaMatch, CustomSql
	"ap":     `SELECT * FROM (VALUES (1, 10.0, 'a'), (2, 20.0, 'b'), (3, 30.0, 'c'), (4, NULL, 'd')) v(id, price, tag)`,
	"aref":   `SELECT * FROM (VALUES (1, 12.0, 'a'), (2, 18.0, 'b'), (3, 30.0, 'c')) v(id, cost, tag)`,
	"asref":  `SELECT CAST(id AS BIGINT) AS id, CAST(price AS DECIMAL(9,3)) AS price, tag FROM (VALUES (1, 10.0, 'a')) v(id, price, tag)`,
	"azero":  `SELECT 0.0 AS price, 1 AS id, 'x' AS tag`,
	"aempty": `SELECT 1.0 AS price, 1 AS id, 'x' AS tag WHERE false`,
	"awider": `SELECT 1 AS id, 1.0 AS price, 'x' AS tag, 2 AS extra`,
}

// refCase is one ruleset evaluated on a primary table with references
// bound by alias to tables.
type refCase struct {
	primary string
	rules   string
	refs    map[string]string // alias → table
	// unsupported, when set, is the start of the message PostgreSQL's
	// ERROR must have (after "Cannot evaluate on postgresql: "); the
	// embedded result is not compared.
	unsupported string
	// sqlError: both engines ERROR on the user's SQL, with their own
	// messages (compared up to the first ':').
	sqlError bool
}

// TestPostgresReferences runs the cross-dataset and CustomSql pushdown
// tests on one private PostgreSQL 15 cluster.
func TestPostgresReferences(t *testing.T) {
	cluster := pgtest.StartT(t)
	t.Run("match embedded", func(t *testing.T) { testPostgresReferencesMatchEmbedded(t, cluster) })
	t.Run("not co-located", func(t *testing.T) { testPostgresReferencesNotColocated(t, cluster) })
	t.Run("CustomSql writes refused", func(t *testing.T) { testPostgresCustomSqlWritesRefused(t, cluster) })
}

// testPostgresReferencesMatchEmbedded evaluates the engine's reference
// rule tests and CustomSql statements valid in both dialects pushed down
// to PostgreSQL 15, with the references as tables of the same database:
// outcomes, messages and metrics (rel. 1e-9) must equal the embedded run
// over the same rows.
func testPostgresReferencesMatchEmbedded(t *testing.T, cluster *pgtest.Cluster) {
	ctx := context.Background()
	db, conn, duck := newDBWithDuck(t, cluster)
	for name, q := range refTables {
		if _, _, err := pgtest.CopyFromDuckDB(ctx, conn, duck, name, q); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	url := func(table string) string {
		return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable&table=public.%s", cluster.User, cluster.Host, cluster.Port, db, table)
	}
	ri := map[string]string{"ref": "ref", "empty": "empty", "strs": "strs"}
	dm := map[string]string{"ref": "dref", "same": "dsame", "dupref": "ddupref"}
	am := map[string]string{"ref": "aref", "zero": "azero", "empty": "aempty", "sref": "asref", "wider": "awider"}
	cases := []refCase{
		{primary: "p", refs: ri, rules: `ReferentialIntegrity "k" "ref.id" >= 0.6`},
		{primary: "p", refs: ri, rules: `ReferentialIntegrity "k" "ref.id" = 1.0`},
		{primary: "p", refs: ri, rules: `ReferentialIntegrity "k,k2" "ref.{id,id2}" = 1.0`},
		{primary: "p", refs: ri, rules: `ReferentialIntegrity "k" "empty.id" > 0`},
		{primary: "p", refs: ri, rules: `ReferentialIntegrity "nope" "ref.id" = 1.0`},
		{primary: "p", refs: ri, rules: `ReferentialIntegrity "k" "ref.nope" = 1.0`},
		{primary: "p", refs: ri, rules: `ReferentialIntegrity "k,k2" "ref.{id}" = 1.0`},
		{primary: "emptyp", refs: ri, rules: `ReferentialIntegrity "k" "ref.id" = 1.0`},
		{primary: "strs", refs: ri, rules: `ReferentialIntegrity "s" "ref.id" = 0.5`, unsupported: "comparing the text column s with the INTEGER column id"},
		{primary: "p", refs: ri, rules: `ReferentialIntegrity "k" "strs.s" = 0.5`, unsupported: "comparing the text column s with the INTEGER column k"},

		{primary: "dp", refs: dm, rules: `DatasetMatch "ref" "id->rid" >= 0.6`},
		{primary: "dp", refs: dm, rules: `DatasetMatch "ref" "id->rid" = 1.0`},
		{primary: "dp", refs: dm, rules: `DatasetMatch "ref" "id->rid" "score" = 0.8`},
		{primary: "dp", refs: dm, rules: `DatasetMatch "ref" "id->rid" "name->name,tag" = 0.6`},
		{primary: "dp", refs: dm, rules: `DatasetMatch "same" "id" = 1.0`},
		{primary: "dp", refs: dm, rules: `DatasetMatch "dupref" "id" "name" = 1.0`},
		{primary: "dp", refs: dm, rules: `DatasetMatch "ref" "nope->rid" = 1.0`},
		{primary: "dp", refs: dm, rules: `DatasetMatch "ref" "id->rid" "score->nope" = 1.0`},
		{primary: "ddupref", refs: dm, rules: `DatasetMatch "ref" "id->rid" "name" = 1.0`},
		{primary: "demptyp", refs: dm, rules: `DatasetMatch "ref" "id->rid" = 1.0`},
		// NaN equals NaN, -0.0 equals 0.0, NULL equals NULL; a DATE and
		// its text compare as text.
		{primary: "fp", refs: map[string]string{"fr": "fr"}, rules: `DatasetMatch "fr" "id" "f" > 0`},
		{primary: "fp", refs: map[string]string{"fr": "fr"}, rules: `DatasetMatch "fr" "id" "d,s" > 0`},
		{primary: "fp", refs: map[string]string{"fr": "fr"}, rules: `DatasetMatch "fr" "id" > 0`},
		{primary: "fp", refs: map[string]string{"fkr": "fkr"}, rules: `ReferentialIntegrity "f" "fkr.f" > 0`},
		{primary: "fp", refs: map[string]string{"fr": "fr"}, rules: `DatasetMatch "fr" "id" "f->d" > 0`, unsupported: "comparing f (DOUBLE) with d (VARCHAR) as text"},
		{primary: "fz0", refs: map[string]string{"fkr": "fkr"}, rules: `DatasetMatch "fkr" "f" > 0`},
		{primary: "fzn", refs: map[string]string{"fkr": "fkr"}, rules: `DatasetMatch "fkr" "f" > 0`},
		{primary: "fz0", refs: map[string]string{"fkr": "fkr"}, rules: `ReferentialIntegrity "f" "fkr.f" > 0`},

		{primary: "ap", refs: am, rules: `AggregateMatch "sum(price)" "sum(ref.cost)" = 1.0`},
		{primary: "ap", refs: am, rules: `AggregateMatch "avg(price)" "avg(ref.cost)" = 1.0`},
		{primary: "ap", refs: am, rules: `AggregateMatch "sum(primary.price)" "avg(ref.cost)" = 3`},
		{primary: "ap", refs: am, rules: `AggregateMatch "AVG(price)" "SUM(price)" >= 0.5`},
		{primary: "ap", refs: am, rules: `AggregateMatch "sum(price)" "sum(zero.price)" = 0`},
		{primary: "ap", refs: am, rules: `AggregateMatch "sum(zero.price)" "avg(zero.price)" = 1`},
		{primary: "ap", refs: am, rules: `AggregateMatch "sum(price)" "sum(empty.price)" > 0`},
		{primary: "ap", refs: am, rules: `AggregateMatch "sum(tag)" "sum(ref.cost)" > 0`},
		{primary: "ap", refs: am, rules: `RowCountMatch "ref" = 1.0`},
		{primary: "ap", refs: am, rules: `RowCountMatch "ref" between 1.3 and 1.4`},
		{primary: "ap", refs: am, rules: `RowCountMatch "empty" > 1`},
		{primary: "ap", refs: am, rules: `RowCountMatch "empty" < 1`},
		{primary: "aempty", refs: am, rules: `RowCountMatch "empty" = 1.0`},
		{primary: "ap", refs: am, rules: `SchemaMatch "sref" = 1.0`},
		{primary: "ap", refs: am, rules: `SchemaMatch "sref" > 0.6`},
		{primary: "ap", refs: am, rules: `SchemaMatch "ref" = 1.0`},
		{primary: "ap", refs: am, rules: `SchemaMatch "wider" > 0`},

		// CustomSql in SQL both dialects read alike.
		{primary: "ap", refs: am, rules: `CustomSql "select count(*) from primary p join ref r on p.id = r.id" = 3`},
		{primary: "ap", refs: am, rules: `CustomSql "select sum(price) / count(*) from primary where price is not null" between 19 and 21`},
		{primary: "ap", refs: am, rules: `CustomSql "select id from primary where price > 15" with threshold > 0.4`},
		{primary: "ap", refs: am, rules: `CustomSql "select tag, price from primary where id <> 2" with threshold >= 0.75`},
		{primary: "ap", refs: am, rules: `CustomSql "select id from primary where price > 15"`},
		{primary: "ap", refs: am, rules: `CustomSql "select id from primary where id < 3" = 1`},
		{primary: "ap", refs: am, rules: `CustomSql "select count(*), max(id) from primary" = 1`},
		{primary: "ap", refs: am, rules: `CustomSql "select max(price) from primary where id > 10" = 1`},
		{primary: "ap", refs: am, rules: `CustomSql "select id, cost from primary" with threshold > 0`, sqlError: true},
		{primary: "aempty", refs: am, rules: `CustomSql "select id from primary"`},
		{primary: "ap", refs: am, rules: `CustomSql "select nope from primary" = 1`, sqlError: true},
	}
	// The rules of one primary and one set of references run as one
	// ruleset, as users write them: they share statements.
	type group struct {
		primary string
		refs    map[string]string
		cases   []refCase
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, c := range cases {
		key := c.primary + fmt.Sprint(c.refs)
		g := byKey[key]
		if g == nil {
			g = &group{primary: c.primary, refs: c.refs}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.cases = append(g.cases, c)
	}
	// The Redshift dialect runs against PostgreSQL too: its statements
	// (simple query protocol, VARCHAR(65535) casts, its read-only
	// transaction for CustomSql) are what PostgreSQL runs alike; it is not
	// a check against Redshift itself.
	for _, dialect := range []string{"postgresql", "redshift"} {
		for _, g := range groups {
			t.Run(dialect+"/"+g.primary+fmt.Sprint(g.refs), func(t *testing.T) {
				var rules []string
				for _, c := range g.cases {
					rules = append(rules, c.rules)
				}
				rs, err := dqdl.Parse("refs.dqdl", "Rules = [\n  "+strings.Join(rules, ",\n  ")+"\n]")
				if err != nil {
					t.Fatal(err)
				}
				local := engine.Options{Now: engine.TestNow, References: map[string]engine.Source{}}
				pushed := engine.Options{Now: engine.TestNow, BackendReferences: map[string]string{}}
				for alias, table := range g.refs {
					local.References[alias] = engine.Query(refTables[table])
					pushed.BackendReferences[alias] = "public." + table
				}
				want, err := engine.Evaluate(ctx, rs, engine.Query(refTables[g.primary]), local)
				if err != nil {
					t.Fatal(err)
				}
				target, err := postgres.ParseURL(url(g.primary))
				if err != nil {
					t.Fatal(err)
				}
				target.Redshift = dialect == "redshift"
				b, err := postgres.OpenTarget(ctx, target, postgres.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer b.Close()
				got, err := engine.EvaluateOnBackend(ctx, rs, b, pushed)
				if err != nil {
					t.Fatal(err)
				}
				for i, c := range g.cases {
					g, w := got.RuleResults[i], want.RuleResults[i]
					if c.unsupported != "" {
						if g.Result != engine.Error || !strings.HasPrefix(g.EvaluationMessage, "Cannot evaluate on "+dialect+": "+c.unsupported) {
							t.Errorf("%s: %s %q, want ERROR %q", g.Description, g.Result, g.EvaluationMessage, c.unsupported)
						}
						continue
					}
					gm, wm := g.EvaluationMessage, w.EvaluationMessage
					if c.sqlError {
						gm, _, _ = strings.Cut(gm, ":")
						wm, _, _ = strings.Cut(wm, ":")
					}
					if g.Result != w.Result || gm != wm || !closeMetrics(g.EvaluatedMetrics, w.EvaluatedMetrics) {
						t.Errorf("%s:\n  %s %s %q %v\n  embedded   %s %q %v", g.Description, dialect, g.Result, g.EvaluationMessage, g.EvaluatedMetrics, w.Result, w.EvaluationMessage, w.EvaluatedMetrics)
					}
				}
			})
		}
	}

	t.Run("a failing subquery errs only its rule", func(t *testing.T) {
		// The cross-dataset subqueries share one statement; PostgreSQL's
		// division by zero at run time fails it, and the retry one by
		// one keeps the other rules' values.
		rs, err := dqdl.Parse("refs.dqdl", `Rules = [ RowCountMatch "ref" between 1.3 and 1.4, ReferentialIntegrity "id" "ref.id" = 0.75, CustomSql "select id from primary where 1 / (id - id) > 0" with threshold > 0 ]`)
		if err != nil {
			t.Fatal(err)
		}
		b, err := postgres.Open(ctx, url("ap"), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		res, err := engine.EvaluateOnBackend(ctx, rs, b, engine.Options{Now: engine.TestNow, BackendReferences: map[string]string{"ref": "public.aref"}})
		if err != nil {
			t.Fatal(err)
		}
		got := res.RuleResults
		if got[0].Result != engine.Pass || got[1].Result != engine.Pass || got[1].EvaluatedMetrics["Column.ref.ReferentialIntegrity"] != 0.75 ||
			got[2].Result != engine.Error || !strings.Contains(got[2].EvaluationMessage, "division by zero") {
			t.Errorf("%+v", got)
		}
	})

	t.Run("references by URL and by catalog name", func(t *testing.T) {
		rs, err := dqdl.Parse("refs.dqdl", `Rules = [ RowCountMatch "ref" between 1.3 and 1.4, RowCountMatch "public.aref" between 1.3 and 1.4 ]`)
		if err != nil {
			t.Fatal(err)
		}
		b, err := postgres.Open(ctx, url("ap"), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		res, err := engine.EvaluateOnBackend(ctx, rs, b, engine.Options{Now: engine.TestNow, BackendReferences: map[string]string{"ref": url("aref")}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.RuleResults {
			if r.Result != engine.Pass {
				t.Errorf("%s: %s %s", r.Description, r.Result, r.EvaluationMessage)
			}
		}
	})
}

// closeMetrics compares metrics at rel. 1e-9, NaN equal to NaN.
func closeMetrics(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y, ok := b[k]
		switch {
		case !ok:
			return false
		case math.IsNaN(x) || math.IsNaN(y):
			if !math.IsNaN(x) || !math.IsNaN(y) {
				return false
			}
		case x == y:
		case math.Abs(x-y) > 1e-9*math.Max(math.Abs(x), math.Abs(y)):
			return false
		}
	}
	return true
}

// testPostgresReferencesNotColocated: a reference in another database,
// in local data or in a file ERRORs its rules with the co-location
// message; one that cannot be described stops the run.
func testPostgresReferencesNotColocated(t *testing.T, cluster *pgtest.Cluster) {
	ctx := context.Background()
	db, other := cluster.NewDB(t), cluster.NewDB(t)
	duck, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	for _, d := range []string{db, other} {
		for _, name := range []string{"ap", "aref"} {
			if _, _, err := pgtest.CopyFromDuckDB(ctx, cluster.Conn(t, d), duck, name, refTables[name]); err != nil {
				t.Fatal(err)
			}
		}
	}
	url := func(db, table string) string {
		return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable&table=public.%s", cluster.User, cluster.Host, cluster.Port, db, table)
	}
	rs, err := dqdl.Parse("refs.dqdl", `Rules = [ RowCount = 4, RowCountMatch "ref" > 1, DatasetMatch "ref" "id" = 1.0 ]`)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opts engine.Options
		why  string
	}{
		{"another database", engine.Options{BackendReferences: map[string]string{"ref": url(other, "aref")}}, "reference dataset 'ref' is not in the postgresql engine that holds the primary dataset"},
		{"local data", engine.Options{References: map[string]engine.Source{"ref": engine.Query(refTables["aref"])}}, "reference dataset 'ref' is local data"},
		{"a file", engine.Options{BackendReferences: map[string]string{"ref": "/data/aref.parquet"}}, "reference dataset 'ref' is not in the postgresql engine"},
		{"an S3 URL", engine.Options{BackendReferences: map[string]string{"ref": "s3://bucket/aref/"}}, "reference dataset 'ref' is not in the postgresql engine"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := postgres.Open(ctx, url(db, "ap"), postgres.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			res, err := engine.EvaluateOnBackend(ctx, rs, b, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if r := res.RuleResults[0]; r.Result != engine.Pass {
				t.Errorf("RowCount: %s %s", r.Result, r.EvaluationMessage)
			}
			for _, r := range res.RuleResults[1:] {
				if r.Result != engine.Error || !strings.HasPrefix(r.EvaluationMessage, "Cannot evaluate on postgresql: "+c.why) ||
					!strings.Contains(r.EvaluationMessage, "references must be tables of the same engine and database") || !strings.Contains(r.EvaluationMessage, "--engine duckdb") {
					t.Errorf("%s: %s %q", r.Description, r.Result, r.EvaluationMessage)
				}
			}
		})
	}
	t.Run("a table that does not exist", func(t *testing.T) {
		b, err := postgres.Open(ctx, url(db, "ap"), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		_, err = engine.EvaluateOnBackend(ctx, rs, b, engine.Options{BackendReferences: map[string]string{"ref": "public.nosuch"}})
		if err == nil || !strings.Contains(err.Error(), `describing the reference dataset "ref" on postgresql`) || !strings.Contains(err.Error(), "not found") {
			t.Errorf("err = %v", err)
		}
		var ue *engine.UnboundReferenceError
		if _, err := engine.EvaluateOnBackend(ctx, rs, b, engine.Options{}); !errors.As(err, &ue) {
			t.Errorf("unbound alias: %v", err)
		}
	})
}

// testPostgresCustomSqlWritesRefused: CustomSql that would write is
// refused before it reaches the server, and the READ ONLY transaction
// stops what the static check lets through; the table is untouched.
func testPostgresCustomSqlWritesRefused(t *testing.T, cluster *pgtest.Cluster) {
	ctx := context.Background()
	db, conn, duck := newDBWithDuck(t, cluster)
	if _, _, err := pgtest.CopyFromDuckDB(ctx, conn, duck, "ap", refTables["ap"]); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE SEQUENCE s"); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable&table=public.ap", cluster.User, cluster.Host, cluster.Port, db)
	b, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	rules := []string{
		`CustomSql "delete from primary" = 1`,
		`CustomSql "insert into primary values (9, 1.0, 'z')" = 1`,
		`CustomSql "drop table primary" = 1`,
		`CustomSql "with d as (delete from primary returning 1) select count(*) from d" = 1`,
		`CustomSql "with d as (update primary set price = 0 returning 1) select count(*) from d" = 1`,
		`CustomSql "select * into stolen from primary" = 1`,
		`CustomSql "select 1; drop table primary" = 1`,
		`CustomSql "truncate primary" = 1`,
		// Past the static check, stopped by the read-only transaction.
		`CustomSql "select nextval('s')" = 1`,
	}
	rs, err := dqdl.Parse("w.dqdl", "Rules = [\n"+strings.Join(rules, ",\n")+"\n]")
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.EvaluateOnBackend(ctx, rs, b, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.RuleResults {
		if r.Result != engine.Error || !strings.HasPrefix(r.EvaluationMessage, "Error executing SQL statement: ") {
			t.Errorf("%s: %s %q", r.Description, r.Result, r.EvaluationMessage)
		}
		t.Logf("%s → %s", r.Description, r.EvaluationMessage)
	}
	if m := res.RuleResults[len(rules)-1].EvaluationMessage; !strings.Contains(m, "read-only transaction") {
		t.Errorf("nextval: %q, want the read-only transaction's refusal", m)
	}
	// The Backend's own line of defence, without the static check.
	for _, q := range []string{
		"WITH d AS (DELETE FROM public.ap RETURNING 1) SELECT count(*) FROM d",
		"SELECT * INTO stolen FROM public.ap",
		"INSERT INTO public.ap VALUES (9, 1.0, 'z')",
	} {
		if _, _, err := b.QueryUser(ctx, q, 2); err == nil || !strings.Contains(err.Error(), "read-only transaction") {
			t.Errorf("%s: err = %v, want a read-only refusal", q, err)
		}
	}
	// The statement timeout bounds the user's statement too.
	slow, err := postgres.Open(ctx, url, postgres.Options{StatementTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	srs, err := dqdl.Parse("s.dqdl", `Rules = [ CustomSql "select count(*) from (select pg_sleep(5)) s" = 1, CustomSql "select count(*) from primary" = 4 ]`)
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	sres, err := engine.EvaluateOnBackend(ctx, srs, slow, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r := sres.RuleResults[0]; r.Result != engine.Error || !strings.Contains(r.EvaluationMessage, "statement_timeout") || time.Since(began) > 4*time.Second {
		t.Errorf("slow CustomSql: %s %q after %s", r.Result, r.EvaluationMessage, time.Since(began))
	}
	if r := sres.RuleResults[1]; r.Result != engine.Pass {
		t.Errorf("the next CustomSql, on the same connection: %s %q", r.Result, r.EvaluationMessage)
	}
	var n int
	var sum float64
	if err := conn.QueryRow(ctx, "SELECT count(*), sum(price) FROM ap").Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 4 || sum != 60 {
		t.Errorf("table changed: %d rows, sum %v", n, sum)
	}
	var stolen *string
	if err := conn.QueryRow(ctx, "SELECT to_regclass('stolen')::text").Scan(&stolen); err != nil || stolen != nil {
		t.Errorf("SELECT INTO created %v (%v)", stolen, err)
	}
	var called bool
	if err := conn.QueryRow(ctx, "SELECT is_called FROM s").Scan(&called); err != nil || called {
		t.Errorf("nextval ran: is_called = %v (%v)", called, err)
	}
}

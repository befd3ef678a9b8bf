package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// evalRefs evaluates src against the primary file with references bound
// by alias to files.
func evalRefs(t *testing.T, primary string, refs map[string]string, src string, opts Options) *Result {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	if opts.References == nil {
		opts.References = map[string]Source{}
	}
	for a, p := range refs {
		opts.References[a] = Files(p, FileOptions{})
	}
	res, err := Evaluate(context.Background(), parseRules(t, src), Files(primary, FileOptions{}), opts)
	if err != nil {
		t.Fatalf("Evaluate(%s): %v", src, err)
	}
	return res
}

// refCase is one rule evaluated alone against a primary and references.
func runRefCases(t *testing.T, primary string, refs map[string]string, cases []ruleCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			res := evalRefs(t, primary, refs, "Rules = [ "+c.rule+" ]", Options{})
			checkRule(t, res.RuleResults[0], c)
		})
	}
}

// crossScalar runs an independent query over several Parquet files, each
// visible as a view named by its key.
func crossScalar(t *testing.T, views map[string]string, query string) float64 {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, p := range views {
		if _, err := db.Exec("CREATE VIEW " + QuoteIdent(name) + " AS SELECT * FROM read_parquet(" + QuoteString(p) + ")"); err != nil {
			t.Fatal(err)
		}
	}
	var f sql.NullFloat64
	if err := db.QueryRow(query).Scan(&f); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if !f.Valid {
		return math.NaN()
	}
	return f.Float64
}

func TestReferentialIntegrity(t *testing.T) {
	// Primary keys 1, 2, 3, NULL, 5, 5; reference keys 1, 2, 2, 5, NULL.
	// Matching rows: 1, 2, 5, 5 → 4/6. The NULL key fails (it equals
	// nothing, not even the reference's NULL), the duplicate reference 2
	// counts once, the duplicate primary 5 twice.
	p := writeParquet(t, "p", "SELECT * FROM (VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c'), (NULL, 40, 'd'), (5, 50, 'e'), (5, 50, 'f')) v(k, k2, tag)")
	ref := writeParquet(t, "ref", "SELECT * FROM (VALUES (1, 10), (2, 20), (2, 21), (5, 99), (NULL, 40)) v(id, id2)")
	empty := writeParquet(t, "empty", "SELECT 1 AS id, 10 AS id2 WHERE false")
	strs := writeParquet(t, "strs", "SELECT * FROM (VALUES ('1'), ('2'), ('x'), (' 3')) v(s)")
	emptyP := writeParquet(t, "emptyp", "SELECT 1 AS k WHERE false")

	want := 4.0 / 6
	if got := crossScalar(t, map[string]string{"p": p, "ref": ref}, "SELECT avg(CASE WHEN EXISTS (SELECT 1 FROM ref WHERE ref.id = p.k) THEN 1.0 ELSE 0.0 END) FROM p"); got != want {
		t.Fatalf("independent SQL gives %v, hand count %v", got, want)
	}
	refs := map[string]string{"ref": ref, "empty": empty, "strs": strs}
	runRefCases(t, p, refs, []ruleCase{
		{rule: `ReferentialIntegrity "k" "ref.id" >= 0.6`, result: Pass, metrics: m("Column.ref.ReferentialIntegrity", want)},
		{rule: `ReferentialIntegrity "k" "ref.id" = 1.0`, result: Fail, msg: "Value: 0.6666666666666666 does not meet the constraint requirement.", metrics: m("Column.ref.ReferentialIntegrity", want)},
		// Tuples (1,10), (2,20) match; (5,50) does not (reference has (5,99));
		// (NULL,40) never matches → 2/6.
		{rule: `ReferentialIntegrity "k,k2" "ref.{id,id2}" = 1.0`, result: Fail, msg: "Value: 0.3333333333333333 does not meet the constraint requirement.", metrics: m("Column.ref.ReferentialIntegrity", 2.0/6)},
		{rule: `ReferentialIntegrity "k" "empty.id" > 0`, result: Fail, msg: "Value: 0.0 does not meet the constraint requirement.", metrics: m("Column.empty.ReferentialIntegrity", 0)},
		{rule: `ReferentialIntegrity "nope" "ref.id" = 1.0`, result: Fail, msg: "Input data does not include column nope!"},
		{rule: `ReferentialIntegrity "k" "ref.nope" = 1.0`, result: Fail, msg: "Reference dataset ref does not include column nope!"},
		{rule: `ReferentialIntegrity "k,k2" "ref.{id}" = 1.0`, result: Fail, msg: "Could not parse ReferenceDatasetColumns parameter: 2 primary columns against 1 reference columns"},
		{rule: `ReferentialIntegrity "k" "refid" = 1.0`, result: Fail, msg: "Could not parse ReferenceDatasetColumns parameter"},
	})

	t.Run("type-mismatched keys", func(t *testing.T) {
		// Primary strings '1', '2', 'x', ' 3' against reference INTEGERs
		// 1, 2, 2, 5, NULL: '1' and '2' cast and match; 'x' does not
		// cast; ' 3' casts to 3, absent → 2/4. And INTEGER primary keys
		// against the strings: 1 and 2 match, 3 (' 3' casts to 3)
		// matches, NULL and 5, 5 do not → 3/6.
		res := evalRefs(t, strs, map[string]string{"ref": ref}, `Rules = [ ReferentialIntegrity "s" "ref.id" = 0.5 ]`, Options{})
		checkRule(t, res.RuleResults[0], ruleCase{result: Pass, metrics: m("Column.ref.ReferentialIntegrity", 0.5)})
		res = evalRefs(t, p, map[string]string{"strs": strs}, `Rules = [ ReferentialIntegrity "k" "strs.s" = 0.5 ]`, Options{})
		checkRule(t, res.RuleResults[0], ruleCase{result: Pass, metrics: m("Column.strs.ReferentialIntegrity", 0.5)})
	})

	t.Run("empty primary", func(t *testing.T) {
		// Nothing dangles: 1.0, as Deequ's subset check.
		res := evalRefs(t, emptyP, map[string]string{"ref": ref}, `Rules = [ ReferentialIntegrity "k" "ref.id" = 1.0 ]`, Options{})
		checkRule(t, res.RuleResults[0], ruleCase{result: Pass, metrics: m("Column.ref.ReferentialIntegrity", 1)})
	})

	t.Run("row level marks the dangling rows", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "rows.parquet")
		res := evalRefs(t, p, map[string]string{"ref": ref}, `Rules = [ ReferentialIntegrity "k" "ref.id" = 1.0 ]`, Options{RowLevel: &RowLevelOptions{Path: out}})
		if got := failedTags(t, out); !slices.Equal(got, []string{"c", "d"}) {
			t.Errorf("failed rows %v, want c (3 not in reference) and d (NULL key)", got)
		}
		if res.AggregatedMetrics.TotalRowsFailed != 2 {
			t.Errorf("TotalRowsFailed = %v", res.AggregatedMetrics.TotalRowsFailed)
		}
	})
}

// failedTags reads a row-level output and returns the tag column of the
// failed rows, sorted.
func failedTags(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT tag FROM read_parquet(" + QuoteString(path) + ") WHERE DataQualityEvaluationResult = 'Failed' ORDER BY tag")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestDatasetMatch(t *testing.T) {
	// Keys 1..5 in the primary. The reference (keyed rid) lacks 4, has
	// a different name for 2, an equal NULL score for 3 (NULL = NULL by
	// hash), and an extra key 9. Full-row matches: 1, 3, 5 → 3/5; on
	// score alone: 1, 2, 3, 5 → 4/5.
	p := writeParquet(t, "p", `SELECT * FROM (VALUES (1, 'ann', 1.5, 'a'), (2, 'bob', 2.5, 'b'), (3, 'cy', NULL, 'c'), (4, 'dee', 4.5, 'd'), (5, 'eve', 5.5, 'e')) v(id, name, score, tag)`)
	ref := writeParquet(t, "ref", `SELECT * FROM (VALUES (1, 'ann', 1.5, 'a'), (2, 'BOB', 2.5, 'b'), (3, 'cy', NULL, 'c'), (5, 'eve', 5.5, 'e'), (9, 'zed', 9.5, 'z')) v(rid, name, score, tag)`)
	same := writeParquet(t, "same", `SELECT CAST(id AS BIGINT) AS id, name, CAST(score AS DECIMAL(4,1)) AS score, tag FROM (VALUES (1, 'ann', 1.5, 'a'), (2, 'bob', 2.5, 'b'), (3, 'cy', NULL, 'c'), (4, 'dee', 4.5, 'd'), (5, 'eve', 5.5, 'e')) v(id, name, score, tag)`)
	dupRef := writeParquet(t, "dupref", `SELECT * FROM (VALUES (1, 'ann'), (1, 'ann'), (2, 'bob')) v(id, name)`)
	dupP := writeParquet(t, "dupp", `SELECT * FROM (VALUES (1, 'ann'), (1, 'ann'), (2, 'bob')) v(id, name)`)
	emptyP := writeParquet(t, "emptyp", `SELECT 1 AS id, 'x' AS name WHERE false`)

	want := crossScalar(t, map[string]string{"p": p, "ref": ref},
		`SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ref r WHERE r.rid = p.id AND r.name IS NOT DISTINCT FROM p.name AND r.score IS NOT DISTINCT FROM p.score AND r.tag IS NOT DISTINCT FROM p.tag)) / count(*) FROM p`)
	if want != 3.0/5 {
		t.Fatalf("independent SQL gives %v, hand count 0.6", want)
	}
	refs := map[string]string{"ref": ref, "same": same, "dupref": dupRef}
	runRefCases(t, p, refs, []ruleCase{
		{rule: `DatasetMatch "ref" "id->rid" >= 0.6`, result: Pass, metrics: m("Dataset.ref.DatasetMatch", 0.6)},
		{rule: `DatasetMatch "ref" "id->rid" = 1.0`, result: Fail, msg: "Value: 0.6 does not meet the constraint requirement.", metrics: m("Dataset.ref.DatasetMatch", 0.6)},
		{rule: `DatasetMatch "ref" "id->rid" "score" = 0.8`, result: Pass, metrics: m("Dataset.ref.DatasetMatch", 0.8)},
		{rule: `DatasetMatch "ref" "id->rid" "name->name,tag" = 0.6`, result: Pass, metrics: m("Dataset.ref.DatasetMatch", 0.6)},
		// A copy with widened types (BIGINT key, DECIMAL score) matches
		// fully: numbers compare by value.
		{rule: `DatasetMatch "same" "id" = 1.0`, result: Pass, metrics: m("Dataset.same.DatasetMatch", 1)},
		{rule: `DatasetMatch "dupref" "id" "name" = 1.0`, result: Fail, msg: "Provided key map not suitable for given data frames"},
		{rule: `DatasetMatch "ref" "nope->rid" = 1.0`, result: Fail, msg: "Input data does not include column nope!"},
		{rule: `DatasetMatch "ref" "id->rid" "score->nope" = 1.0`, result: Fail, msg: "Reference dataset ref does not include column nope!"},
	})
	t.Run("duplicate primary keys", func(t *testing.T) {
		res := evalRefs(t, dupP, map[string]string{"ref": ref}, `Rules = [ DatasetMatch "ref" "id->rid" "name" = 1.0 ]`, Options{})
		checkRule(t, res.RuleResults[0], ruleCase{result: Fail, msg: "Provided key map not suitable for given data frames"})
	})
	t.Run("empty primary", func(t *testing.T) {
		res := evalRefs(t, emptyP, map[string]string{"ref": ref}, `Rules = [ DatasetMatch "ref" "id->rid" = 1.0 ]`, Options{})
		checkRule(t, res.RuleResults[0], ruleCase{result: Fail, msg: "Cannot evaluate: primary DataFrame is empty"})
	})
	t.Run("row level marks mismatched rows", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "rows.parquet")
		evalRefs(t, p, map[string]string{"ref": ref}, `Rules = [ DatasetMatch "ref" "id->rid" = 1.0 ]`, Options{RowLevel: &RowLevelOptions{Path: out}})
		if got := failedTags(t, out); !slices.Equal(got, []string{"b", "d"}) {
			t.Errorf("failed rows %v, want b (name differs) and d (key missing)", got)
		}
	})
}

func TestAggregateMatchRowCountMatchSchemaMatch(t *testing.T) {
	// Primary price 10, 20, 30, NULL (sum 60, avg 20); reference cost 12,
	// 18, 30 (sum 60, avg 20) plus zero-valued and empty references.
	p := writeParquet(t, "p", `SELECT * FROM (VALUES (1, 10.0, 'a'), (2, 20.0, 'b'), (3, 30.0, 'c'), (4, NULL, 'd')) v(id, price, tag)`)
	ref := writeParquet(t, "ref", `SELECT * FROM (VALUES (1, 12.0, 'a'), (2, 18.0, 'b'), (3, 30.0, 'c')) v(id, cost, tag)`)
	sref := writeParquet(t, "sref", `SELECT CAST(id AS BIGINT) AS id, CAST(price AS DECIMAL(9,3)) AS price, tag FROM (VALUES (1, 10.0, 'a')) v(id, price, tag)`)
	zero := writeParquet(t, "zero", `SELECT 0.0 AS price, 1 AS id, 'x' AS tag`)
	empty := writeParquet(t, "empty", `SELECT 1.0 AS price, 1 AS id, 'x' AS tag WHERE false`)
	wider := writeParquet(t, "wider", `SELECT 1 AS id, 1.0 AS price, 'x' AS tag, 2 AS extra`)
	refs := map[string]string{"ref": ref, "zero": zero, "empty": empty, "sref": sref, "wider": wider}

	sumP := crossScalar(t, map[string]string{"p": p}, "SELECT sum(price) FROM p")
	avgRatio := crossScalar(t, map[string]string{"p": p, "ref": ref}, "SELECT (SELECT avg(price) FROM p) / (SELECT avg(cost) FROM ref)")
	runRefCases(t, p, refs, []ruleCase{
		{rule: `AggregateMatch "sum(price)" "sum(ref.cost)" = 1.0`, result: Pass, metrics: m("Column.price,cost.AggregateMatch", sumP/60)},
		{rule: `AggregateMatch "avg(price)" "avg(ref.cost)" = 1.0`, result: Pass, metrics: m("Column.price,cost.AggregateMatch", avgRatio)},
		{rule: `AggregateMatch "sum(primary.price)" "avg(ref.cost)" = 3`, result: Pass, metrics: m("Column.price,cost.AggregateMatch", 3)},
		{rule: `AggregateMatch "AVG(price)" "SUM(price)" >= 0.5`, result: Fail, msg: "Value: 0.3333333333333333 does not meet the constraint requirement.", metrics: m("Column.price.AggregateMatch", 1.0/3)},
		// Glue's special cases: a zero denominator gives 0, both zero 1,
		// an empty side 0.
		{rule: `AggregateMatch "sum(price)" "sum(zero.price)" = 0`, result: Pass, metrics: m("Column.price.AggregateMatch", 0)},
		{rule: `AggregateMatch "sum(zero.price)" "avg(zero.price)" = 1`, result: Pass, metrics: m("Column.price.AggregateMatch", 1)},
		{rule: `AggregateMatch "sum(price)" "sum(empty.price)" > 0`, result: Fail, msg: "Value: 0.0 does not meet the constraint requirement.", metrics: m("Column.price.AggregateMatch", 0)},
		{rule: `AggregateMatch "sum(tag)" "sum(ref.cost)" > 0`, result: Fail, msg: wrongTypeMessage("tag", numericTypeList, "VARCHAR")},
		{rule: `AggregateMatch "max(price)" "sum(ref.cost)" > 0`, result: Fail, prefix: true, msg: "Could not parse aggregate expression"},

		{rule: `RowCountMatch "ref" = 1.0`, result: Fail, msg: "Value: 1.3333333333333333 does not meet the constraint requirement.", metrics: m("Dataset.ref.RowCountMatch", 4.0/3)},
		{rule: `RowCountMatch "ref" between 1.3 and 1.4`, result: Pass, metrics: m("Dataset.ref.RowCountMatch", 4.0/3)},
		// An empty reference gives +Inf, which JSON cannot carry: it
		// passes > and shows in the message only when failing.
		{rule: `RowCountMatch "empty" > 1`, result: Pass},
		{rule: `RowCountMatch "empty" < 1`, result: Fail, msg: "Value: Infinity does not meet the constraint requirement."},

		// id INTEGER vs BIGINT differ; price DECIMAL(3,1) vs DECIMAL(9,3)
		// are both decimal; tag matches → 2/3.
		{rule: `SchemaMatch "sref" = 1.0`, result: Fail, msg: "66.67% of columns passed the threshold", metrics: m("Dataset.sref.SchemaMatch", 2.0/3)},
		{rule: `SchemaMatch "sref" > 0.6`, result: Pass, metrics: m("Dataset.sref.SchemaMatch", 2.0/3)},
		// The reference names price cost: 2/3.
		{rule: `SchemaMatch "ref" = 1.0`, result: Fail, msg: "66.67% of columns passed the threshold", metrics: m("Dataset.ref.SchemaMatch", 2.0/3)},
		{rule: `SchemaMatch "wider" > 0`, result: Fail, msg: "Column counts do not match", metrics: m("Dataset.wider.SchemaMatch", 0)},
	})

	t.Run("CustomSql joins aliases", func(t *testing.T) {
		// Rows of p whose id is in ref: 1, 2, 3.
		res := evalRefs(t, p, map[string]string{"ref": ref}, `Rules = [ CustomSql "select count(*) from primary p join ref r on p.id = r.id" = 3 ]`, Options{})
		checkRule(t, res.RuleResults[0], ruleCase{result: Pass, metrics: m("Dataset.*.CustomSQL", 3)})
	})
	t.Run("both empty RowCountMatch is NaN", func(t *testing.T) {
		res := evalRefs(t, empty, map[string]string{"empty": empty}, `Rules = [ RowCountMatch "empty" = 1.0 ]`, Options{})
		checkRule(t, res.RuleResults[0], ruleCase{result: Fail, msg: "Value: NaN does not meet the constraint requirement."})
	})
}

func TestUnboundReferences(t *testing.T) {
	p := writeParquet(t, "p", `SELECT 1 AS id`)
	ctx := context.Background()
	cases := []struct {
		src  string
		want []string
	}{
		{`DataSources = { "Primary": "orders", "AdditionalDataSources": ["customers"] } Rules = [ RowCount > 0 ]`, []string{"customers"}},
		{`Rules = [ RowCountMatch "ref" = 1.0, ReferentialIntegrity "id" "other.id" = 1.0, AggregateMatch "sum(id)" "sum(third.id)" = 1, AggregateMatch "sum(primary.id)" "sum(id)" = 1 ]`, []string{"other", "ref", "third"}},
	}
	for _, c := range cases {
		_, err := Evaluate(ctx, parseRules(t, c.src), Files(p, FileOptions{}), Options{})
		var ue *UnboundReferenceError
		if !errors.As(err, &ue) || !slices.Equal(ue.Aliases, c.want) {
			t.Errorf("%s: err = %v, want unbound %v", c.src, err, c.want)
		}
		if _, err := Explain(ctx, parseRules(t, c.src), Files(p, FileOptions{}), Options{}); !errors.As(err, &ue) {
			t.Errorf("Explain: err = %v, want unbound", err)
		}
	}
	// The check happens before the primary is read: a missing primary file
	// is not what is reported.
	_, err := Evaluate(ctx, parseRules(t, cases[0].src), Files(filepath.Join(t.TempDir(), "missing.parquet"), FileOptions{}), Options{})
	var ue *UnboundReferenceError
	if !errors.As(err, &ue) {
		t.Errorf("err = %v, want unbound before reading data", err)
	}
	// Aliases ignore case, as DuckDB names do.
	res := evalRefs(t, p, map[string]string{"Customers": p}, cases[0].src, Options{})
	if !res.Passed() {
		t.Errorf("bound alias: %+v", res.RuleResults)
	}
}

func TestCatalog(t *testing.T) {
	dir := t.TempDir()
	p := writeParquet(t, "p", `SELECT * FROM (VALUES (1), (2), (3)) v(id)`)
	prod := writeParquet(t, "prod", `SELECT * FROM (VALUES (1), (2)) v(id)`)
	// Directory convention: <dir>/<db>/<table>.<ext> or <dir>/<db>/<table>/.
	if err := os.MkdirAll(filepath.Join(dir, "shop", "items"), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, prod, filepath.Join(dir, "shop", "products.parquet"))
	copyFile(t, prod, filepath.Join(dir, "shop", "items", "part-0.parquet"))
	jsonCat := filepath.Join(t.TempDir(), "catalog.json")
	if err := os.WriteFile(jsonCat, []byte(`{"mysql_s3_db.s3_products": "`+prod+`", "db.t": {"path": "`+prod+`", "format": "parquet"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	src := `Rules = [ ReferentialIntegrity "id" "%s.id" >= 0.6, RowCountMatch "%s" = 1.5 ]`
	for _, c := range []struct{ catalog, table string }{
		{dir, "shop.products"}, {dir, "shop.items"}, {jsonCat, "mysql_s3_db.s3_products"}, {jsonCat, "DB.T"},
	} {
		cat, err := LocalCatalog(c.catalog)
		if err != nil {
			t.Fatal(err)
		}
		res := evalRefs(t, p, nil, fmt.Sprintf(src, c.table, c.table), Options{Catalog: cat})
		for _, rr := range res.RuleResults {
			if rr.Result != Pass {
				t.Errorf("%s via %s: %s %s %s", c.table, c.catalog, rr.Description, rr.Result, rr.EvaluationMessage)
			}
		}
	}
	cat, _ := LocalCatalog(dir)
	_, err := Evaluate(context.Background(), parseRules(t, fmt.Sprintf(src, "shop.nothing", "shop.nothing")), Files(p, FileOptions{}), Options{Catalog: cat})
	var ue *UnboundReferenceError
	if !errors.As(err, &ue) || ue.Aliases[0] != "shop.nothing" {
		t.Errorf("unknown table: %v", err)
	}
	if _, err := cat.Lookup(context.Background(), "..", "x"); !errors.Is(err, ErrNotInCatalog) {
		t.Errorf("path escape: %v", err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

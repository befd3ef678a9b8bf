package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dqlabs/dq/engine/statecache"
)

// schemaRules read every column kind the test files have, in rules that
// merge per file and rules that read every file.
const schemaRules = `Rules = [
	RowCount > 0,
	ColumnCount = 3,
	IsComplete "id",
	Sum "id" > 0,
	Mean "v" between -1000 and 1000,
	StandardDeviation "v" >= 0,
	ColumnLength "s" <= 12,
	IsUnique "id",
	DistinctValuesCount "s" > 1
]`

// schemaRun registers dir with the state cache and evaluates schemaRules,
// then again in a session without the cache (union_by_name, as before the
// schema cache), and compares the two. It returns the view's reader and
// whether the state cache found the files uniform, and whether the
// registration knew the columns without asking DuckDB (and so left the
// view for when DuckDB had started).
func schemaRun(t *testing.T, name, dir string, store *statecache.Store) (read string, uniform, known bool) {
	t.Helper()
	ctx := context.Background()
	rs := parseRules(t, schemaRules)
	eval := func(opts Options) (*Result, *Session, *Dataset) {
		sess, ds, err := openPrimary(ctx, Files(dir, FileOptions{}), opts, RulesetColumnNeed(rs, false))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if opts.StateCache != nil {
			// Only a registration that asked DuckDB nothing leaves its
			// view pending.
			known = len(sess.pending) > 0
		}
		t.Cleanup(func() { sess.Close() })
		res, err := EvaluateOn(ctx, sess, rs, ds, opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return res, sess, ds
	}
	got, _, ds := eval(Options{Now: testNow, StateCache: store})
	cold, _, coldDS := eval(Options{Now: testNow})
	if !slices.Equal(ds.Columns, coldDS.Columns) {
		t.Errorf("%s: columns %v, want %v", name, ds.Columns, coldDS.Columns)
	}
	sameResults(t, name, got, cold)
	if strings.Contains(coldDS.state.read, "union_by_name") != (len(coldDS.state.files) > 1) {
		t.Errorf("%s: the reader without the cache is %s", name, coldDS.state.read)
	}
	return ds.state.read, ds.state.uniform, known
}

// TestSchemaCache: a dataset whose Parquet files all have the same columns
// is read without union_by_name once their columns are cached, and every
// run equals a run without the cache. Files that differ in a column's
// type, order or presence keep union_by_name; so does a run with more
// files to describe than maxSchemaDescribes, which caches that many.
func TestSchemaCache(t *testing.T) {
	dir := t.TempDir()
	store, db := stateEnv(t)
	write := parquetWriter(t, db, dir)
	day := func(i int) string {
		return write(fmt.Sprintf("day%02d.parquet", i), fmt.Sprintf(
			"SELECT %d * 1000 + r AS id, CASE WHEN r %% 4 = 0 THEN NULL ELSE (r * 7 %% 23) / 3 END::DOUBLE AS v, 'ü' || repeat('x', r %% 5) AS s FROM range(%d) t(r)", i, 10+i))
	}
	day(1)
	day(2)
	read, uniform, _ := schemaRun(t, "two files", dir, store)
	if !uniform || strings.Contains(read, "union_by_name") {
		t.Errorf("two files of the same columns: uniform %v, reader %s", uniform, read)
	}
	if _, _, known := schemaRun(t, "two files, cached", dir, store); !known {
		t.Error("two cached files: columns not known without DuckDB")
	}
	// A new file written like the others: its footer's schema
	// fingerprint names the columns, with no DESCRIBE.
	day(3)
	if _, uniform, known := schemaRun(t, "a new file", dir, store); !uniform || !known {
		t.Errorf("a new file of the same columns: uniform %v, known without DuckDB %v", uniform, known)
	}
	// An empty file has the columns too.
	write("day04.parquet", "SELECT 1::BIGINT AS id, 1.5::DOUBLE AS v, 'a' AS s WHERE false")
	if _, uniform, _ = schemaRun(t, "an empty file", dir, store); !uniform {
		t.Error("an empty file of the same columns: not uniform")
	}

	for _, c := range []struct{ name, query string }{
		{"an INTEGER id", "SELECT r::INTEGER AS id, r::DOUBLE AS v, 'q' AS s FROM range(5) t(r)"},
		{"another order", "SELECT 's' AS s, r::DOUBLE AS v, r + 90000 AS id FROM range(5) t(r)"},
		{"a missing column", "SELECT r + 80000 AS id, 'm' AS s FROM range(5) t(r)"},
		{"another case", "SELECT r + 70000 AS ID, r::DOUBLE AS v, 'c' AS s FROM range(5) t(r)"},
	} {
		p := write("odd.parquet", c.query)
		read, uniform, _ := schemaRun(t, c.name, dir, store)
		if uniform || !strings.Contains(read, "union_by_name = true") {
			t.Errorf("%s: uniform %v, reader %s", c.name, uniform, read)
		}
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	if _, uniform, _ = schemaRun(t, "the odd file removed", dir, store); !uniform {
		t.Error("after removing the odd file: not uniform")
	}

	// A file rewritten in place with other columns is described again.
	write("day02.parquet", "SELECT r AS id, 'w' AS s, r::DOUBLE AS v FROM range(3) t(r)")
	if _, uniform, _ = schemaRun(t, "a rewritten file", dir, store); uniform {
		t.Error("a file rewritten with another column order: uniform")
	}
	day(2)

	// Damaged entries are misses: the files are described again.
	damageStore(t, store)
	if _, uniform, known := schemaRun(t, "a damaged cache", dir, store); !uniform || known {
		t.Errorf("after damaging the cache: uniform %v, known without DuckDB %v", uniform, known)
	}

	// More files to describe than one run describes: that run binds the
	// whole dataset as before and caches maxSchemaDescribes of them; the
	// next describes the rest. (Each file's footer has metadata of its
	// own, so that no two share a schema fingerprint.)
	many := t.TempDir()
	for i := range maxSchemaDescribes + 3 {
		p := filepath.Join(many, fmt.Sprintf("part%03d.parquet", i))
		if _, err := db.Exec("COPY (SELECT " + fmt.Sprint(i) + " * 10 + r AS id, r / 2 AS v, 'p' || r AS s FROM range(3) t(r)) TO " + QuoteString(p) + " (FORMAT parquet, KV_METADATA {part: " + fmt.Sprint(i) + "})"); err != nil {
			t.Fatal(err)
		}
	}
	if _, uniform, _ = schemaRun(t, "many files, first run", many, store); uniform {
		t.Error("first run over more files than maxSchemaDescribes: uniform")
	}
	if _, uniform, _ = schemaRun(t, "many files, second run", many, store); !uniform {
		t.Error("second run over many files: not uniform")
	}

	// Files written alike share their footers' schema fingerprint: the
	// first run describes one file per fingerprint, and so is uniform
	// however many files there are.
	alike := t.TempDir()
	for i := range maxSchemaDescribes + 3 {
		p := filepath.Join(alike, fmt.Sprintf("part%03d.parquet", i))
		if _, err := db.Exec("COPY (SELECT " + fmt.Sprint(i) + " * 10 + r AS id, r / 2 AS v, 'p' || r AS s FROM range(3) t(r)) TO " + QuoteString(p) + " (FORMAT parquet)"); err != nil {
			t.Fatal(err)
		}
	}
	if _, uniform, _ = schemaRun(t, "many files written alike, first run", alike, store); !uniform {
		t.Error("first run over many files written alike: not uniform")
	}
}

func TestColumnsEncoding(t *testing.T) {
	cols := []Column{{"id", "BIGINT"}, {"naïve column", "STRUCT(a INTEGER, \"b c\" VARCHAR[])"}, {"", "DOUBLE"}}
	b := encodeColumns(cols)
	got, ok := decodeColumns(b)
	if !ok || !slices.Equal(got, cols) {
		t.Fatalf("round trip: %v %v", got, ok)
	}
	if got, ok := decodeColumns(encodeColumns(nil)); !ok || len(got) != 0 {
		t.Errorf("no columns: %v %v", got, ok)
	}
	for n := range len(b) {
		if got, ok := decodeColumns(b[:n]); ok {
			t.Errorf("truncated to %d bytes: decoded %v", n, got)
		}
	}
	if _, ok := decodeColumns(append(b, 0)); ok {
		t.Error("trailing byte: decoded")
	}
	if _, ok := decodeColumns([]byte{0xff, 0xff, 0xff, 0xff, 0x0f}); ok {
		t.Error("a huge count: decoded")
	}
	if _, ok := decodeColumns(nil); ok {
		t.Error("nil: decoded")
	}
}

// countingQuerier counts the statements sent to a real connection.
type countingQuerier struct {
	q querier
	n int
}

func (c *countingQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.n++
	return c.q.QueryContext(ctx, query, args...)
}

// TestComponentTypesCached: the component types of a scope are asked of
// DuckDB once; the next run takes them from the state cache, with the
// same verdicts on what merges, and a damaged entry is asked again.
func TestComponentTypesCached(t *testing.T) {
	store, db := stateEnv(t)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	from := `(SELECT 1.25::DECIMAL(10,2) AS x, 2.5::DOUBLE AS y, 'a' AS s, DATE '2024-01-02' AS d, 7::INTEGER AS i) t`
	comps := func() []*component {
		return []*component{
			{kind: statecache.KindSum, fn: "sum", args: `"x"`},
			{kind: statecache.KindSum, fn: "sum", args: `"y"`},
			{kind: statecache.KindMin, fn: "min", args: `"s"`}, // VARCHAR: does not survive CAST(... AS DOUBLE)
			{kind: statecache.KindMax, fn: "max", args: `"d"`}, // DATE: not cast to DOUBLE
			{kind: statecache.KindMax, fn: "max", args: `"i"`},
			{kind: statecache.KindSum, fn: "sum", args: `"no_such"`}, // does not bind
			{kind: statecache.KindCount, fn: "count", args: `"y"`},
		}
	}
	inc := &incremental{store: store, scope: "test scope"}
	run := func(name string, wantStatements int) (types []string, bad map[string]bool) {
		t.Helper()
		cq := &countingQuerier{q: conn}
		cs := comps()
		bad, err := inc.componentTypes(ctx, cq, from, cs)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if wantStatements >= 0 && cq.n != wantStatements || wantStatements < 0 && cq.n == 0 {
			t.Errorf("%s: %d statements, want %d (-1: some)", name, cq.n, wantStatements)
		}
		for _, c := range cs {
			types = append(types, c.typ)
		}
		return types, bad
	}
	types, bad := run("first", -1)
	if want := []string{"DECIMAL(38,2)", "DOUBLE", "VARCHAR", "DATE", "INTEGER", "", "BIGINT"}; !slices.Equal(types, want) {
		t.Errorf("types %q, want %q", types, want)
	}
	wantBad := map[string]bool{`min:min("s")`: true, `max:max("d")`: true, `sum:sum("no_such")`: true}
	if len(bad) != len(wantBad) {
		t.Errorf("bad %v, want %v", bad, wantBad)
	}
	for k := range wantBad {
		if !bad[k] {
			t.Errorf("bad %v lacks %s", bad, k)
		}
	}
	types2, bad2 := run("second", 0)
	if !slices.Equal(types2, types) || len(bad2) != len(bad) {
		t.Errorf("from the cache: types %q bad %v, want %q %v", types2, bad2, types, bad)
	}
	// Another scope asks again.
	inc.scope = "other scope"
	run("another scope", -1)
	// A damaged entry is a miss.
	damageStore(t, store)
	run("damaged", -1)
	run("after damage", 0)
}

// TestPendingViewFails: a registration that knew its columns from the
// cache leaves its view for when DuckDB has started; a view that then
// cannot be created (its first file gone meanwhile) fails the run with the
// source's error, as the registration would have failed, and no statement
// runs on the half-registered session.
func TestPendingViewFails(t *testing.T) {
	dir := t.TempDir()
	store, db := stateEnv(t)
	write := parquetWriter(t, db, dir)
	for i := 1; i <= 3; i++ {
		write(fmt.Sprintf("day%02d.parquet", i), fmt.Sprintf("SELECT %d * 100 + r AS id, r::DOUBLE AS v, 'x' AS s FROM range(10) t(r)", i))
	}
	schemaRun(t, "warm", dir, store) // caches the columns
	ctx := context.Background()
	rs := parseRules(t, schemaRules)
	opts := Options{Now: testNow, StateCache: store}
	sess, ds, err := openPrimary(ctx, Files(dir, FileOptions{}), opts, RulesetColumnNeed(rs, false))
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if len(sess.pending) == 0 {
		t.Fatal("the registration did not leave its view for later")
	}
	if err := os.Remove(filepath.Join(dir, "day01.parquet")); err != nil {
		t.Fatal(err)
	}
	_, err = EvaluateOn(ctx, sess, rs, ds, opts)
	var se *SourceError
	if !errors.As(err, &se) || se.Location != dir {
		t.Fatalf("evaluating after the first file vanished: %v (%T), want a SourceError for %s", err, err, dir)
	}
	if err2 := sess.Ready(ctx); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("Ready after the failure: %v, want %v", err2, err)
	}
	// The session was sealed all the same: the connection reads no file
	// outside the dataset.
	outside := write("outside.parquet", "SELECT 1 AS x")
	if _, err := sess.Conn().ExecContext(ctx, "SELECT * FROM read_parquet("+QuoteString(outside)+")"); err == nil {
		t.Error("after the failed registration, the connection read a file outside the dataset")
	}
}

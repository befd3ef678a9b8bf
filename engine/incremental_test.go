package engine

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine/statecache"
)

// stateRules mixes rules whose metrics merge per file with rules that must
// rescan (distinct counts, uniqueness, CustomSql, DataFreshness, a where
// clause with a subquery) so that both paths run in one plan.
const stateRules = `Rules = [
	RowCount > 0,
	IsComplete "id",
	Completeness "score" > 0.5,
	Mean "score" between -1000 and 1000,
	Mean "qty" > 0,
	Sum "amount" > 0,
	Sum "qty" > 0,
	Sum "score" > -100000,
	StandardDeviation "score" < 1000,
	Variance "amount" >= 0,
	StandardDeviation "qty" > 0 where "cat = 'b'",
	ColumnValues "score" between -50 and 150,
	ColumnValues "amount" > 0 where "id > 10",
	ColumnValues "cat" in ["a", "b", "c"],
	ColumnValues "qty" <= 40,
	ColumnLength "name" <= 8,
	ColumnCorrelation "score" "qty" > -2,
	ColumnCorrelation "amount" "qty" > 0 where "cat <> 'c'",
	IsUnique "id",
	DistinctValuesCount "name" > 1,
	CustomSql "select count(*) from primary" > 0,
	DataFreshness "ts" <= 30 days,
	(Mean "qty" > 1) or (Sum "amount" < 0)
]
Analyzers = [ Sum "qty", StandardDeviation "amount" ]`

// stateEnv opens an empty state cache and a DuckDB for writing test
// files; both are closed with the test.
func stateEnv(t *testing.T) (*statecache.Store, *sql.DB) {
	t.Helper()
	store, err := statecache.Open(statecache.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return store, db
}

// parquetWriter returns a function writing a query's rows to a Parquet
// file of dir, returning its path.
func parquetWriter(t *testing.T, db *sql.DB, dir string) func(name, query string) string {
	return func(name, query string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if _, err := db.Exec("COPY (" + query + ") TO " + QuoteString(p) + " (FORMAT parquet)"); err != nil {
			t.Fatal(err)
		}
		return p
	}
}

// damageStore overwrites every entry of the store with garbage.
func damageStore(t *testing.T, store *statecache.Store) {
	t.Helper()
	des, err := os.ReadDir(store.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		if err := os.WriteFile(filepath.Join(store.Dir(), de.Name()), []byte("garbage"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// evalWithAndWithout evaluates rs on ds in sess with the state cache and
// cold, closes the session, and returns both results and how many files
// the state cache read (-1: it was not used).
func evalWithAndWithout(t *testing.T, sess *Session, rs *dqdl.Ruleset, ds *Dataset, store *statecache.Store) (got, cold *Result, scanned int) {
	t.Helper()
	defer sess.Close()
	ctx := context.Background()
	scanned = -1
	got, err := EvaluateOn(ctx, sess, rs, ds, Options{Now: testNow, StateCache: store, Progress: func(p Progress) {
		if p.Stage == "files" {
			scanned = p.Done
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if cold, err = EvaluateOn(ctx, sess, rs, ds, Options{Now: testNow}); err != nil {
		t.Fatal(err)
	}
	return got, cold, scanned
}

// stateFile writes day i's Parquet file: n rows with NULLs, unicode,
// decimals, integers and, from day 20, a NaN score. Day 5 is empty.
func stateFile(t *testing.T, db *sql.DB, dir string, i int, salt int) string {
	t.Helper()
	n := 40 + 7*i
	if i == 5 {
		n = 0
	}
	nan := ""
	if i >= 20 {
		nan = " WHEN r = 3 THEN 'NaN'::DOUBLE"
	}
	q := fmt.Sprintf(`SELECT %[1]d * 1000 + r AS id,
		CASE WHEN r %% 9 = 0 THEN NULL%[3]s ELSE ((r * 37 + %[1]d * 11 + %[4]d) %% 200) / 1.7 - 20 END::DOUBLE AS score,
		((r * 13 + %[1]d) %% 5000 + 1)::DECIMAL(12,2) / 100 AS amount,
		((r * 7 + %[1]d + %[4]d) %% 41)::INTEGER AS qty,
		CASE WHEN r %% 11 = 0 THEN NULL WHEN r %% 3 = 0 THEN 'zoë' ELSE 'n' || (r %% 17) END AS name,
		['a', 'b', 'c'][1 + (r + %[1]d) %% 3] AS cat,
		TIMESTAMP '2024-05-01' + INTERVAL (r + %[1]d) HOUR AS ts
		FROM range(%[2]d) t(r)`, i, n, nan, salt)
	p := filepath.Join(dir, fmt.Sprintf("day%02d.parquet", i))
	if _, err := db.Exec("COPY (" + q + ") TO " + QuoteString(p) + " (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
	return p
}

// stateEval evaluates stateRules over dir with the state cache and
// without it (cold), each in its own session as dq eval would (with the
// cache, the files' columns come from it too: schemacache.go), and
// returns both results and how many files the state cache read (-1: it
// was not used).
func stateEval(t *testing.T, dir string, store *statecache.Store) (got, cold *Result, scanned int) {
	t.Helper()
	ctx := context.Background()
	rs := parseRules(t, stateRules)
	scanned = -1
	opts := Options{Now: testNow, StateCache: store, Progress: func(p Progress) {
		if p.Stage == "files" {
			scanned = p.Done
		}
	}}
	eval := func(opts Options) *Result {
		sess, ds, err := openPrimary(ctx, Files(dir, FileOptions{}), opts, RulesetColumnNeed(rs, false))
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		res, err := EvaluateOn(ctx, sess, rs, ds, opts)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	return eval(opts), eval(Options{Now: testNow}), scanned
}

// sameResults compares every rule's and analyzer's outcome, message and
// metrics. Floating-point values, in metrics and in messages, may differ
// by 1e-12 relative: per-file sums and moments are merged in another order
// than DuckDB's threads add them. Correlations also get 1e-14 absolute: a
// correlation near 0 is a difference of large co-moment terms, and no
// summation order makes its last digits reproducible.
func sameResults(t *testing.T, run string, got, want *Result) {
	t.Helper()
	if len(got.RuleResults) != len(want.RuleResults) || len(got.AnalyzerResults) != len(want.AnalyzerResults) {
		t.Fatalf("%s: %d rules and %d analyzers, want %d and %d", run, len(got.RuleResults), len(got.AnalyzerResults), len(want.RuleResults), len(want.AnalyzerResults))
	}
	metrics := func(what string, g, w map[string]float64) {
		if len(g) != len(w) {
			t.Errorf("%s: %s: metrics %v, want %v", run, what, g, w)
			return
		}
		for k, wv := range w {
			gv, ok := g[k]
			abs := 0.0
			if strings.HasSuffix(k, "Correlation") {
				abs = 1e-14
			}
			if !ok || !closeRel(gv, wv, 1e-12, abs) {
				t.Errorf("%s: %s: metric %s = %v, want %v", run, what, k, gv, wv)
			}
		}
	}
	for i, w := range want.RuleResults {
		g := got.RuleResults[i]
		if g.Result != w.Result || !sameMessage(g.EvaluationMessage, w.EvaluationMessage) {
			t.Errorf("%s: %s: %s %q, want %s %q", run, w.Description, g.Result, g.EvaluationMessage, w.Result, w.EvaluationMessage)
		}
		metrics(w.Description, g.EvaluatedMetrics, w.EvaluatedMetrics)
	}
	for i, w := range want.AnalyzerResults {
		g := got.AnalyzerResults[i]
		if !sameMessage(g.EvaluationMessage, w.EvaluationMessage) {
			t.Errorf("%s: %s: message %q, want %q", run, w.Description, g.EvaluationMessage, w.EvaluationMessage)
		}
		metrics(w.Description, g.EvaluatedMetrics, w.EvaluatedMetrics)
	}
}

var messageNumber = regexp.MustCompile(`-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?`)

// sameMessage compares messages exactly, except that the numbers in them
// may differ as metrics may.
func sameMessage(a, b string) bool {
	if messageNumber.ReplaceAllString(a, "#") != messageNumber.ReplaceAllString(b, "#") {
		return false
	}
	na, nb := messageNumber.FindAllString(a, -1), messageNumber.FindAllString(b, -1)
	for i := range na {
		x, _ := strconv.ParseFloat(na[i], 64)
		y, _ := strconv.ParseFloat(nb[i], 64)
		if !closeRel(x, y, 1e-12, 1e-14) {
			return false
		}
	}
	return true
}

func closeRel(a, b, rel, abs float64) bool {
	if a == b || math.IsNaN(a) && math.IsNaN(b) {
		return true
	}
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))+abs
}

// TestStateCacheThirtyRuns grows a dataset by one Parquet file per run for
// 30 runs; each run with the state cache must equal a cold run without it,
// and read only the new file. Then a file is rewritten in place, one is
// deleted, and the cache is damaged.
func TestStateCacheThirtyRuns(t *testing.T) {
	dir := t.TempDir()
	store, db := stateEnv(t)
	for i := 1; i <= 30; i++ {
		stateFile(t, db, dir, i, 0)
		got, want, scanned := stateEval(t, dir, store)
		run := fmt.Sprintf("run %d", i)
		sameResults(t, run, got, want)
		// Each run reads only the new file (the first run's one file is
		// cached too), except run 20: its NaN makes the Parquet footers'
		// bounds of score untrusted, so an expression answered from
		// metadata until then joins the scan, and every file is read
		// once for it.
		if want := map[int]int{20: 20}[i]; want == 0 && scanned != 1 || want != 0 && scanned != want {
			t.Errorf("%s: the state cache read %d files", run, scanned)
		}
		if i == 30 {
			// Both paths ran: some rules failed, the NaN reached the stats.
			passed, failed, _ := got.Counts()
			if passed == 0 || failed == 0 {
				t.Errorf("run 30: %d passed, %d failed; the data should make both happen", passed, failed)
			}
		}
	}

	// A file rewritten under the same name, with the same size and its old
	// modification time, is read again.
	p := filepath.Join(dir, "day07.parquet")
	st, _ := os.Stat(p)
	time.Sleep(5 * time.Millisecond)
	stateFile(t, db, dir, 7, 3)
	_ = os.Chtimes(p, st.ModTime(), st.ModTime())
	got, want, scanned := stateEval(t, dir, store)
	sameResults(t, "rewritten file", got, want)
	if scanned != 1 {
		t.Errorf("rewritten file: read %d files, want 1", scanned)
	}

	// A deleted file drops out; nothing needs reading.
	if err := os.Remove(filepath.Join(dir, "day12.parquet")); err != nil {
		t.Fatal(err)
	}
	got, want, scanned = stateEval(t, dir, store)
	sameResults(t, "deleted file", got, want)
	if scanned != 0 {
		t.Errorf("deleted file: read %d files, want 0", scanned)
	}

	// Damaged entries cost a rescan, never a wrong result.
	des, err := os.ReadDir(store.Dir())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, de := range des {
		if !strings.HasSuffix(de.Name(), ".st") {
			continue // the store's size marks
		}
		n++
		b, err := os.ReadFile(filepath.Join(store.Dir(), de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		switch n % 3 {
		case 0:
			b = b[:len(b)/2]
		case 1:
			b[len(b)-1] ^= 0x40
		default:
			b = []byte("garbage")
		}
		if err := os.WriteFile(filepath.Join(store.Dir(), de.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, want, scanned = stateEval(t, dir, store)
	sameResults(t, "damaged cache", got, want)
	if scanned != 29 {
		t.Errorf("damaged cache: read %d files, want all 29", scanned)
	}
}

// TestStateCacheSingleFile: a dataset of one file is cached too. A re-run
// of the unchanged file reads it only for what does not merge; the file
// rewritten in place (same name, size and modification time, other
// values) is read again, in one statement with the expressions that do
// not merge, and every run equals a cold evaluation.
func TestStateCacheSingleFile(t *testing.T) {
	dir := t.TempDir()
	store, db := stateEnv(t)
	p := stateFile(t, db, dir, 21, 0) // with NULLs and a NaN score
	var first *Result
	for run, want := range []int{1, 0} {
		got, cold, scanned := stateEval(t, dir, store)
		sameResults(t, fmt.Sprintf("run %d", run), got, cold)
		if scanned != want {
			t.Errorf("run %d: read %d files, want %d", run, scanned, want)
		}
		first = got
	}
	st, _ := os.Stat(p)
	time.Sleep(5 * time.Millisecond)
	// Other values in a file of the same size: the salt that gives one.
	for salt := 1; ; salt++ {
		stateFile(t, db, dir, 21, salt)
		if st2, _ := os.Stat(p); st2.Size() == st.Size() {
			break
		}
		if salt == 200 {
			t.Fatal("no salt rewrites the file with its old size")
		}
	}
	_ = os.Chtimes(p, st.ModTime(), st.ModTime())
	got, cold, scanned := stateEval(t, dir, store)
	sameResults(t, "rewritten file", got, cold)
	if scanned != 1 {
		t.Errorf("rewritten file: read %d files, want 1", scanned)
	}
	// The rewrite changed the values: a cached state would show.
	mean := func(r *Result) float64 { return r.RuleResults[4].EvaluatedMetrics["Column.qty.Mean"] }
	if mean(got) == mean(first) {
		t.Errorf("Mean qty is %v before and after the rewrite; the test data should change it", mean(got))
	}
}

// TestStateCacheCSVTypesPinned: per-file reads of CSV use the types pinned
// for the whole dataset. A later file with a decimal widens a column from
// BIGINT to DOUBLE: the scope changes and every file is read again.
func TestStateCacheCSVTypesPinned(t *testing.T) {
	dir := t.TempDir()
	store, err := statecache.Open(statecache.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const rules = `Rules = [ Sum "x" > 0, Mean "x" > 0, ColumnValues "x" <= 100, Completeness "s" > 0.1, ColumnLength "s" <= 5 ]`
	eval := func(st *statecache.Store) (*Result, int) {
		scanned := -1
		res, err := Evaluate(context.Background(), parseRules(t, rules), Files(dir, FileOptions{}), Options{Now: testNow, StateCache: st,
			Progress: func(p Progress) {
				if p.Stage == "files" {
					scanned = p.Done
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		return res, scanned
	}
	write("a.csv", "x,s\n1,\n2,ab\n3,héllo\n")
	write("b.csv", "x,s\n4,x\n,y\n")
	for step, want := range []int{2, 1, 4, 0} {
		switch step {
		case 1:
			write("c.csv", "x,s\n5,\n")
		case 2:
			write("d.csv", "x,s\n2.5,zz\n")
		}
		got, scanned := eval(store)
		cold, _ := eval(nil)
		sameResults(t, fmt.Sprintf("step %d", step), got, cold)
		if scanned != want {
			t.Errorf("step %d: read %d files, want %d", step, scanned, want)
		}
	}
}

func TestExplainSaysWhatIsIncremental(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stateFile(t, db, dir, 1, 0)
	stateFile(t, db, dir, 2, 0)
	store, err := statecache.Open(statecache.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := Explain(context.Background(), parseRules(t, stateRules), Files(dir, FileOptions{}), Options{Now: testNow, StateCache: store})
	if err != nil {
		t.Fatal(err)
	}
	text := pl.String()
	for _, want := range []string{
		"-- state cache: Parquet footer statistics are kept per file (2 files): only the footers of new or changed files are parsed",
		"-- state cache: the 2 files have the same columns (kept per file): they are read without union_by_name",
		"-- state cache: query 1 is incremental for ",
		"read every file: depends on the run instant or other state",
		"(grouping)",
		"(custom) read every file (not mergeable per file)",
		"state cache: queries 2 (grouping), ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("explain lacks %q:\n%s", want, text[strings.Index(text, "-- state cache"):])
		}
	}
}

// TestStateCacheNarrowRead: a new file is read alone (its reader over
// just that file) only when that gives its rows the dataset's columns and
// types; a file whose column is INTEGER in a dataset where it is BIGINT,
// a file without a column, or with its columns in another order, is read
// through the whole dataset's reader instead. Every run equals a cold one
// and reads only the new file (and the files whose states lack an
// expression the footers no longer answer).
func TestStateCacheNarrowRead(t *testing.T) {
	dir := t.TempDir()
	store, db := stateEnv(t)
	write := parquetWriter(t, db, dir)
	const rules = `Rules = [ Sum "x" > 0, StandardDeviation "x" > 0, Mean "y" > 0, Completeness "y" > 0.1, ColumnLength "s" <= 10, ColumnValues "x" between 0 and 1000000 ]`
	steps := []struct {
		name, query string
		narrow      bool
		scanned     int
	}{
		{"a.parquet", "SELECT r * 1000000000000 AS x, r / 3 AS y, 'é' || r AS s FROM range(50) t(r)", true, 1},
		// INTEGER x, no y. The footers' bounds of x (INT64 and INT32)
		// no longer combine: min(x) and max(x) are scanned from now on,
		// in both files.
		{"b.parquet", "SELECT CAST(r AS INTEGER) AS x, 'ü' AS s FROM range(30) t(r)", false, 2},
		{"c.parquet", "SELECT 'z' || r AS s, r * 2.5 AS y, r AS x FROM range(20) t(r)", false, 1},                                  // another order
		{"d.parquet", "SELECT r + 7 AS x, CASE WHEN r % 2 = 0 THEN NULL ELSE r END AS y, NULL AS s FROM range(40) t(r)", false, 1}, // s is INTEGER here
		{"e.parquet", "SELECT r AS x, r / 7 AS y, 'ö' AS s FROM range(60) t(r)", true, 1},
	}
	ctx := context.Background()
	for _, st := range steps {
		p := write(st.name, st.query)
		rs := parseRules(t, rules)
		sess, ds, err := openPrimary(ctx, Files(dir, FileOptions{}), Options{}, RulesetColumnNeed(rs, false))
		if err != nil {
			t.Fatal(err)
		}
		inc, why := newIncremental(ds, store)
		if inc == nil {
			t.Fatal(why)
		}
		if got := inc.narrowRead(ctx, sess.Conn(), []string{p}) != ""; got != st.narrow {
			t.Errorf("%s: read alone = %v, want %v", st.name, got, st.narrow)
		}
		got, cold, scanned := evalWithAndWithout(t, sess, rs, ds, store)
		sameResults(t, st.name, got, cold)
		if scanned != st.scanned {
			t.Errorf("%s: read %d files, want %d", st.name, scanned, st.scanned)
		}
	}
}

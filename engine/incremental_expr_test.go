package engine

import (
	"context"
	"database/sql"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dqlabs/dq/engine/sqlexpr"
	"github.com/dqlabs/dq/engine/statecache"
)

// The expressions the planner renders are recognised as mergeable, with
// the components the merge needs; anything else is not.
func TestClassifyAggregate(t *testing.T) {
	q := QuoteIdent("fare amount")
	w := `"cat" = 'b'`
	for _, c := range []struct {
		expr  string
		comps []string // component keys (or their beginnings); nil = not mergeable
		why   string
	}{
		{"count(*)", []string{"count:count(*)"}, ""},
		{filtered("count(*)", w), []string{`count:count(CASE WHEN ("cat" = 'b') THEN 1 END)`}, ""},
		{filtered("sum("+q+")", w), []string{`sum:sum(CASE WHEN ("cat" = 'b') THEN "fare amount" END)`}, ""},
		{"avg(" + q + ")", []string{`sum:sum("fare amount")`, `count:count("fare amount")`}, ""},
		{"min(length(" + q + "))", []string{`min:min(length("fare amount"))`}, ""},
		// nonFinite's guarded forms, as the planner renders them.
		{duck(nonFinite(sqlexpr.StddevPop, sqlexpr.Raw{SQL: "cat = 'b'"}, sqlexpr.Col{Name: "fare amount"})),
			[]string{"count:count(CASE WHEN ", "moments:var_pop(CASE WHEN "}, ""},
		{duck(nonFinite(sqlexpr.Corr, nil, sqlexpr.Col{Name: "a"}, sqlexpr.Col{Name: "b"})),
			[]string{"count:count(CASE WHEN ", "co-moments:corr(CASE WHEN "}, ""},
		// A string literal holding a parenthesis does not end the call.
		{`count(CASE WHEN ("s" = ')(') THEN 1 END)`, []string{`count:count(CASE WHEN ("s" = ')(') THEN 1 END)`}, ""},
		{"count(DISTINCT x)", nil, "a distinct aggregate"},
		{"count(x) + 1", nil, "not a single aggregate call"},
		{"count(x) FILTER (WHERE y)", nil, "not a single aggregate call"},
		{"median(x)", nil, "not an aggregate the state cache merges (median)"},
		{"count(CASE WHEN x > (SELECT avg(x) FROM t) THEN 1 END)", nil, "reads other rows or data (a subquery or window)"},
		{"count(CASE WHEN round((1717243200000000 - epoch_us(ts)) / 3600000000.0, 2) <= 24 THEN 1 END)", nil, "depends on the run instant or other state"},
		{"count(CASE WHEN ts < now() THEN 1 END)", nil, "depends on the run instant or other state"},
		{"sum(random())", nil, "depends on the run instant or other state"},
		{"CASE WHEN count(*) > 0 THEN CAST('NaN' AS DOUBLE) ELSE median(x) END", nil, "not an aggregate the state cache merges (median)"},
	} {
		m, why := classifyAggregate(c.expr)
		if c.comps == nil {
			if m != nil || why != c.why {
				t.Errorf("%s: mergeable=%v why %q, want %q", c.expr, m != nil, why, c.why)
			}
			continue
		}
		if m == nil {
			t.Errorf("%s: not mergeable: %s", c.expr, why)
			continue
		}
		var keys []string
		for _, cp := range m.comps {
			keys = append(keys, cp.key())
		}
		same := len(keys) == len(c.comps)
		for i := 0; same && i < len(keys); i++ {
			same = strings.HasPrefix(keys[i], c.comps[i])
		}
		if !same {
			t.Errorf("%s: components\n%s\nwant\n%s", c.expr, strings.Join(keys, "\n"), strings.Join(c.comps, "\n"))
		}
	}
}

// Finishing mirrors DuckDB: avg divides the exact sum once; an exact sum
// beyond DuckDB's HUGEINT/DECIMAL range is recomputed (DuckDB raises an
// overflow), as is a variance that overflows.
func TestFinishMirrorsDuckDB(t *testing.T) {
	m, _ := classifyAggregate("avg(x)")
	sum, _ := statecache.SumOf("1", false)
	if v, ok := m.finish([]statecache.State{sum, {Kind: statecache.KindCount, N: 3}}); !ok || v.Float64 != 1.0/3 {
		t.Errorf("avg = %v %v", v, ok)
	}
	if v, ok := m.finish([]statecache.State{statecache.New(statecache.KindSum), {Kind: statecache.KindCount}}); !ok || v.Valid {
		t.Errorf("avg of nothing = %v %v, want NULL", v, ok)
	}
	s, _ := classifyAggregate("sum(x)")
	big, _ := statecache.SumOf("100000000000000000000000000000000000000", false)
	if _, ok := s.finish([]statecache.State{big}); ok {
		t.Error("a sum of 1e38 was not sent back to DuckDB")
	}
	v, _ := classifyAggregate("var_pop(x)")
	if _, ok := v.finish([]statecache.State{statecache.MomentsOf(2, 0, 1e308)}); ok {
		t.Error("an overflowing variance was not sent back to DuckDB")
	}
	// DuckDB raises the overflow even where nonFinite's guard says NaN
	// (3 values not NULL, 2 of them finite).
	g, _ := classifyAggregate(duck(nonFinite(sqlexpr.VarPop, nil, sqlexpr.Col{Name: "x"})))
	over := statecache.State{Kind: statecache.KindMoments, N: 2, M2X: math.Inf(1)}
	if _, ok := g.finish([]statecache.State{{Kind: statecache.KindCount, N: 3}, over}); ok {
		t.Error("an overflowing guarded variance was not sent back to DuckDB")
	}
	if v, ok := g.finish([]statecache.State{{Kind: statecache.KindCount, N: 3}, statecache.MomentsOf(2, 0, 1)}); !ok || !math.IsNaN(v.Float64) {
		t.Errorf("guarded variance with a non-finite value = %v %v, want NaN", v, ok)
	}
}

// The state query reads moments, co-moments and a floating sum with its
// count as the aggregates' exported states, one column each; a count, an
// exact sum and an extreme as plain aggregates.
func TestStateItems(t *testing.T) {
	comp := func(k statecache.Kind, fn, args, typ string) *component {
		return &component{kind: k, fn: fn, args: args, typ: typ}
	}
	cnt := comp(statecache.KindCount, "count", `"x"`, "BIGINT")
	sum := comp(statecache.KindSum, "sum", `"x"`, "DOUBLE")
	dec := comp(statecache.KindSum, "sum", `"d"`, "DECIMAL(38,2)")
	decCnt := comp(statecache.KindCount, "count", `"d"`, "BIGINT")
	all := comp(statecache.KindCount, "count", "*", "BIGINT")
	mom := comp(statecache.KindMoments, "var_pop", `"x"`, "DOUBLE")
	co := comp(statecache.KindCoMoments, "corr", `"x", "y"`, "DOUBLE")
	mx := comp(statecache.KindMax, "max", `"x"`, "DOUBLE")
	var got []string
	for _, it := range stateItems([]*component{cnt, all, sum, dec, decCnt, mom, co, mx}) {
		var keys []string
		for _, c := range it.comps {
			keys = append(keys, c.key())
		}
		got = append(got, it.sql+" <- "+strings.Join(keys, " "))
	}
	want := []string{
		`CAST(count(*) AS BIGINT) <- count:count(*)`,
		`CAST(avg("x") EXPORT_STATE AS BLOB) <- sum:sum("x") count:count("x")`,
		`CAST(sum("d") AS VARCHAR) <- sum:sum("d")`,
		`CAST(count("d") AS BIGINT) <- count:count("d")`,
		`CAST(var_pop("x") EXPORT_STATE AS BLOB) <- moments:var_pop("x")`,
		`CAST(corr("x", "y") EXPORT_STATE AS BLOB) <- co-moments:corr("x", "y")`,
		`CAST(max("x") AS DOUBLE) <- max:max("x")`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("items:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The exported states decode to the states a one-pass computation over the
// same values gives (Welford's, in Go), and agree with what the plain
// aggregates report (count, avg, var_pop, regr_*): with NULLs in either
// variable of a pair, no rows, one row, a constant, huge and tiny values,
// NaN and infinities.
func TestExportedStatesDecode(t *testing.T) {
	_, db := stateEnv(t)
	nan, inf := math.NaN(), math.Inf(1)
	type pair struct{ x, y *float64 }
	v := func(f float64) *float64 { return &f }
	var many []pair
	for i := range 500 {
		many = append(many, pair{v(float64(i%37)/3 + 1e6), v(float64(i*i%101) - 50.5)})
	}
	for _, c := range []struct {
		name  string
		pairs []pair
	}{
		{"no rows", nil},
		{"one row", []pair{{v(2.5), v(-1)}}},
		{"NULLs", []pair{{v(1), v(2)}, {nil, v(5)}, {v(7), nil}, {nil, nil}, {v(3), v(6)}, {v(4), v(1)}}},
		{"only NULLs", []pair{{nil, v(1)}, {v(2), nil}}},
		{"constant", []pair{{v(3), v(1)}, {v(3), v(2)}, {v(3), v(4)}}},
		{"huge", []pair{{v(1e300), v(1e-300)}, {v(-3e299), v(5e-301)}, {v(7e299), v(0)}}},
		{"many", many},
		{"NaN", []pair{{v(1), v(2)}, {v(nan), v(3)}}},
		{"infinities", []pair{{v(inf), v(2)}, {v(1), v(-inf)}, {v(2), v(3)}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The values, in one thread: DuckDB adds them in this order.
			var rows []string
			for _, p := range c.pairs {
				lit := func(f *float64) string {
					if f == nil {
						return "NULL"
					}
					return "'" + strconv.FormatFloat(*f, 'g', -1, 64) + "'::DOUBLE"
				}
				rows = append(rows, "("+lit(p.x)+", "+lit(p.y)+")")
			}
			from := "(SELECT NULL::DOUBLE AS x, NULL::DOUBLE AS y WHERE false)"
			if len(rows) > 0 {
				from = "(VALUES " + strings.Join(rows, ", ") + ") AS t(x, y)"
			}
			comps := []*component{
				{kind: statecache.KindSum, fn: "sum", args: "x", typ: "DOUBLE"},
				{kind: statecache.KindCount, fn: "count", args: "x", typ: "BIGINT"},
				{kind: statecache.KindMoments, fn: "var_pop", args: "x", typ: "DOUBLE"},
				{kind: statecache.KindCoMoments, fn: "corr", args: "y, x", typ: "DOUBLE"},
			}
			items := stateItems(comps)
			if len(items) != 3 {
				t.Fatalf("%d items, want 3", len(items))
			}
			var sel []string
			for _, it := range items {
				sel = append(sel, it.sql)
			}
			out := map[string]map[string]statecache.State{"f": {}}
			inc := &incremental{}
			query := "SELECT " + strings.Join(sel, ", ") + ", " + exportProbe + " FROM " + from
			if err := inc.readStates(context.Background(), db, query, items, new([]byte), out, "f", nil); err != nil {
				t.Fatal(err)
			}
			got := out["f"]

			// Independently: Welford over the values, in Go.
			sum, mom, co := statecache.New(statecache.KindSum), statecache.New(statecache.KindMoments), statecache.New(statecache.KindCoMoments)
			n := int64(0)
			for _, p := range c.pairs {
				if p.x != nil {
					sum.Add(*p.x)
					mom.Add(*p.x)
					n++
				}
				if p.x != nil && p.y != nil {
					co.AddPair(*p.x, *p.y) // corr(y, x): x is the second argument
				}
			}
			same := func(what string, a, b float64) {
				t.Helper()
				if !closeRel(a, b, 1e-12, 0) && !(math.IsInf(a, 0) && a == b) {
					t.Errorf("%s = %v, want %v", what, a, b)
				}
			}
			if g := got["count:count(x)"]; g.N != n {
				t.Errorf("count = %d, want %d", g.N, n)
			}
			gs, gok := got["sum:sum(x)"].SumValue()
			ws, wok := sum.SumValue()
			if gok != wok {
				t.Errorf("sum valid = %v, want %v", gok, wok)
			}
			same("sum", gs, ws)
			g := got["moments:var_pop(x)"]
			if g.N != mom.N {
				t.Errorf("moments n = %d, want %d", g.N, mom.N)
			}
			same("mean", g.MeanX, mom.MeanX)
			same("M2", g.M2X, mom.M2X)
			gc := got["co-moments:corr(y, x)"]
			if gc.N != co.N {
				t.Errorf("pairs = %d, want %d", gc.N, co.N)
			}
			same("mean x", gc.MeanX, co.MeanX)
			same("mean y", gc.MeanY, co.MeanY)
			same("M2 x", gc.M2X, co.M2X)
			same("M2 y", gc.M2Y, co.M2Y)
			same("co-moment", gc.Cxy, co.Cxy)

			// What the plain aggregates report, where they report
			// (var_pop and regr_sxx raise an error beyond DOUBLE's range).
			var cnt, pairs sql.NullInt64
			var avg, varPop, ax, ay, sxx, syy, sxy sql.NullFloat64
			err := db.QueryRow("SELECT count(x), avg(x), var_pop(x), regr_count(y, x), regr_avgx(y, x), regr_avgy(y, x), regr_sxx(y, x), regr_syy(y, x), regr_sxy(y, x) FROM "+from).
				Scan(&cnt, &avg, &varPop, &pairs, &ax, &ay, &sxx, &syy, &sxy)
			if err != nil {
				if !strings.Contains(err.Error(), "out of range") {
					t.Fatal(err)
				}
				return
			}
			if cnt.Int64 != n || pairs.Int64 != gc.N {
				t.Errorf("count %d pairs %d, DuckDB says %d and %d", n, gc.N, cnt.Int64, pairs.Int64)
			}
			if n > 0 {
				same("avg", gs/float64(n), avg.Float64)
				same("var_pop", g.M2X/float64(n), varPop.Float64)
			}
			if gc.N > 0 {
				same("regr_avgx", gc.MeanX, ax.Float64)
				same("regr_avgy", gc.MeanY, ay.Float64)
				same("regr_sxx", gc.M2X, sxx.Float64)
				same("regr_syy", gc.M2Y, syy.Float64)
				same("regr_sxy", gc.Cxy, sxy.Float64)
			}
		})
	}
}

// The probe of the exported states' layout passes on this DuckDB and fails
// on any other bytes: a state query reading them then fails, and the run
// computes its expressions over the whole dataset.
func TestExportProbe(t *testing.T) {
	_, db := stateEnv(t)
	var b []byte
	if err := db.QueryRow("SELECT " + exportProbe).Scan(&b); err != nil {
		t.Fatal(err)
	}
	if err := checkExportProbe(b); err != nil {
		t.Fatalf("this DuckDB's states: %v", err)
	}
	for i := 0; i < len(b); i += 3 {
		bad := append([]byte(nil), b...)
		bad[i] ^= 0x10
		if checkExportProbe(bad) == nil {
			t.Errorf("byte %d changed: the probe passes", i)
		}
	}
	if checkExportProbe(b[:len(b)-8]) == nil || checkExportProbe(append(b, 0, 0, 0, 0, 0, 0, 0, 0)) == nil || checkExportProbe(nil) == nil {
		t.Error("a probe of another length passes")
	}
	// A state of another size is refused, not misread.
	short := []byte{1, 0, 0, 0, 0, 0, 0, 0}
	if _, err := readMomentsState(&short); err == nil {
		t.Error("an 8-byte var_pop state was read")
	}
}

// TestStateCacheOddValues grows a dataset of Parquet files one by one with
// what strains the exported states: an empty file, a file of one row,
// files of NULLs only, NaN, infinities, a constant, FLOAT and DECIMAL
// columns, tiny values and, last, values whose variance overflows (Infinity,
// which the cached run must report too). Every run with
// the state cache equals a cold run and reads only the new file.
func TestStateCacheOddValues(t *testing.T) {
	dir := t.TempDir()
	store, db := stateEnv(t)
	const rules = `Rules = [
		Mean "x" > 0, Sum "x" > 0, StandardDeviation "x" >= 0, Variance "x" >= 0,
		Mean "f" > 0, Sum "f" > 0, Variance "f" >= 0,
		Mean "d" > 0, Sum "d" > 0, StandardDeviation "d" >= 0,
		ColumnCorrelation "x" "y" > 0, ColumnCorrelation "f" "d" > 0,
		StandardDeviation "x" >= 0 where "y > 1", ColumnCorrelation "x" "d" > 0 where "f < 5",
		Completeness "x" > 0.1, RowCount > 0
	]`
	files := []struct{ name, rows string }{
		{"a", "SELECT r / 3 AS x, (r * r) % 17 - 8.5 AS y, r / 7 AS f, r AS d FROM range(60) t(r)"},
		{"b", "SELECT * FROM (VALUES (1.0, 2.0, 3.0, 4.0)) t(x, y, f, d) WHERE false"},
		{"c", "SELECT 2.5 AS x, -1.0 AS y, 0.25 AS f, 7 AS d"},
		{"d", "SELECT NULL AS x, r AS y, NULL AS f, NULL AS d FROM range(5) t(r)"},
		{"e", "SELECT CASE WHEN r = 4 THEN 'NaN'::DOUBLE ELSE r END AS x, r AS y, r AS f, r AS d FROM range(10) t(r)"},
		{"f", "SELECT 5.0 AS x, r AS y, 1.5 AS f, 3 AS d FROM range(8) t(r)"},
		{"g", "SELECT CASE r WHEN 1 THEN 'inf'::DOUBLE WHEN 2 THEN '-inf'::DOUBLE ELSE r END AS x, CASE WHEN r = 3 THEN '-inf'::DOUBLE ELSE r END AS y, CASE WHEN r = 0 THEN 'inf'::FLOAT ELSE r END AS f, r AS d FROM range(6) t(r)"},
		{"h", "SELECT r * 1e-300 AS x, r * 1e-310 AS y, r AS f, r AS d FROM range(9) t(r)"},
		{"i", "SELECT (r % 3) * 1e300 - 1e300 AS x, r AS y, r AS f, r AS d FROM range(7) t(r)"},
	}
	ctx := context.Background()
	for _, fl := range files {
		// Fixed column types: x and y DOUBLE, f FLOAT, d DECIMAL(18,3).
		q := "SELECT CAST(x AS DOUBLE) AS x, CAST(y AS DOUBLE) AS y, CAST(f AS FLOAT) AS f, CAST(d AS DECIMAL(18,3)) AS d FROM (" + fl.rows + ")"
		p := filepath.Join(dir, fl.name+".parquet")
		if _, err := db.Exec("COPY (" + q + ") TO " + QuoteString(p) + " (FORMAT parquet)"); err != nil {
			t.Fatal(err)
		}
		rs := parseRules(t, rules)
		sess, ds, err := openPrimary(ctx, Files(dir, FileOptions{}), Options{}, RulesetColumnNeed(rs, false))
		if err != nil {
			t.Fatal(err)
		}
		got, cold, scanned := evalWithAndWithout(t, sess, rs, ds, store)
		sameResults(t, "file "+fl.name, got, cold)
		if scanned != 1 {
			t.Errorf("file %s: read %d files, want 1", fl.name, scanned)
		}
		if fl.name == "i" {
			// The overflowing variance: Infinity or NaN in both runs, as
			// Spark's update gives (TestEvalMomentsOverflow), not an error;
			// a metric JSON cannot carry is left out.
			if _, _, errored := got.Counts(); errored != 0 {
				t.Errorf("file i: %d rules errored; an overflowing variance is a value, not an error", errored)
			}
			r := got.RuleResults[2]
			if len(r.EvaluatedMetrics) != 0 || r.Result == Pass && r.EvaluationMessage != "" ||
				r.Result == Fail && r.EvaluationMessage != "Value: NaN does not meet the constraint requirement!" {
				t.Errorf("file i: %s is %s (%q) with %v, want Infinity (PASS) or NaN (FAIL), no metric", r.Description, r.Result, r.EvaluationMessage, r.EvaluatedMetrics)
			}
		}
	}
}

// The guard of nonFinite's forms is counted as the rows with no NULL value
// less the aggregate's values, from a cheaper count (shared with other
// rules: a Mean's count, a correlation's count of pairs); a guard in any
// other form is counted as written.
func TestNotNullCount(t *testing.T) {
	a, b := sqlexpr.Col{Name: "a"}, sqlexpr.Col{Name: "b x"}
	w := sqlexpr.Raw{SQL: "cat = 'b' AND `b x` > (1)"}
	for _, c := range []struct {
		expr  string
		count string
	}{
		{duck(nonFinite(sqlexpr.VarPop, nil, a)), `count("a")`},
		{duck(nonFinite(sqlexpr.StddevPop, w, a)), `count(CASE WHEN (cat = 'b' AND "b x" > (1)) THEN "a" END)`},
		{duck(nonFinite(sqlexpr.Corr, nil, a, b)), duck(countRows(and(isNotNull(a), isNotNull(b))))},
		{duck(nonFinite(sqlexpr.Corr, w, a, b)), duck(countRows(w, and(isNotNull(a), isNotNull(b))))},
		// Hand-written guards: as written.
		{`CASE WHEN (count(x) > 0) THEN CAST('NaN' AS DOUBLE) ELSE var_pop(CASE WHEN isfinite(CAST("a" AS DOUBLE)) THEN "a" END) END`, `count(x)`},
		{`CASE WHEN (count(CASE WHEN (("a" IS NOT NULL) AND (NOT isfinite(CAST("a" AS DOUBLE)))) THEN 1 END) > 0) THEN CAST('NaN' AS DOUBLE) ELSE var_pop(CASE WHEN isfinite(CAST("b" AS DOUBLE)) THEN "b" END) END`,
			`count(CASE WHEN (("a" IS NOT NULL) AND (NOT isfinite(CAST("a" AS DOUBLE)))) THEN 1 END)`},
	} {
		m, why := classifyAggregate(c.expr)
		if m == nil {
			t.Errorf("%s: not mergeable: %s", c.expr, why)
			continue
		}
		if got := m.comps[0].key(); got != "count:"+c.count {
			t.Errorf("%s: guard counted by %s, want %s", c.expr, got, c.count)
		}
	}
	// The guard's count: 5 rows with no NULL, 3 of them finite.
	m, _ := classifyAggregate(duck(nonFinite(sqlexpr.VarPop, nil, a)))
	mom := statecache.MomentsOf(3, 1, 0.5)
	if v, ok := m.finish([]statecache.State{{Kind: statecache.KindCount, N: 5}, mom}); !ok || !math.IsNaN(v.Float64) {
		t.Errorf("2 non-finite values: %v %v, want NaN", v, ok)
	}
	if v, ok := m.finish([]statecache.State{{Kind: statecache.KindCount, N: 3}, mom}); !ok || v.Float64 != 0.5 {
		t.Errorf("no non-finite value: %v %v, want 0.5", v, ok)
	}
}

// The probe of the exported states' layout runs in the first state query
// of a scope; its passing is kept in the state cache, so that later runs
// skip it, unless the kept bytes are damaged.
func TestExportProbeKept(t *testing.T) {
	dir := t.TempDir()
	store, db := stateEnv(t)
	const rules = `Rules = [ StandardDeviation "score" >= 0, Mean "score" > -100 ]`
	ctx := context.Background()
	rs := parseRules(t, rules)
	verified := func() bool {
		sess, ds, err := openPrimary(ctx, Files(dir, FileOptions{}), Options{}, RulesetColumnNeed(rs, false))
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		inc, why := newIncremental(ds, store)
		if inc == nil {
			t.Fatal(why)
		}
		return inc.exportsVerified()
	}
	eval := func() {
		res, err := Evaluate(ctx, rs, Files(dir, FileOptions{}), Options{Now: testNow, StateCache: store})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, errored := res.Counts(); errored > 0 {
			t.Fatalf("rules errored: %+v", res.RuleResults)
		}
	}
	stateFile(t, db, dir, 1, 0)
	if verified() {
		t.Fatal("verified before any run")
	}
	eval()
	if !verified() {
		t.Fatal("the probe's passing was not kept")
	}
	// Damaged: probed again, and kept again.
	sess, ds, err := openPrimary(ctx, Files(dir, FileOptions{}), Options{}, RulesetColumnNeed(rs, false))
	if err != nil {
		t.Fatal(err)
	}
	inc, _ := newIncremental(ds, store)
	sess.Close()
	if err := store.PutBytes(exportProbeID, exportProbeScope+inc.scope, []byte("not the probe's states")); err != nil {
		t.Fatal(err)
	}
	if verified() {
		t.Fatal("damaged bytes verified the layout")
	}
	stateFile(t, db, dir, 2, 0)
	eval()
	if !verified() {
		t.Fatal("the probe did not run again")
	}
}

package engine

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine/parquetstats/footertest"
)

// TestFooterAnswersMatchScan is a differential test: every crosscheck rule,
// plus rules written for answers from footers, evaluated on Parquet files
// whose statistics are as DuckDB writes them, absent, inexact, or
// bounds that leave NaN out (as arrow and Spark write them), must give the
// same results, messages, metrics and failure details with footer answers
// as with NoMetadata.
func TestFooterAnswersMatchScan(t *testing.T) {
	type variant struct {
		name  string
		write func(t *testing.T, dir, query string)
		// answers: the footers must answer more than the row count (the
		// test would otherwise prove nothing).
		answers bool
	}
	split := func(t *testing.T, dir, query string) { writeSplit(t, dir, query) }
	variants := []variant{
		{"split", split, true},
		{"rowgroups", func(t *testing.T, dir, query string) {
			// 700 copies of every row, in row groups of 2048 rows.
			duckExec(t, "COPY (SELECT t.* FROM ("+query+") t, range(700)) TO "+QuoteString(filepath.Join(dir, "big.parquet"))+" (FORMAT parquet, ROW_GROUP_SIZE 2048)")
		}, true},
		{"nostats", func(t *testing.T, dir, query string) {
			for _, p := range writeSplit(t, dir, query) {
				footertest.Rewrite(t, p, func(md *metadata.FileMetaData) {
					for _, rg := range md.RowGroups {
						for _, c := range rg.Columns {
							c.MetaData.Statistics = nil
						}
					}
				})
			}
		}, false},
		{"inexact", func(t *testing.T, dir, query string) {
			no := false
			for _, p := range writeSplit(t, dir, query) {
				footertest.Rewrite(t, p, func(md *metadata.FileMetaData) {
					for _, rg := range md.RowGroups {
						for _, c := range rg.Columns {
							if st := c.MetaData.Statistics; st != nil {
								st.IsMinValueExact, st.IsMaxValueExact = &no, &no
							}
						}
					}
				})
			}
		}, true},
		{"nanbounds", func(t *testing.T, dir, query string) {
			for _, p := range writeSplit(t, dir, query) {
				nanFreeBounds(t, p)
			}
		}, true},
	}
	skipped := map[string]int{} // runs that skipped row groups, by dataset/variant
	defer func() {
		if !testing.Short() && (skipped["mixed/split"] == 0 || skipped["mixed/rowgroups"] == 0) {
			t.Errorf("row groups were never skipped: %v", skipped)
		}
	}()
	for i, ds := range cxDatasets() {
		if testing.Short() && i > 0 {
			break
		}
		switch ds.name {
		case "mixed", "empty", "allnull", "naninf", "one", "const":
		default:
			continue // the others add no case footers treat differently
		}
		d := loadCx(t, ds.name, ds.sql)
		rules := footerRules(d)
		var analyzers []string
		for _, c := range d.cols {
			analyzers = append(analyzers, "ColumnValues "+cxQ(c.name), "Completeness "+cxQ(c.name))
		}
		rs := parseRules(t, "Rules = [\n  "+strings.Join(rules, ",\n  ")+"\n]\nAnalyzers = [ RowCount, "+strings.Join(analyzers, ", ")+" ]")
		for _, v := range variants {
			if ds.name != "mixed" && v.name != "split" && !(ds.name == "naninf" && v.name == "nanbounds") {
				continue // the mixed dataset covers the other variants
			}
			t.Run(ds.name+"/"+v.name, func(t *testing.T) {
				dir := t.TempDir()
				v.write(t, dir, ds.sql)
				src := Files(filepath.Join(dir, "*.parquet"), FileOptions{})
				plan, err := Explain(context.Background(), rs, src, Options{Now: testNow})
				if err != nil {
					t.Fatal(err)
				}
				if v.answers && len(plan.footer) < 10 && ds.name != "empty" {
					t.Errorf("no rule answered from the footers:\n%s", plan)
				}
				sameWithoutFooters(t, rs, src, rules)
				// Without the analyzers, some rules on their own: where
				// their row groups are decided apart from the others', the
				// scan skips them.
				if ds.name != "mixed" || v.name != "split" && v.name != "rowgroups" {
					return
				}
				for _, r := range skippable(d, rules) {
					one := parseRules(t, "Rules = [ "+r+" ]")
					plan, err := Explain(context.Background(), one, src, Options{Now: testNow})
					if err != nil {
						t.Fatal(err)
					}
					if plan.rowGroups != nil {
						skipped[ds.name+"/"+v.name]++
					}
					sameWithoutFooters(t, one, src, []string{r})
				}
			})
		}
	}
}

// ruleIndex is i of Rule_i; -1 for analyzers.
func ruleIndex(name string) int {
	var i int
	if _, err := fmt.Sscanf(name, "Rule_%d", &i); err != nil {
		return -1
	}
	return i
}

// sameWithoutFooters evaluates rs on src with and without footer answers
// and reports every rule or analyzer whose result differs.
func sameWithoutFooters(t *testing.T, rs *dqdl.Ruleset, src Source, rules []string) {
	t.Helper()
	// One thread: DuckDB's parallel sums add in varying order, which
	// would make any two runs differ in the last bits.
	one := SessionOptions{Threads: 1}
	meta, err := Evaluate(context.Background(), rs, src, Options{Now: testNow, Session: one})
	if err != nil {
		t.Fatal(err)
	}
	scan, err := Evaluate(context.Background(), rs, src, Options{Now: testNow, Session: one, NoMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	for k := range scan.RuleResults {
		if g, w := meta.RuleResults[k], scan.RuleResults[k]; !reflect.DeepEqual(g, w) {
			t.Errorf("%s: from footers\n  %s\nscanned\n  %s", rules[k], resultText(g), resultText(w))
		}
	}
	if !reflect.DeepEqual(meta.AnalyzerResults, scan.AnalyzerResults) {
		t.Errorf("analyzers differ:\n%+v\n%+v", meta.AnalyzerResults, scan.AnalyzerResults)
	}
}

// TestFooterAnswersOddTypes: types the crosscheck datasets lack (time
// zones, DECIMAL, REAL, small and unsigned integers, nanosecond and
// millisecond timestamps), Hive partition columns and forced column types
// must also give the scan's results.
func TestFooterAnswersOddTypes(t *testing.T) {
	dir := t.TempDir()
	rows := `SELECT CAST(r AS SMALLINT) AS sm, CAST(r * 3 AS UBIGINT) AS ub, CAST(r / 4 AS REAL) AS re,
		CAST(r * 1.5 - 4 AS DECIMAL(9,3)) AS de, CAST(r * 1.5 - 4 AS DECIMAL(30,3)) AS wide,
		TIMESTAMPTZ '2024-05-01 00:00:00+00' + r * INTERVAL 7 HOUR AS tz,
		CAST(TIMESTAMP '2024-05-20 00:00:00' + r * INTERVAL 5 HOUR AS TIMESTAMP_NS) AS ns,
		CAST(TIMESTAMP '2024-05-20 00:00:00' + r * INTERVAL 5 HOUR AS TIMESTAMP_MS) AS ms,
		CASE WHEN r % 4 = 0 THEN NULL ELSE r END AS k, 'x' || r AS s, CAST(r AS VARCHAR) AS txt
		FROM range(1, 40) t(r)`
	for part := 0; part < 2; part++ {
		sub := filepath.Join(dir, fmt.Sprintf("k=%d", part))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		duckExec(t, fmt.Sprintf("COPY (SELECT * EXCLUDE (k) FROM (%s) WHERE r %% 2 = %d) TO %s (FORMAT parquet)",
			strings.Replace(rows, "FROM range", ", r FROM range", 1), part, QuoteString(filepath.Join(sub, "p.parquet"))))
	}
	var rules []string
	for _, c := range []string{"sm", "ub", "re", "de", "wide", "k", "r", "txt"} {
		for _, cond := range []string{"> 0", ">= -4", "< 200", "between -5 and 120", "= 1", "<= 0.25"} {
			rules = append(rules, "ColumnValues \""+c+"\" "+cond)
		}
		rules = append(rules, "IsComplete \""+c+"\"", "Completeness \""+c+"\" > 0.5")
	}
	for _, c := range []string{"tz", "ns", "ms"} {
		for _, cond := range []string{"<= 24 hours", "> 1 hours", "<= 1000 hours", "between 1 hours and 10000 hours"} {
			rules = append(rules, "DataFreshness \""+c+"\" "+cond)
		}
	}
	rs := parseRules(t, "Rules = [\n  "+strings.Join(rules, ",\n  ")+"\n]\nAnalyzers = [ ColumnValues \"sm\", ColumnValues \"de\", ColumnValues \"ub\" ]")
	hive := true
	for _, opts := range []FileOptions{{Hive: &hive}, {Hive: &hive, ColumnTypes: map[string]string{"txt": "INTEGER", "sm": "BIGINT"}}} {
		src := Files(dir, opts)
		plan, err := Explain(context.Background(), rs, src, Options{Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.footer) < 20 {
			t.Errorf("few answers from footers:\n%s", plan)
		}
		sameWithoutFooters(t, rs, src, rules)
	}
}

func resultText(r RuleResult) string {
	s := fmt.Sprintf("%s %q %v", r.Result, r.EvaluationMessage, r.EvaluatedMetrics)
	if d := r.FailureDetails; d != nil {
		s += fmt.Sprintf(" failed %v/%v top %v", deref(d.FailedRows), deref(d.TotalRows), d.TopValues)
	}
	return s
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// footerCase matches the crosscheck rules whose metrics footers can
// answer (with and without where clauses, which must not be answered).
var footerCase = regexp.MustCompile(`^(RowCount|Completeness|IsComplete|DataFreshness|ColumnValues "[^"]*" (>|>=|<|<=|=|between) -?[0-9])`)

// footerRules are the crosscheck rules of a dataset and the rules footers
// can answer, on every column they apply to.
func footerRules(d *cxData) []string {
	var rules []string
	for _, c := range cxCases(d) {
		// The rule types whose metrics footers can answer; the others
		// share only count(*) with them.
		if footerCase.MatchString(c.rule) {
			rules = append(rules, c.rule)
		}
	}
	rules = append(rules, "RowCount > 0", "RowCount = 8")
	for _, c := range d.cols {
		q := cxQ(c.name)
		rules = append(rules, "IsComplete "+q, "Completeness "+q+" > 0.5")
		switch {
		case cxNumeric(c.typ):
			for _, cond := range []string{"> -10", ">= -7", "> 0", "< 100", "<= 9", "between -8 and 101", "between 0 and 5", "= 5", "= 3", "> 9223372036854775806", ">= 1.1", "<= 100.01", "< -3.5"} {
				rules = append(rules, "ColumnValues "+q+" "+cond)
			}
		case c.typ == "TIMESTAMP" || c.typ == "DATE":
			for _, cond := range []string{"<= 24 hours", "<= 1000 hours", "> 1 hours", "> 800 hours", "between 1 hours and 100000 hours", "< 10 days", ">= 30 minutes"} {
				rules = append(rules, "DataFreshness "+q+" "+cond)
			}
		}
	}
	return rules
}

func duckExec(t *testing.T, q string) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// writeSplit writes the rows in three files by id (each its own row group),
// so the dataset has several row groups with different bounds.
func writeSplit(t *testing.T, dir, query string) []string {
	t.Helper()
	var out []string
	for k := 0; k < 3; k++ {
		p := filepath.Join(dir, fmt.Sprintf("part%d.parquet", k))
		duckExec(t, fmt.Sprintf("COPY (SELECT * FROM (%s) WHERE id %% 3 = %d) TO %s (FORMAT parquet)", query, k, QuoteString(p)))
		out = append(out, p)
	}
	return out
}

// nanFreeBounds gives every DOUBLE column chunk of a one-row-group file
// the bounds of its non-NaN values, as writers that skip NaN do (DuckDB
// writes none when NaN occurs).
func nanFreeBounds(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type bounds struct {
		lo, hi sql.NullFloat64
	}
	byLeaf := map[int]bounds{}
	var leaves []struct {
		name string
		i    int
	}
	footertest.Rewrite(t, path, func(md *metadata.FileMetaData) {
		for i := 0; i < md.Schema.NumColumns(); i++ {
			if c := md.Schema.Column(i); c.PhysicalType().String() == "DOUBLE" {
				leaves = append(leaves, struct {
					name string
					i    int
				}{c.Name(), i})
			}
		}
	})
	for _, l := range leaves {
		var b bounds
		q := QuoteIdent(l.name)
		if err := db.QueryRow("SELECT min("+q+"), max("+q+") FROM read_parquet("+QuoteString(path)+") WHERE NOT isnan("+q+")").Scan(&b.lo, &b.hi); err != nil {
			t.Fatal(err)
		}
		byLeaf[l.i] = b
	}
	enc := func(f float64) []byte { return binary.LittleEndian.AppendUint64(nil, math.Float64bits(f)) }
	footertest.Rewrite(t, path, func(md *metadata.FileMetaData) {
		for _, rg := range md.RowGroups {
			for i, b := range byLeaf {
				st := rg.Columns[i].MetaData.Statistics
				if st == nil || !b.lo.Valid {
					continue
				}
				st.MinValue, st.MaxValue = enc(b.lo.Float64), enc(b.hi.Float64)
			}
		}
	})
}

// skippable are the rules on an integer and a timestamp column whose
// row groups the footers may decide one by one (FLOAT/DOUBLE maximums
// are never known, completeness is decided for the whole dataset).
func skippable(d *cxData, rules []string) []string {
	var out []string
	for _, r := range rules {
		if strings.Contains(r, " where ") {
			continue
		}
		for _, c := range []string{`ColumnValues "i" `, `DataFreshness "ts" `} {
			if strings.HasPrefix(r, c) {
				out = append(out, r)
			}
		}
	}
	return out
}

// runBoundStatements runs the statements together and, when one of them
// fails, the others alone: their rows are all set, and only the failing
// statement is reported.
func TestRunBoundStatements(t *testing.T) {
	ctx := context.Background()
	sess, err := OpenSession(ctx, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	stmt := func(i int, pred string) string {
		return fmt.Sprintf("SELECT __dq_i, %s FROM (VALUES (%d, 5)) AS __bound(__dq_i, \"x\")", pred, i)
	}
	type row struct{ i, b int }
	for _, tc := range []struct {
		name   string
		stmts  []string
		want   []row
		failed []int
	}{
		{"together", []string{stmt(0, `"x" > 3`), stmt(2, `"x" < 3`), stmt(4, `CAST(NULL AS BOOLEAN)`)},
			[]row{{0, 1}, {2, 0}, {4, -1}}, nil},
		{"one fails", []string{stmt(0, `"x" > 3`), stmt(2, `CAST('x' || "x" AS INTEGER) > 1`), stmt(4, `"x" = 5`)},
			[]row{{0, 1}, {4, 1}}, []int{1}},
		{"one alone", []string{stmt(6, `"x" >= 5`)}, []row{{6, 1}}, nil},
		{"none", nil, nil, nil},
	} {
		// More statements than one union takes.
		stmts, want := tc.stmts, tc.want
		if tc.name == "together" {
			for i := 3; i < 2*boundStatements+3; i++ {
				stmts = append(stmts, stmt(2*i, `"x" <> 5`))
				want = append(want, row{2 * i, 0})
			}
		}
		got := map[int]int{}
		var failed []int
		runBoundStatements(ctx, sess.Conn(), stmts, func(i, b int) { got[i] = b },
			func(k int) { failed = append(failed, k) }, func(k int) {
				for i := range got {
					if i/2 == k {
						delete(got, i)
					}
				}
			})
		if len(got) != len(want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, want)
		}
		for _, w := range want {
			if b, ok := got[w.i]; !ok || b != w.b {
				t.Errorf("%s: row %d = %d (%v), want %d", tc.name, w.i, b, ok, w.b)
			}
		}
		if fmt.Sprint(failed) != fmt.Sprint(tc.failed) {
			t.Errorf("%s: failed %v, want %v", tc.name, failed, tc.failed)
		}
	}
}

// The footers are read for the columns footerColumns names only: the
// verdicts over the dataset and over each row group, and which
// expressions row groups can decide, must be those of footers read whole,
// for every rule footers answer (ColumnValues, Completeness, DataFreshness
// on timestamps and dates, RowCount) in several row groups, with the
// other rules and alone; and those columns must be among the ones the
// ruleset's column need wants, which are the ones read while DuckDB starts.
func TestFooterColumnsLoseNoAnswer(t *testing.T) {
	for _, ds := range cxDatasets() {
		if ds.name != "mixed" {
			continue
		}
		d := loadCx(t, ds.name, ds.sql)
		rules := footerRules(d)
		var analyzers []string
		for _, c := range d.cols {
			analyzers = append(analyzers, "ColumnValues "+cxQ(c.name), "Completeness "+cxQ(c.name))
		}
		// Alone, DataFreshness and ColumnValues name their columns in
		// their predicates only.
		var alone []string
		for _, r := range rules {
			if strings.HasPrefix(r, "DataFreshness") || strings.HasPrefix(r, "ColumnValues") {
				alone = append(alone, r)
			}
		}
		dir := t.TempDir()
		duckExec(t, "COPY (SELECT t.* FROM ("+ds.sql+") t, range(700)) TO "+QuoteString(filepath.Join(dir, "big.parquet"))+" (FORMAT parquet, ROW_GROUP_SIZE 2048)")
		writeSplit(t, dir, ds.sql)
		footerColumnsLoseNothing(t, dir, parseRules(t, "Rules = [\n  "+strings.Join(rules, ",\n  ")+"\n]\nAnalyzers = [ RowCount, "+strings.Join(analyzers, ", ")+" ]"))
		footerColumnsLoseNothing(t, dir, parseRules(t, "Rules = [\n  "+strings.Join(alone, ",\n  ")+"\n]"))
	}
}

func footerColumnsLoseNothing(t *testing.T, dir string, rs *dqdl.Ruleset) {
	t.Helper()
	ctx := context.Background()
	sess, data, err := openPrimary(ctx, Files(filepath.Join(dir, "*.parquet"), FileOptions{}), Options{}, RulesetColumnNeed(rs, false))
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	rel := relationOf(data)
	pl, err := buildPlan(ctx, sess, sess.Conn(), rs, rel, Options{Now: testNow, NoMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	exprs := pl.agg.exprs
	every := map[string]bool{}
	for _, c := range rel.columns {
		every[strings.ToLower(c.name)] = true
	}
	some := footerColumns(exprs)
	if len(some) == 0 || len(some) > len(every) {
		t.Fatalf("footerColumns: %v of %v", some, every)
	}
	// The footers read while DuckDB starts (prefetchFooters) are those of
	// the columns the ruleset's need wants: the plan's must be among them.
	need := RulesetColumnNeed(rs, false)
	if need.All {
		t.Fatal("the ruleset needs every column: prefetchFooters would prove nothing")
	}
	for c := range some {
		if !need.Wants(c) {
			t.Errorf("the plan uses the statistics of %s, which the ruleset's column need leaves out", c)
		}
	}
	var verdicts [2]map[verdictKey]verdict
	var decidable [2][]bool
	for k, keep := range []map[string]bool{every, some} {
		ff := readFooters(ctx, sess, rel, nil)
		if ff == nil || !ff.load(ctx, keep) {
			t.Fatal("footers not read")
		}
		ff.now = testNow.UnixMicro()
		idx := make([]int, len(exprs))
		for i := range idx {
			idx[i] = i
			_, ok := ff.decidable(exprs[i])
			decidable[k] = append(decidable[k], ok)
		}
		groups := []int{-1}
		for g := range ff.ds.RowGroups {
			groups = append(groups, g)
		}
		if len(groups) < 3 {
			t.Fatalf("%d row groups", len(groups)-1)
		}
		verdicts[k] = ff.decide(ctx, sess.Conn(), exprs, idx, groups)
	}
	if len(verdicts[0]) < 100 {
		t.Errorf("only %d verdicts: the test proves little", len(verdicts[0]))
	}
	if !reflect.DeepEqual(verdicts[0], verdicts[1]) {
		t.Errorf("verdicts from the columns the expressions use (%d) differ from those of every column (%d)", len(verdicts[1]), len(verdicts[0]))
	}
	if !reflect.DeepEqual(decidable[0], decidable[1]) {
		t.Errorf("decidable expressions differ: %v, %v", decidable[0], decidable[1])
	}
}

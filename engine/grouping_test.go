package engine

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// groupingRows is the data of TestGroupingManyColumns: columns whose values
// repeat across columns (i and j hold the same numbers; s holds their
// text), NaN in two spellings, -0.0 next to 0.0, the string 'NULL' next to
// SQL NULL, unicode that differs only in normalisation, and an all-NULL
// column. w drives the where clause (NULL rows are filtered out).
var groupingRows = []struct {
	i, j *int64
	d    *float64
	s    *string
	n    *int64
	w    *int64
}{
	{i: gi(1), j: gi(2), d: gf(0), s: gs("1"), w: gi(1)},
	{i: gi(1), j: gi(1), d: gf(math.Copysign(0, -1)), s: gs("NULL"), w: gi(0)},
	{i: gi(2), j: gi(1), d: gf(math.NaN()), s: nil, w: gi(2)},
	{i: gi(3), j: gi(3), d: gf(-math.NaN()), s: gs("é"), w: gi(1)},
	{i: nil, j: gi(3), d: nil, s: gs("e\u0301"), w: gi(0)},
	{i: nil, j: nil, d: gf(1.5), s: gs("日本"), w: nil},
	{i: gi(4), j: nil, d: gf(1.5), s: gs("日本"), w: gi(3)},
	{i: gi(5), j: gi(4), d: gf(math.Inf(1)), s: gs(""), w: gi(1)},
	{i: gi(5), j: gi(5), d: gf(math.Inf(-1)), s: gs("2"), w: gi(2)},
	{i: gi(5), j: gi(5), d: gf(2), s: gs("1"), w: gi(0)},
	{i: gi(6), j: gi(6), d: gf(2), s: nil, w: gi(1)},
	{i: gi(-7), j: gi(7), d: gf(-2), s: gs("NULL"), w: gi(4)},
}

func gi(v int64) *int64     { return &v }
func gf(v float64) *float64 { return &v }
func gs(v string) *string   { return &v }

func sqlInt(p *int64) string {
	if p == nil {
		return "NULL"
	}
	return strconv.FormatInt(*p, 10)
}

// groupingKey is a value's identity in a frequency count, decided in Go
// rather than by SQL: NaNs are one value, -0.0 equals 0.0 (DuckDB's GROUP
// BY, and Spark's since 3.0), strings compare by bytes (no unicode
// normalisation), and NULL is its own marker, distinct from 'NULL'.
func groupingKey(r int, col string) (string, bool) {
	row := groupingRows[r]
	switch col {
	case "i", "j", "n":
		p := map[string]*int64{"i": row.i, "j": row.j, "n": row.n}[col]
		if p == nil {
			return "", true
		}
		return "int:" + strconv.FormatInt(*p, 10), false
	case "d":
		if row.d == nil {
			return "", true
		}
		switch v := *row.d; {
		case math.IsNaN(v):
			return "float:NaN", false
		case v == 0:
			return "float:0", false
		default:
			return "float:" + strconv.FormatFloat(v, 'g', -1, 64), false
		}
	case "s":
		if row.s == nil {
			return "", true
		}
		return "str:" + *row.s, false
	}
	panic("unknown column " + col)
}

// groupingWant computes the frequency metrics of a column set over the
// rows the where clause keeps, by Deequ's formulas (spec Appendix C):
// tuples whose columns are all NULL are dropped, except that
// DistinctValuesCount counts NULL as a value.
func groupingWant(cols []string, where bool) (freq map[string]int, distinct int) {
	freq = map[string]int{}
	all := map[string]bool{}
	for r, row := range groupingRows {
		if where && (row.w == nil || *row.w <= 0) {
			continue
		}
		var parts []string
		allNull := true
		for _, c := range cols {
			k, null := groupingKey(r, c)
			if null {
				k = "<null>"
			} else {
				allNull = false
			}
			parts = append(parts, k)
		}
		key := strings.Join(parts, "\x00")
		all[key] = true
		if !allNull {
			freq[key]++
		}
	}
	return freq, len(all)
}

// TestGroupingManyColumns evaluates every frequency rule on many columns
// in one ruleset, which plans them together, and checks each metric
// against Go's count of the same data, against an independent SQL count
// of distinct values, and against the rule evaluated on its own.
func TestGroupingManyColumns(t *testing.T) {
	var sel []string
	for _, r := range groupingRows {
		d := "NULL"
		if r.d != nil {
			switch v := *r.d; {
			case math.IsNaN(v) && math.Signbit(v):
				d = "-CAST('NaN' AS DOUBLE)"
			case math.IsNaN(v):
				d = "CAST('NaN' AS DOUBLE)"
			case math.IsInf(v, 1):
				d = "CAST('Infinity' AS DOUBLE)"
			case math.IsInf(v, -1):
				d = "CAST('-Infinity' AS DOUBLE)"
			case v == 0 && math.Signbit(v):
				d = "CAST('-0.0' AS DOUBLE)"
			default:
				d = "CAST(" + strconv.FormatFloat(v, 'g', -1, 64) + " AS DOUBLE)"
			}
		}
		s := "NULL"
		if r.s != nil {
			s = QuoteString(*r.s)
		}
		sel = append(sel, fmt.Sprintf("SELECT CAST(%s AS BIGINT) AS i, CAST(%s AS BIGINT) AS j, %s AS d, CAST(%s AS VARCHAR) AS s, CAST(NULL AS INTEGER) AS n, CAST(%s AS INTEGER) AS w",
			sqlInt(r.i), sqlInt(r.j), d, s, sqlInt(r.w)))
	}
	path := writeParquet(t, "grouping", strings.Join(sel, "\nUNION ALL\n"))
	// The file must hold what Go computes from: -0.0 and both NaNs
	// survive the round trip as distinct bit patterns.
	if got := scalar(t, path, "SELECT count(*) FROM t WHERE d = 0 AND signbit(d)"); got != 1 {
		t.Fatalf("data: %v rows of -0.0, want 1", got)
	}

	type rule struct {
		text  string
		kind  string
		cols  []string
		where bool
	}
	var rules []rule
	for _, c := range []string{"i", "j", "d", "s", "n"} {
		for _, kind := range []string{"DistinctValuesCount", "Uniqueness", "UniqueValueRatio", "Entropy"} {
			rules = append(rules,
				rule{fmt.Sprintf("%s %q >= 0", kind, c), kind, []string{c}, false},
				rule{fmt.Sprintf("%s %q >= 0 where \"w > 0\"", kind, c), kind, []string{c}, true})
		}
	}
	rules = append(rules,
		rule{`Uniqueness "i" "j" >= 0`, "Uniqueness", []string{"i", "j"}, false},
		rule{`Uniqueness "d" "s" >= 0 where "w > 0"`, "Uniqueness", []string{"d", "s"}, true},
		rule{`Uniqueness "n" "i" >= 0`, "Uniqueness", []string{"n", "i"}, false},
		rule{`IsPrimaryKey "i" "s"`, "IsPrimaryKey", []string{"i", "s"}, false},
		rule{`IsPrimaryKey "j" "d" where "w > 0"`, "IsPrimaryKey", []string{"j", "d"}, true},
	)
	var texts []string
	for _, r := range rules {
		texts = append(texts, r.text)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE VIEW t AS SELECT * FROM read_parquet(" + QuoteString(path) + ")"); err != nil {
		t.Fatal(err)
	}
	together := evaluate(t, path, "Rules = [\n  "+strings.Join(texts, ",\n  ")+"\n]", Options{})
	if len(together.RuleResults) != len(rules) {
		t.Fatalf("got %d results, want %d", len(together.RuleResults), len(rules))
	}

	for n, r := range rules {
		got := together.RuleResults[n].EvaluatedMetrics
		freq, distinct := groupingWant(r.cols, r.where)
		total, unique := 0, 0
		for _, c := range freq {
			total += c
			if c == 1 {
				unique++
			}
		}
		name := "Column." + r.cols[0] + "."
		if len(r.cols) > 1 {
			name = "Multicolumn." + strings.Join(r.cols, ",") + "."
		}
		want := map[string]float64{}
		switch r.kind {
		case "DistinctValuesCount":
			want[name+"DistinctValuesCount"] = float64(distinct)
			// An independent SQL formulation: count(DISTINCT) ignores
			// NULL, which is one more value when present.
			filter := ""
			if r.where {
				filter = " WHERE w > 0"
			}
			c := QuoteIdent(r.cols[0])
			if sqlN := groupingScalar(t, db, "SELECT count(DISTINCT "+c+") + max(CASE WHEN "+c+" IS NULL THEN 1 ELSE 0 END) FROM t"+filter); sqlN != float64(distinct) {
				t.Errorf("%s: SQL count(DISTINCT) = %v, Go = %d", r.text, sqlN, distinct)
			}
		case "Uniqueness", "IsPrimaryKey":
			if total > 0 {
				want[name+"Uniqueness"] = float64(unique) / float64(total)
			}
		case "UniqueValueRatio":
			if len(freq) > 0 {
				want[name+"UniqueValueRatio"] = float64(unique) / float64(len(freq))
			}
		case "Entropy":
			if total > 0 {
				h := 0.0
				for _, c := range freq {
					p := float64(c) / float64(total)
					h -= p * math.Log(p)
				}
				want[name+"Entropy"] = h
			}
		}
		if r.kind == "IsPrimaryKey" {
			for _, c := range r.cols {
				rows, nonNull := 0, 0
				for k := range groupingRows {
					if w := groupingRows[k].w; r.where && (w == nil || *w <= 0) {
						continue
					}
					rows++
					if _, null := groupingKey(k, c); !null {
						nonNull++
					}
				}
				want["Column."+c+".Completeness"] = float64(nonNull) / float64(rows)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: metrics %v, want %v", r.text, got, want)
			continue
		}
		for k, v := range want {
			g, ok := got[k]
			if !ok || math.Abs(g-v) > 1e-12*math.Max(1, math.Abs(v)) {
				t.Errorf("%s: %s = %v (present %v), want %v", r.text, k, g, ok, v)
			}
		}

		// Planned alone, the rule gets its own grouping statement: the
		// shared plan must report bit-identical metrics and verdicts. A
		// sample of the rules keeps the test fast.
		if n%5 != 0 && r.kind != "IsPrimaryKey" {
			continue
		}
		alone := evaluate(t, path, "Rules = [ "+r.text+" ]", Options{}).RuleResults[0]
		if alone.Result != together.RuleResults[n].Result || alone.EvaluationMessage != together.RuleResults[n].EvaluationMessage {
			t.Errorf("%s: together %s %q, alone %s %q", r.text, together.RuleResults[n].Result,
				together.RuleResults[n].EvaluationMessage, alone.Result, alone.EvaluationMessage)
		}
		if fmt.Sprint(alone.EvaluatedMetrics) != fmt.Sprint(got) {
			t.Errorf("%s: together %v, alone %v", r.text, got, alone.EvaluatedMetrics)
		}
	}
}

func groupingScalar(t *testing.T, db *sql.DB, query string) float64 {
	t.Helper()
	var f sql.NullFloat64
	if err := db.QueryRow(query).Scan(&f); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return f.Float64
}

// TestGroupingAllStatisticsMatchesRules checks that AllStatistics on all
// columns reports the same frequency metrics as the rules do.
func TestGroupingAllStatisticsMatchesRules(t *testing.T) {
	path := writeParquet(t, "allstats", `SELECT * FROM (VALUES
		(1, 'a', CAST('NaN' AS DOUBLE)), (1, 'b', CAST('-0.0' AS DOUBLE)), (2, NULL, 0.0),
		(NULL, 'a', NULL), (3, 'ü', 2.5), (3, 'ü', 2.5)) AS v(k, s, x)`)
	res, err := Evaluate(context.Background(), parseRules(t, `Rules = [
  Uniqueness "k" >= 0, Uniqueness "s" >= 0, Uniqueness "x" >= 0, Entropy "k" >= 0, Entropy "x" >= 0
]
Analyzers = [ AllStatistics AllColumns ]`), Files(path, FileOptions{}), Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	an := res.AnalyzerResults[0].EvaluatedMetrics
	for _, rr := range res.RuleResults {
		for k, v := range rr.EvaluatedMetrics {
			if a, ok := an[k]; !ok || a != v {
				t.Errorf("%s: rule %v, AllStatistics %v (present %v)", k, v, a, ok)
			}
		}
	}
	// Hand arithmetic: x groups {NaN, 0 (twice: -0.0 = 0.0), 2.5 (twice)},
	// NULL dropped; 1 unique group of 5 values.
	if got := an["Column.x.Uniqueness"]; got != 0.2 {
		t.Errorf("Column.x.Uniqueness = %v, want 0.2", got)
	}
}

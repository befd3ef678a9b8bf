package engine

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/dqdl"
)

// TestCrosscheck is a differential test: every single-dataset rule type and
// condition form, over datasets full of NULLs, NaN, ±Inf, empty and
// whitespace strings, unicode, duplicates, all-NULL columns, 0 and 1 rows,
// is evaluated by the engine and by the naive Go oracle of
// crosscheck_oracle_test.go, and the two must agree on the outcome, the
// metrics and the message.
func TestCrosscheck(t *testing.T) {
	total := 0
	for i, ds := range cxDatasets() {
		if testing.Short() && i > 2 {
			break // -short: the mixed, empty and one-row datasets only
		}
		t.Run(ds.name, func(t *testing.T) {
			d := loadCx(t, ds.name, ds.sql)
			cases := cxCases(d)
			total += len(cases)
			cxRun(t, d, cases)
		})
	}
	t.Logf("%d rule cases", total)
}

// cxCase is one rule and its oracle.
type cxCase struct {
	rule string
	want func() *cxWant
}

// cxRun evaluates all cases of a dataset in one ruleset (which also
// exercises the fused scans) and compares each result with its oracle.
func cxRun(t *testing.T, d *cxData, cases []cxCase) {
	t.Helper()
	var texts []string
	for _, c := range cases {
		if _, err := dqdl.Parse("case.dqdl", "Rules = [ "+c.rule+" ]"); err != nil {
			t.Errorf("case does not parse: %s: %v", c.rule, err)
			return
		}
		texts = append(texts, c.rule)
	}
	rs := parseRules(t, "Rules = [\n  "+strings.Join(texts, ",\n  ")+"\n]")
	res, err := Evaluate(context.Background(), rs, Files(d.path, FileOptions{}), Options{Now: testNow})
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	if len(res.RuleResults) != len(cases) {
		t.Fatalf("%d results for %d rules", len(res.RuleResults), len(cases))
	}
	passed := 0
	for i, c := range cases {
		got := res.RuleResults[i]
		want := c.want()
		if want.result == Pass {
			passed++
		}
		diffs := cxDiff(got, want)
		if got.Name != fmt.Sprintf("Rule_%d", i) {
			diffs = append(diffs, fmt.Sprintf("Name: got %s, want Rule_%d", got.Name, i))
		}
		if canon := rs.Rules[i].String(); got.Description != canon || got.EvaluatedRule != canon {
			diffs = append(diffs, fmt.Sprintf("Description/EvaluatedRule: got %q / %q, want %q", got.Description, got.EvaluatedRule, canon))
		}
		if len(diffs) > 0 {
			t.Errorf("dataset %s, rule %s\n    %s", d.name, c.rule, strings.Join(diffs, "\n    "))
		}
	}
	if res.Score == nil || math.Abs(*res.Score-float64(passed)/float64(len(cases))) > 1e-15 {
		t.Errorf("dataset %s: Score = %v, want %d/%d", d.name, res.Score, passed, len(cases))
	}
}

// cxQ quotes a column name as a DQDL string parameter.
func cxQ(col string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(col) + `"`
}

func cxNumeric(typ string) bool {
	return typ == "DOUBLE" || typ == "BIGINT" || typ == "INTEGER" || strings.HasPrefix(typ, "DECIMAL")
}

// cxCases generates the rules for a dataset from its schema.
func cxCases(d *cxData) []cxCase {
	var cs []cxCase
	add := func(rule string, want func() *cxWant) { cs = append(cs, cxCase{rule, want}) }
	wheres := []*cxWhere{nil, cxIDAbove(2), cxIDAbove(100)}
	if d.has("n") && d.typ("n") == "DOUBLE" {
		// A predicate that is NULL on NULL rows: those rows are filtered out.
		wheres = append(wheres, &cxWhere{sql: "n > 0", keep: func(d *cxData, r []any) bool {
			v, ok := cxNum(r[d.idx("n")])
			return ok && cxCmp(v, 0) > 0
		}})
	}

	// Dataset-level rules.
	for _, w := range wheres {
		rows := func() [][]any { return cxFilter(d, w) }
		for _, c := range []cxCond{{op: ">", xs: []float64{3}}, {op: "between", xs: []float64{0, 8}}, {op: "=", xs: []float64{float64(len(cxFilter(d, w)))}}, {op: "in", xs: []float64{0, 1}}} {
			add("RowCount "+c.text()+w.text(), func() *cxWant {
				return cxNumberRule("Dataset.*.RowCount", float64(len(rows())), false, false, c)
			})
		}
	}
	for _, c := range []cxCond{{op: "=", xs: []float64{float64(len(d.cols))}}, {op: "<", xs: []float64{5}}, {op: "not between", xs: []float64{1, 5}}} {
		add("ColumnCount "+c.text(), func() *cxWant { return cxNumberRule("Dataset.*.ColumnCount", float64(len(d.cols)), false, false, c) })
	}
	for _, p := range []string{"[a-z]+", ".*", "[a-zü ]+", "[a-z]"} {
		add("ColumnNamesMatchPattern "+strconv.Quote(p), func() *cxWant {
			re := regexp.MustCompile("^(?:" + p + ")$")
			var bad []string
			for _, c := range d.cols {
				if !re.MatchString(c.name) {
					bad = append(bad, c.name)
				}
			}
			w := cxPass()
			w.metric("Dataset.*.ColumnNamesPatternMatchRatio", float64(len(d.cols)-len(bad))/float64(len(d.cols)))
			if len(bad) > 0 {
				w.fail("Columns that do not match the pattern: " + strings.Join(bad, ", "))
			}
			return w
		})
	}
	for _, c := range append(d.colNames(), "nope", "ID") {
		add("ColumnExists "+cxQ(c), func() *cxWant {
			// Names resolve ignoring case, as Spark's default
			// spark.sql.caseSensitive=false (issue 11): "ID" finds "id".
			if d.hasFold(c) {
				return cxPass()
			}
			return cxFailed("Input data does not include column " + c + "!")
		})
	}
	add(`Completeness "nope" > 0.5`, func() *cxWant { return cxFailed("Input data does not include column nope!") })
	add(`ColumnValues "nope" in ["a"]`, func() *cxWant { return cxFailed("Input data does not include column nope!") })

	// Rules on every column.
	for _, col := range d.colNames() {
		q := cxQ(col)
		for _, w := range wheres {
			rows := func() [][]any { return cxFilter(d, w) }
			add("Completeness "+q+" > 0.5"+w.text(), func() *cxWant {
				m, empty := cxCompleteness(d, rows(), col)
				return cxNumberRule("Column."+col+".Completeness", m, empty, w != nil, cxCond{op: ">", xs: []float64{0.5}})
			})
			if m, empty := cxCompleteness(d, rows(), col); !empty {
				// = is exact: the ratio must come out bit for bit.
				c := cxCond{op: "=", xs: []float64{m}}
				add("Completeness "+q+" "+c.text()+w.text(), func() *cxWant {
					return cxNumberRule("Column."+col+".Completeness", m, false, w != nil, c)
				})
			}
			add("IsComplete "+q+w.text(), func() *cxWant {
				m, empty := cxCompleteness(d, rows(), col)
				return cxOne("Column."+col+".Completeness", m, empty, w != nil)
			})
			add("Uniqueness "+q+" >= 0.5"+w.text(), func() *cxWant {
				m, empty := cxUniqueness(d, rows(), []string{col})
				return cxNumberRule("Column."+col+".Uniqueness", m, empty, w != nil, cxCond{op: ">=", xs: []float64{0.5}})
			})
			add("IsUnique "+q+w.text(), func() *cxWant {
				m, empty := cxUniqueness(d, rows(), []string{col})
				return cxOne("Column."+col+".Uniqueness", m, empty, w != nil)
			})
			add("IsPrimaryKey "+q+w.text(), func() *cxWant { return cxPrimaryKey(d, rows(), []string{col}, w != nil) })
			add("DistinctValuesCount "+q+" > 2"+w.text(), func() *cxWant {
				// NULL is one distinct value; an empty input has 0 (spec §6.17).
				m := float64(len(cxGroups(d, rows(), []string{col}, true)))
				return cxNumberRule("Column."+col+".DistinctValuesCount", m, false, false, cxCond{op: ">", xs: []float64{2}})
			})
			add("UniqueValueRatio "+q+" between 0.25 and 1"+w.text(), func() *cxWant {
				m, empty := cxUniqueValueRatio(d, rows(), col)
				return cxNumberRule("Column."+col+".UniqueValueRatio", m, empty, w != nil, cxCond{op: "between", xs: []float64{0.25, 1}})
			})
			add("Entropy "+q+" > 1"+w.text(), func() *cxWant {
				m, empty := cxEntropy(d, rows(), col)
				return cxNumberRule("Column."+col+".Entropy", m, empty, w != nil, cxCond{op: ">", xs: []float64{1}})
			})
		}
		typ := d.typ(col)
		switch {
		case cxNumeric(typ):
			cs = append(cs, cxNumericCases(d, col, wheres)...)
		case typ == "VARCHAR":
			cs = append(cs, cxStringCases(d, col, wheres)...)
		case typ == "DATE" || strings.HasPrefix(typ, "TIMESTAMP"):
			cs = append(cs, cxDateCases(d, col, wheres)...)
		}
		if typ == "DOUBLE" || typ == "BIGINT" {
			// A string condition on a number compares its Spark string form.
			ops := []cxStrOp{{val: "1.5"}, {val: "NaN"}, {val: "Infinity"}, {val: "5"}, {val: "3.0"}}
			cs = append(cs, cxCase{"ColumnValues " + q + " " + cxStrText("in", ops), func() *cxWant {
				return cxCompliance(d, d.rows, false, "Column."+col+".ColumnValues.Compliance", nil, false, func(r []any) bool {
					v, ok := cxStr(r[d.idx(col)])
					return cxStrHolds("in", ops, v, !ok, false)
				})
			}})
		}
		if typ != "VARCHAR" {
			// ColumnLength of a non-string column is the length of its
			// Spark string form.
			for _, c := range []cxCond{{op: "<=", xs: []float64{3}}, {op: "in", xs: []float64{3, 4}}} {
				cs = append(cs, cxCase{"ColumnLength " + q + " " + c.text(), func() *cxWant {
					length := func(r []any) (float64, bool) { return float64(cxLength(r[d.idx(col)])), true }
					if c.op == "in" {
						return cxCompliance(d, d.rows, false, "Column."+col+".LengthCompliance", nil, false, func(r []any) bool {
							l, _ := length(r)
							return c.rowHolds(l, false)
						})
					}
					return cxMinMax(d.rows, false, col, "MinimumLength", "MaximumLength", c, false, length)
				}})
			}
		}
	}
	cs = append(cs, cxMultiColumnCases(d)...)
	cs = append(cs, cxDataTypeCases(d)...)
	cs = append(cs, cxCustomSQLCases(d)...)
	if d.has("sd") {
		cs = append(cs, cxDateCases(d, "sd", wheres[:2])...)
	}
	cs = append(cs, cxCompositeCases(cs, len(d.cols))...)
	return cs
}

func (d *cxData) colNames() []string {
	var out []string
	for _, c := range d.cols {
		out = append(out, c.name)
	}
	return out
}

// cxPrimaryKey: unique and complete (spec §6.20); uniqueness message first.
func cxPrimaryKey(d *cxData, rows [][]any, cols []string, hasWhere bool) *cxWant {
	w := cxPass()
	m, empty := cxUniqueness(d, rows, cols)
	switch {
	case empty && hasWhere:
		return w
	case empty:
		w.fail(cxEmptyState)
	default:
		w.metric(cxMetricName(cols, "Uniqueness"), m)
		if m != 1 {
			w.fail(cxValueMsg(m))
		}
	}
	for _, c := range cols {
		cm, empty := cxCompleteness(d, rows, c)
		if empty {
			w.fail(cxEmptyState)
			continue
		}
		w.metric("Column."+c+".Completeness", cm)
		if cm != 1 {
			w.fail(cxValueMsg(cm))
		}
	}
	return w
}

func cxMultiColumnCases(d *cxData) []cxCase {
	var cs []cxCase
	var pairs [][]string
	for _, p := range [][]string{{"a", "k"}, {"k", "a"}, {"c", "s"}, {"id", "c"}, {"c", "b"}, {"n", "c"}} {
		if d.has(p[0]) && d.has(p[1]) {
			pairs = append(pairs, p)
		}
	}
	for _, p := range pairs {
		for _, w := range []*cxWhere{nil, cxIDAbove(3)} {
			text := cxQ(p[0]) + " " + cxQ(p[1])
			rows := func() [][]any { return cxFilter(d, w) }
			cs = append(cs,
				cxCase{"Uniqueness " + text + " > 0.3" + w.text(), func() *cxWant {
					m, empty := cxUniqueness(d, rows(), p)
					return cxNumberRule(cxMetricName(p, "Uniqueness"), m, empty, w != nil, cxCond{op: ">", xs: []float64{0.3}})
				}},
				cxCase{"IsUnique " + text + w.text(), func() *cxWant {
					m, empty := cxUniqueness(d, rows(), p)
					return cxOne(cxMetricName(p, "Uniqueness"), m, empty, w != nil)
				}},
				cxCase{"IsPrimaryKey " + text + w.text(), func() *cxWant { return cxPrimaryKey(d, rows(), p, w != nil) }},
			)
		}
	}
	return cs
}

func cxNumericCases(d *cxData, col string, wheres []*cxWhere) []cxCase {
	var cs []cxCase
	q := cxQ(col)
	for _, w := range wheres {
		rows := func() [][]any { return cxFilter(d, w) }
		for _, kind := range []string{"Mean", "Sum", "StandardDeviation", "Variance"} {
			for _, c := range []cxCond{{op: ">", xs: []float64{0}}, {op: "between", xs: []float64{-10, 10}}} {
				cs = append(cs, cxCase{kind + " " + q + " " + c.text() + w.text(), func() *cxWant {
					m, empty := cxStat(kind, cxValues(d, rows(), col))
					return cxNumberRule("Column."+col+"."+kind, m, empty, w != nil, c)
				}})
			}
		}
		if col != "y" && d.has("y") {
			cs = append(cs, cxCase{"ColumnCorrelation " + q + " \"y\" > 0.5" + w.text(), func() *cxWant {
				m, empty := cxCorrelation(d, rows(), col, "y")
				return cxNumberRule("Multicolumn."+col+",y.ColumnCorrelation", m, empty, w != nil, cxCond{op: ">", xs: []float64{0.5}})
			}})
		}
		conds := []cxCond{
			{op: ">", xs: []float64{0}}, {op: ">=", xs: []float64{-2}}, {op: "<", xs: []float64{10}}, {op: "<=", xs: []float64{3}},
			{op: "between", xs: []float64{-2, 10}}, {op: "between", xs: []float64{-10, 100000}}, {op: "not between", xs: []float64{0, 3}},
			{op: "=", xs: []float64{5}}, {op: "=", xs: []float64{3}}, {op: "!=", xs: []float64{5}}, {op: "=", null: true}, {op: "!=", null: true},
			{op: "in", xs: []float64{5, 1, 3}}, {op: "in", xs: []float64{5}, null: true}, {op: "not in", xs: []float64{5, 1}},
			{op: "not in", xs: []float64{5}, null: true}, {op: "in", xs: []float64{1.5, 2.25, 9223372036854775807}},
		}
		thresholds := []*cxCond{nil, {op: ">", xs: []float64{0.5}}, {op: "<=", xs: []float64{0.25}}}
		if w != nil {
			thresholds = thresholds[:2] // the where variants need not repeat every threshold
		}
		for _, c := range conds {
			for _, thr := range thresholds {
				text := "ColumnValues " + q + " " + c.text() + w.text()
				if thr != nil {
					text += " with threshold " + thr.text()
				}
				cs = append(cs, cxCase{text, func() *cxWant { return cxNumberValues(d, rows(), w != nil, col, c, thr) }})
			}
		}
	}
	return cs
}

// cxNumberValues is ColumnValues with a number condition (spec §5.6): the
// min/max + completeness path without a threshold for >, >=, <, <=,
// between and = (not = NULL), per-row compliance otherwise.
func cxNumberValues(d *cxData, rows [][]any, hasWhere bool, col string, c cxCond, thr *cxCond) *cxWant {
	val := func(r []any) (float64, bool) { return cxNum(r[d.idx(col)]) }
	switch c.op {
	case ">", ">=", "<", "<=", "between", "=":
		if thr == nil && !c.null {
			return cxMinMax(rows, hasWhere, col, "Minimum", "Maximum", c, true, val)
		}
	}
	return cxCompliance(d, rows, hasWhere, "Column."+col+".ColumnValues.Compliance", thr, false, func(r []any) bool {
		v, ok := val(r)
		return c.rowHolds(v, !ok)
	})
}

func cxStringCases(d *cxData, col string, wheres []*cxWhere) []cxCase {
	var cs []cxCase
	q := cxQ(col)
	lit := func(s string) cxStrOp { return cxStrOp{val: s} }
	kw := func(k string) cxStrOp { return cxStrOp{kw: k} }
	type sc struct {
		op  string
		ops []cxStrOp
		ic  bool
	}
	conds := []sc{
		{"=", []cxStrOp{lit("a")}, false}, {"!=", []cxStrOp{lit("a")}, false},
		{"=", []cxStrOp{kw("NULL")}, false}, {"!=", []cxStrOp{kw("NULL")}, false},
		{"in", []cxStrOp{lit("a"), lit("x")}, false}, {"in", []cxStrOp{lit("a"), kw("NULL")}, false},
		{"in", []cxStrOp{kw("EMPTY")}, false}, {"in", []cxStrOp{kw("WHITESPACES_ONLY")}, false},
		{"in", []cxStrOp{lit("x"), lit("y"), lit("z"), kw("NULL"), kw("EMPTY"), kw("WHITESPACES_ONLY")}, false},
		{"not in", []cxStrOp{lit("a"), kw("NULL")}, false}, {"not in", []cxStrOp{lit("a"), lit("x")}, false},
		{"not in", []cxStrOp{kw("EMPTY"), kw("WHITESPACES_ONLY")}, false},
		{"=", []cxStrOp{lit("A")}, true}, {"in", []cxStrOp{lit("X"), lit("Y"), lit("É😀")}, true}, {"!=", []cxStrOp{lit("A")}, true},
		{"not in", []cxStrOp{lit("X"), kw("NULL")}, true}, {"in", []cxStrOp{lit("é😀"), lit("日本語")}, false},
		{"matches", []cxStrOp{lit("[a-z]*")}, false}, {"matches", []cxStrOp{lit("[a-z]")}, false},
		{"not matches", []cxStrOp{lit("[a-z]+")}, false}, {"matches", []cxStrOp{lit("(?i)[a-z]+")}, false},
		{"matches", []cxStrOp{lit(`\s*`)}, false}, {"matches", []cxStrOp{lit("..")}, false},
	}
	for wi, w := range wheres {
		rows := func() [][]any { return cxFilter(d, w) }
		for ci, c := range conds {
			if wi >= 2 && ci%4 != 0 {
				continue // a sample of conditions under the other where clauses
			}
			for _, thr := range []*cxCond{nil, {op: ">=", xs: []float64{0.5}}} {
				text := "ColumnValues " + q + " " + cxStrText(c.op, c.ops) + w.text()
				if thr != nil {
					text += " with threshold " + thr.text()
				}
				if c.ic {
					text += ` with ignoreCase = "true"`
				}
				metric := "Column." + col + ".ColumnValues.Compliance"
				if strings.HasSuffix(c.op, "matches") {
					metric = "Column." + col + ".PatternMatch"
				}
				cs = append(cs, cxCase{text, func() *cxWant {
					return cxCompliance(d, rows(), w != nil, metric, thr, false, func(r []any) bool {
						v, ok := cxStr(r[d.idx(col)])
						return cxStrHolds(c.op, c.ops, v, !ok, c.ic)
					})
				}})
			}
		}
		// ColumnLength (spec §6.19): NULL is length 0, lengths in characters.
		length := func(r []any) (float64, bool) { return float64(cxLength(r[d.idx(col)])), true }
		for _, c := range []cxCond{
			{op: ">", xs: []float64{0}}, {op: ">=", xs: []float64{1}}, {op: "<", xs: []float64{3}}, {op: "<=", xs: []float64{3}},
			{op: "between", xs: []float64{0, 4}}, {op: "=", xs: []float64{1}}, {op: "!=", xs: []float64{3}}, {op: "in", xs: []float64{0, 1}},
			{op: "not in", xs: []float64{0}}, {op: "not between", xs: []float64{1, 3}},
		} {
			for _, thr := range []*cxCond{nil, {op: ">=", xs: []float64{0.5}}} {
				text := "ColumnLength " + q + " " + c.text() + w.text()
				if thr != nil {
					text += " with threshold " + thr.text()
				}
				cs = append(cs, cxCase{text, func() *cxWant {
					if thr == nil && c.op != "in" && c.op != "not in" && c.op != "not between" {
						return cxMinMax(rows(), w != nil, col, "MinimumLength", "MaximumLength", c, false, length)
					}
					return cxCompliance(d, rows(), w != nil, "Column."+col+".LengthCompliance", thr, false, func(r []any) bool {
						l, _ := length(r)
						return c.rowHolds(l, false)
					})
				}})
			}
		}
	}
	return cs
}

func cxDateCases(d *cxData, col string, wheres []*cxWhere) []cxCase {
	var cs []cxCase
	q := cxQ(col)
	tsCol := strings.HasPrefix(d.typ(col), "TIMESTAMP")
	strCol := d.typ(col) == "VARCHAR"
	day := func(s string) cxDateOp {
		t, _ := time.Parse("2006-01-02", s)
		return cxDateOp{text: strconv.Quote(s), t: t}
	}
	nowOff := func(text string, off time.Duration) cxDateOp {
		return cxDateOp{text: text, t: testNow.Add(off), instant: true}
	}
	null := cxDateOp{text: "NULL", null: true}
	now := nowOff("now()", 0)
	type dc struct {
		op  string
		ops []cxDateOp
	}
	conds := []dc{
		{">", []cxDateOp{day("2024-05-31")}}, {">=", []cxDateOp{day("2024-05-31")}}, {"<", []cxDateOp{day("2024-06-01")}},
		{"<=", []cxDateOp{day("2024-06-01")}}, {"=", []cxDateOp{day("2024-06-01")}}, {"!=", []cxDateOp{day("2024-06-01")}},
		{"between", []cxDateOp{day("2024-01-01"), day("2024-06-01")}}, {"not between", []cxDateOp{day("2024-01-01"), day("2024-06-01")}},
		{"in", []cxDateOp{day("2024-06-01"), day("2024-05-31")}}, {"in", []cxDateOp{day("2024-06-01"), null}},
		{"not in", []cxDateOp{day("2024-06-01")}}, {"not in", []cxDateOp{day("2024-06-01"), null}},
		{"=", []cxDateOp{null}}, {"!=", []cxDateOp{null}},
		{">", []cxDateOp{nowOff("(now() - 3 days)", -72*time.Hour)}}, {">=", []cxDateOp{nowOff("(now() - 12 hours)", -12*time.Hour)}},
		{"<", []cxDateOp{nowOff("(now() + 30 minutes)", 30*time.Minute)}}, {"<=", []cxDateOp{now}},
		{"between", []cxDateOp{nowOff("(now() - 2 days)", -48*time.Hour), now}},
		{"not between", []cxDateOp{nowOff("(now() - 2 days)", -48*time.Hour), now}},
		// Times of day: today in the rule's time zone (spec §5.3, §18 #31).
		{">", []cxDateOp{nowOff(`"11:00"`, -time.Hour)}},
		{"<", []cxDateOp{{text: `"9:30 AM"`, t: time.Date(2024, 6, 1, 13, 30, 0, 0, time.UTC), instant: true, tz: "America/New_York"}}},
		{">=", []cxDateOp{{text: `"11:00 PM"`, t: time.Date(2024, 6, 2, 9, 0, 0, 0, time.UTC), instant: true, tz: "Pacific/Kiritimati"}}},
	}
	if strCol {
		// Strings compare at day granularity only; keep the day operands.
		conds = conds[:14]
	}
	for wi, w := range wheres {
		rows := func() [][]any { return cxFilter(d, w) }
		for ci, c := range conds {
			if wi >= 2 && ci%4 != 0 {
				continue // a sample of conditions under the other where clauses
			}
			for _, thr := range []*cxCond{nil, {op: ">", xs: []float64{0.5}}} {
				var parts []string
				for _, o := range c.ops {
					parts = append(parts, o.text)
				}
				ct := c.op + " " + parts[0]
				switch c.op {
				case "between", "not between":
					ct = c.op + " " + parts[0] + " and " + parts[1]
				case "in", "not in":
					ct = c.op + " [" + strings.Join(parts, ",") + "]"
				}
				text := "ColumnValues " + q + " " + ct + w.text()
				if thr != nil {
					text += " with threshold " + thr.text()
				}
				if tz := c.ops[0].tz; tz != "" {
					text += " with timeZone = " + strconv.Quote(tz)
				}
				cs = append(cs, cxCase{text, func() *cxWant {
					return cxCompliance(d, rows(), w != nil, "Column."+col+".ColumnValues.Compliance", thr, false, func(r []any) bool {
						return cxDateHolds(c.op, c.ops, r[d.idx(col)], tsCol)
					})
				}})
			}
		}
		if strCol {
			continue
		}
		// DataFreshness (spec §6.22): age in hours, HALF_UP to 2 decimals.
		for _, f := range []struct {
			text string
			cond cxCond
		}{
			{"<= 24 hours", cxCond{op: "<=", xs: []float64{24}}}, {"< 2 days", cxCond{op: "<", xs: []float64{48}}},
			{"> 30 minutes", cxCond{op: ">", xs: []float64{0.5}}}, {"between 1 hours and 3 days", cxCond{op: "between", xs: []float64{1, 72}}},
			{"<= 10 minutes", cxCond{op: "<=", xs: []float64{cxHalfUp(10.0/60, 4)}}},
		} {
			cs = append(cs, cxCase{"DataFreshness " + q + " " + f.text + w.text(), func() *cxWant {
				return cxCompliance(d, rows(), w != nil, "Column."+col+".DataFreshness.Compliance", nil, true, func(r []any) bool {
					v := r[d.idx(col)]
					if v == nil {
						return false
					}
					age := cxHalfUp(float64(testNow.Sub(v.(time.Time)).Microseconds())/3.6e9, 2)
					return f.cond.rowHolds(age, false)
				})
			}})
		}
	}
	return cs
}

// cxDataTypeCases: ColumnDataType on strings and on typed columns.
func cxDataTypeCases(d *cxData) []cxCase {
	var cs []cxCase
	for _, col := range []string{"sn", "sd", "i", "n", "b", "d", "ts", "dec"} {
		if !d.has(col) {
			continue
		}
		for _, typ := range []string{"Integer", "Long", "Double", "Boolean", "Date"} {
			for _, thr := range []*cxCond{nil, {op: ">=", xs: []float64{0.25}}} {
				for _, w := range []*cxWhere{nil, cxIDAbove(4), cxIDAbove(100)} {
					if w != nil && typ == "Long" {
						continue
					}
					text := "ColumnDataType " + cxQ(col) + " = " + strconv.Quote(typ) + w.text()
					if thr != nil {
						text += " with threshold " + thr.text()
					}
					cs = append(cs, cxCase{text, func() *cxWant {
						return cxCompliance(d, cxFilter(d, w), w != nil, "Column."+col+".ColumnDataType.Compliance", thr, true, func(r []any) bool {
							return cxCastable(r[d.idx(col)], typ)
						})
					}})
				}
			}
		}
	}
	return cs
}

// cxCustomSQLCases: scalar mode (exactly one cell; NULL fails, §18 #16)
// and row mode (rows found null-safely in the statement's output).
func cxCustomSQLCases(d *cxData) []cxCase {
	if !d.has("id") {
		return nil
	}
	var cs []cxCase
	n := float64(len(d.rows))
	scalar := func(sql string, cond cxCond, rows, cols int, val *float64) {
		cs = append(cs, cxCase{"CustomSql " + strconv.Quote(sql) + " " + cond.text(), func() *cxWant {
			switch {
			case rows != 1:
				return cxFailed("Custom SQL did not return exactly 1 row")
			case cols != 1:
				return cxFailed("Custom SQL did not return exactly 1 column")
			case val == nil:
				return cxFailed("Custom SQL returned NULL")
			}
			return cxNumberRule("Dataset.*.CustomSQL", *val, false, false, cond)
		}})
	}
	scalar("select count(*) from primary", cxCond{op: "=", xs: []float64{n}}, 1, 1, &n)
	scalar("select count(*) from primary", cxCond{op: "between", xs: []float64{n, n + 1}}, 1, 1, &n)
	var maxID *float64
	for _, r := range d.rows {
		v, _ := cxNum(r[d.idx("id")])
		if maxID == nil || v > *maxID {
			maxID = &v
		}
	}
	scalar("select max(id) from primary", cxCond{op: ">", xs: []float64{5}}, 1, 1, maxID)
	scalar("select id, id from primary limit 1", cxCond{op: ">", xs: []float64{0}}, min(len(d.rows), 1), 2, maxID)
	var firstID *float64
	if len(d.rows) > 0 {
		v, _ := cxNum(d.rows[0][d.idx("id")])
		firstID = &v
	}
	scalar("select id from primary", cxCond{op: ">=", xs: []float64{1}}, len(d.rows), 1, firstID)

	row := func(sql string, thr *cxCond, keep func(r []any) bool) {
		text := "CustomSql " + strconv.Quote(sql)
		if thr != nil {
			text += " with threshold " + thr.text()
		}
		cs = append(cs, cxCase{text, func() *cxWant {
			if len(d.rows) == 0 {
				return cxFailed("Custom SQL rule could not be evaluated due to data frame being empty")
			}
			k := 0
			for _, r := range d.rows {
				if keep(r) {
					k++
				}
			}
			m := float64(k) / n
			w := cxPass()
			w.metric("Dataset.*.CustomSQL.Compliance", m)
			if (thr == nil && m != 1) || (thr != nil && !thr.holds(m)) {
				w.fail("Custom SQL response failed to satisfy the threshold")
			}
			return w
		}})
	}
	idAbove2 := func(r []any) bool { return r[d.idx("id")].(int64) > 2 }
	row("select id from primary where id > 2", nil, idAbove2)
	row("select id from primary where id > 2", &cxCond{op: ">=", xs: []float64{0.5}}, idAbove2)
	row("select * from primary", nil, func([]any) bool { return true })
	if d.has("c") {
		// NULL matches NULL: the join on the returned columns is null-safe.
		row("select id, c from primary where c is null or c = 'x'", nil, func(r []any) bool {
			v := r[d.idx("c")]
			return v == nil || v == "x"
		})
		row("select c from primary where c is null", &cxCond{op: ">", xs: []float64{0}}, func(r []any) bool { return r[d.idx("c")] == nil })
	}
	// A statement DuckDB cannot bind is an ERROR; it still counts in the
	// score's denominator (spec §18 #19).
	cs = append(cs, cxCase{`CustomSql "select nope from primary" = 1`, func() *cxWant {
		return &cxWant{result: Error, metrics: map[string]float64{}, msg: []string{"Error executing SQL statement: *"}}
	}})
	cs = append(cs, cxCase{`CustomSql "select id as zzz from primary"`, func() *cxWant {
		return cxFailed("The columns returned from the SQL statement should only belong to the primary table. Columns not found: zzz")
	}})
	return cs
}

// cxCompositeCases pairs generated leaves (without their own where
// clause variants for brevity) into AND and OR composites (spec §7.2).
func cxCompositeCases(leaves []cxCase, ncols int) []cxCase {
	var pick []cxCase
	for i, c := range leaves {
		if i%23 == 0 {
			pick = append(pick, c)
		}
	}
	var cs []cxCase
	for i := 0; i+1 < len(pick); i++ {
		a, b := pick[i], pick[i+1]
		for _, op := range []string{"AND", "OR"} {
			cs = append(cs, cxCase{"(" + a.rule + ") " + op + " (" + b.rule + ")", func() *cxWant {
				return cxCombine(op, []*cxWant{a.want(), b.want()})
			}})
		}
	}
	errored := func() *cxWant {
		return &cxWant{result: Error, metrics: map[string]float64{}, msg: []string{"Error executing SQL statement: *"}}
	}
	// ColumnCount >= 0 always holds.
	rowsKnownAdd := func(w *cxWant, n int) *cxWant { w.metric("Dataset.*.ColumnCount", float64(n)); return w }
	cs = append(cs,
		cxCase{`(CustomSql "select nope from primary" = 1) OR (ColumnCount >= 0)`, func() *cxWant {
			return cxCombine("OR", []*cxWant{errored(), rowsKnownAdd(cxPass(), ncols)})
		}},
		cxCase{`(CustomSql "select nope from primary" = 1) AND (ColumnCount >= 0)`, func() *cxWant {
			return cxCombine("AND", []*cxWant{errored(), rowsKnownAdd(cxPass(), ncols)})
		}},
	)
	if len(pick) >= 3 {
		a, b, c := pick[0], pick[1], pick[2]
		cs = append(cs, cxCase{"((" + a.rule + ") AND (" + b.rule + ")) OR (" + c.rule + ")", func() *cxWant {
			return cxCombine("OR", []*cxWant{cxCombine("AND", []*cxWant{a.want(), b.want()}), c.want()})
		}})
	}
	return cs
}

// TestCrosscheckAllStatistics checks the AllStatistics analyzer's keys
// and values (spec §6.29) against the oracle, and that analyzers never
// change the score (spec §12.2).
func TestCrosscheckAllStatistics(t *testing.T) {
	var src string
	for _, ds := range cxDatasets() {
		if ds.name == "mixed" {
			src = ds.sql
		}
	}
	d := loadCx(t, "mixed", src)
	rs := parseRules(t, `Rules = [ RowCount > 100, IsComplete "id", ColumnCount = 0 ]
Analyzers = [ AllStatistics "n", AllStatistics "s", AllStatistics AllColumns, Mean "n", Completeness "c" ]`)
	res, err := Evaluate(context.Background(), rs, Files(d.path, FileOptions{}), Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if res.Score == nil || *res.Score != 1.0/3 {
		t.Errorf("Score = %v, want 1/3: analyzers must not count", res.Score)
	}
	// stats is the oracle for one column of AllStatistics.
	stats := func(col string) map[string]float64 {
		w := cxPass()
		k := func(name string) string { return "Column." + col + "." + name }
		if m, empty := cxCompleteness(d, d.rows, col); !empty {
			w.metric(k("Completeness"), m)
		}
		if m, empty := cxUniqueness(d, d.rows, []string{col}); !empty {
			w.metric(k("Uniqueness"), m)
		}
		typ := d.typ(col)
		switch {
		case cxNumeric(typ):
			xs := cxValues(d, d.rows, col)
			for _, kind := range []string{"Mean", "StandardDeviation", "Sum"} {
				if m, empty := cxStat(kind, xs); !empty {
					w.metric(k(kind), m)
				}
			}
			if m, empty := cxEntropy(d, d.rows, col); !empty {
				w.metric(k("Entropy"), m)
			}
			if len(xs) > 0 {
				lo, hi := xs[0], xs[0]
				for _, x := range xs {
					if cxCmp(x, lo) < 0 {
						lo = x
					}
					if cxCmp(x, hi) > 0 {
						hi = x
					}
				}
				w.metric(k("Minimum"), lo)
				w.metric(k("Maximum"), hi)
			}
		case typ == "VARCHAR":
			// Deequ's MinLength/MaxLength ignore NULLs by default.
			var ls []float64
			for _, r := range d.rows {
				if v := r[d.idx(col)]; v != nil {
					ls = append(ls, float64(cxLength(v)))
				}
			}
			if len(ls) > 0 {
				lo, hi := ls[0], ls[0]
				for _, l := range ls {
					lo, hi = math.Min(lo, l), math.Max(hi, l)
				}
				w.metric(k("MinimumLength"), lo)
				w.metric(k("MaximumLength"), hi)
			}
		}
		return w.metrics
	}
	all := func(cols ...string) *cxWant {
		w := cxPass()
		w.metric("Dataset.*.RowCount", float64(len(d.rows)))
		w.metric("Dataset.*.ColumnCount", float64(len(d.cols)))
		for _, c := range cols {
			for k, v := range stats(c) {
				w.metrics[k] = v
			}
		}
		return w
	}
	mean, _ := cxStat("Mean", cxValues(d, d.rows, "n"))
	compl, _ := cxCompleteness(d, d.rows, "c")
	wants := []*cxWant{
		all("n"), all("s"), all(d.colNames()...),
		{metrics: map[string]float64{}}, // Mean over a NaN: no metric
		{metrics: map[string]float64{"Column.c.Completeness": compl}},
	}
	if !math.IsNaN(mean) {
		t.Fatalf("the dataset should give a NaN mean, got %v", mean)
	}
	if len(res.AnalyzerResults) != len(wants) {
		t.Fatalf("%d analyzer results, want %d", len(res.AnalyzerResults), len(wants))
	}
	for i, want := range wants {
		got := res.AnalyzerResults[i]
		if got.Name != fmt.Sprintf("Analyzer_%d", i) {
			t.Errorf("analyzer %d: Name = %s", i, got.Name)
		}
		// Analyzers never pass or fail: only the metrics are compared.
		want.result = Pass
		want.msg = nil
		diffs := cxDiff(RuleResult{Result: Pass, EvaluatedMetrics: got.EvaluatedMetrics}, want)
		if len(diffs) > 0 {
			t.Errorf("analyzer %s\n    %s", got.Description, strings.Join(diffs, "\n    "))
		}
	}
}

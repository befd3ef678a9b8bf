package engine

import (
	"math"
	"strings"
	"testing"
)

func TestEvalEmptyInput(t *testing.T) {
	p := writeParquet(t, "empty", `SELECT 1::BIGINT AS id, 'a' AS s, 1.5::DOUBLE AS x WHERE false`)
	runCases(t, p, []ruleCase{
		{rule: `RowCount = 0`, result: Pass, metrics: m("Dataset.*.RowCount", 0)},
		{rule: `ColumnCount = 3`, result: Pass, metrics: m("Dataset.*.ColumnCount", 3)},
		{rule: `Completeness "id" > 0.5`, result: Fail, msg: "Empty state for analyzer Completeness(id,None), all input values were NULL."},
		{rule: `IsComplete "id"`, result: Fail, msg: "Empty state for analyzer Completeness(id,None), all input values were NULL."},
		{rule: `Mean "x" > 0`, result: Fail, msg: "Empty state for analyzer Mean(x,None), all input values were NULL."},
		{rule: `Sum "x" > 0`, result: Fail, msg: "Empty state for analyzer Sum(x,None), all input values were NULL."},
		{rule: `Uniqueness "id" > 0`, result: Fail, msg: "Empty state for analyzer Uniqueness(id,None), all input values were NULL."},
		{rule: `IsUnique "id"`, result: Fail, msg: "Empty state for analyzer Uniqueness(id,None), all input values were NULL."},
		{rule: `Entropy "s" > 0`, result: Fail, msg: "Empty state for analyzer Entropy(s,None), all input values were NULL."},
		{rule: `UniqueValueRatio "s" > 0`, result: Fail, msg: "Empty state for analyzer UniqueValueRatio(s,None), all input values were NULL."},
		{rule: `DistinctValuesCount "s" = 0`, result: Pass, metrics: m("Column.s.DistinctValuesCount", 0)},
		{rule: `ColumnCorrelation "id" "x" > 0`, result: Fail, msg: "Empty state for analyzer Correlation(id,x,None), all input values were NULL."},
		{rule: `ColumnValues "s" in ["a"]`, result: Fail, msg: "Empty state for analyzer Compliance(s,None), all input values were NULL."},
		{rule: `ColumnValues "x" > 0`, result: Fail, msg: "Empty state for analyzer Minimum(x,None), all input values were NULL."},
		{rule: `ColumnLength "s" > 0`, result: Fail, msg: "Empty state for analyzer MinimumLength(s,None), all input values were NULL."},
		{rule: `CustomSql "select count(*) from primary" = 0`, result: Pass, metrics: m("Dataset.*.CustomSQL", 0)},
		{rule: `CustomSql "select max(x) from primary" = 0`, result: Fail, msg: "Custom SQL returned NULL"},
		{rule: `CustomSql "select id from primary"`, result: Fail, msg: "Custom SQL rule could not be evaluated due to data frame being empty"},
	})
}

// A where clause that filters every row away makes statistics pass (Glue's
// isEmptyDueToFilter), with no metric.
func TestEvalWhereFiltersEverything(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	runCases(t, p, []ruleCase{
		{rule: `Mean "amount" > 100 where "id > 100"`, result: Pass},
		{rule: `Completeness "amount" > 0.9 where "id > 100"`, result: Pass},
		{rule: `IsUnique "cat" where "id > 100"`, result: Pass},
		{rule: `IsPrimaryKey "cat" where "id > 100"`, result: Pass},
		{rule: `ColumnValues "amount" > 100 where "id > 100"`, result: Pass},
		{rule: `ColumnValues "cat" in ["zz"] where "id > 100"`, result: Pass},
		{rule: `ColumnDataType "cat" = "Integer" where "id > 100"`, result: Pass, msg: "No rows matched the filter"},
		{rule: `RowCount = 0 where "id > 100"`, result: Pass, metrics: m("Dataset.*.RowCount", 0)},
		// A where clause whose predicate is NULL filters the row out.
		{rule: `RowCount = 3 where "amount > 15 OR cat = 'zz'"`, result: Pass, metrics: m("Dataset.*.RowCount", 3)},
	})
}

func TestEvalInvalidWhere(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	src := `Rules = [
		RowCount > 0 where "nope > 1",
		Completeness "id" = 1.0 where "id > 'x' ) OR (1 = 1",
		Mean "amount" = 25,
		Mean "amount" = 25 where "amount > 0; DROP TABLE x"
	]`
	res := evaluate(t, p, src, Options{})
	checkRule(t, res.RuleResults[0], ruleCase{result: Fail, prefix: true,
		msg: `Rule RowCount > 0 where "nope > 1" has provided an invalid where clause : Binder Error: Referenced column "nope" not found`})
	checkRule(t, res.RuleResults[1], ruleCase{result: Fail, prefix: true, msg: `Rule Completeness "id" = 1.0 where`})
	checkRule(t, res.RuleResults[2], ruleCase{result: Pass, metrics: m("Column.amount.Mean", 25)})
	checkRule(t, res.RuleResults[3], ruleCase{result: Fail, prefix: true, msg: `Rule Mean "amount" = 25 where`})
}

func TestEvalNullsNaNAndHugeValues(t *testing.T) {
	p := writeParquet(t, "edge", `SELECT * FROM (VALUES
		(NULL::DOUBLE, 1.0::DOUBLE, 9223372036854775807::BIGINT, 1e308::DOUBLE),
		(NULL, 'NaN'::DOUBLE, 9223372036854775807, 1e308),
		(NULL, 3.0, 1, -1e308)
	) t(allnull, withnan, big, huge)`)
	runCases(t, p, []ruleCase{
		{rule: `Completeness "allnull" = 0`, result: Pass, metrics: m("Column.allnull.Completeness", 0)},
		{rule: `Sum "allnull" > 0`, result: Fail, msg: "Empty state for analyzer Sum(allnull,None), all input values were NULL."},
		{rule: `Mean "allnull" > 0`, result: Fail, msg: "Empty state for analyzer Mean(allnull,None), all input values were NULL."},
		{rule: `IsUnique "allnull"`, result: Fail, msg: "Empty state for analyzer Uniqueness(allnull,None), all input values were NULL."},
		{rule: `DistinctValuesCount "allnull" = 1`, result: Pass, metrics: m("Column.allnull.DistinctValuesCount", 1)},
		{rule: `ColumnValues "allnull" > 0`, result: Fail, msg: "Empty state for analyzer Minimum(allnull,None), all input values were NULL.\nValue: NULL does not meet the constraint requirement!"},
		// NaN: DuckDB (like Spark) orders NaN above every number, so max is
		// NaN and NaN > 0 holds per row; a NaN metric always fails the rule
		// and is left out of the metrics (JSON cannot carry it).
		{rule: `Completeness "withnan" = 1.0`, result: Pass, metrics: m("Column.withnan.Completeness", 1)},
		{rule: `Mean "withnan" > 0`, result: Fail, msg: "Value: NaN does not meet the constraint requirement!"},
		{rule: `ColumnValues "withnan" <= 3`, result: Fail, msg: "Value: NaN does not meet the constraint requirement!"},
		{rule: `ColumnValues "withnan" >= 1`, result: Pass, metrics: m("Column.withnan.Minimum", 1)},
		{rule: `ColumnValues "withnan" > 2 with threshold >= 0.66`, result: Pass, metrics: m("Column.withnan.ColumnValues.Compliance", 2.0/3)},
		{rule: `Uniqueness "withnan" = 1.0`, result: Pass, metrics: m("Column.withnan.Uniqueness", 1)},
		// int64 max: sums exceed int64 but not DOUBLE.
		{rule: `Sum "big" > 0`, result: Pass, metrics: m("Column.big.Sum", scalar(t, p, "SELECT sum(big)::DOUBLE FROM t"))},
		{rule: `Mean "big" > 0`, result: Pass, metrics: m("Column.big.Mean", scalar(t, p, "SELECT avg(big) FROM t"))},
		{rule: `ColumnValues "big" <= 9223372036854775807`, result: Pass, metrics: m("Column.big.Maximum", float64(math.MaxInt64))},
		{rule: `ColumnValues "big" in [1]`, result: Fail, msg: "Value: 0.3333333333333333 does not meet the constraint requirement!", metrics: m("Column.big.ColumnValues.Compliance", 1.0/3)},
		// 1e308 + 1e308 overflows to +Inf: the rule is judged on it, the
		// metric is omitted.
		{rule: `Sum "huge" > 0`, result: Pass},
		{rule: `Mean "huge" < 1`, result: Fail, msg: "Value: Infinity does not meet the constraint requirement!"},
		{rule: `ColumnValues "huge" > -1`, result: Fail, msg: "Value: -1.0E308 does not meet the constraint requirement!", metrics: m("Column.huge.Minimum", -1e308)},
		{rule: `ColumnValues "huge" > 0 with threshold > 0.66`, result: Pass, metrics: m("Column.huge.ColumnValues.Compliance", 2.0/3)},
	})
}

// An aggregate that errors at run time (a DECIMAL(38) sum past HUGEINT)
// fails its own rule, not the others of the fused scan.
func TestEvalRuntimeErrorIsolated(t *testing.T) {
	p := writeParquet(t, "huge", `SELECT * FROM (VALUES
		(1e308::DOUBLE, 99999999999999999999999999999999999999::DECIMAL(38,0)),
		(-1e308, 99999999999999999999999999999999999999::DECIMAL(38,0))) t(huge, d)`)
	res := evaluate(t, p, `Rules = [ Sum "d" > 0, RowCount = 2, ColumnValues "huge" > -1 ]`, Options{})
	checkRule(t, res.RuleResults[0], ruleCase{result: Error, prefix: true, msg: "Exception thrown while evaluating rule: Out of Range Error"})
	checkRule(t, res.RuleResults[1], ruleCase{result: Pass, metrics: m("Dataset.*.RowCount", 2)})
	checkRule(t, res.RuleResults[2], ruleCase{result: Fail, msg: "Value: -1.0E308 does not meet the constraint requirement!", metrics: m("Column.huge.Minimum", -1e308)})
}

// sparkMoments is Spark's Welford update for a column pair (the
// co-moment aggregate behind Glue's StandardDeviation, Variance and
// ColumnCorrelation), in plain float64 arithmetic: an implementation
// independent of DuckDB's, to tell what Glue reports when the squared
// deviations overflow.
func sparkMoments(xs, ys []float64) (stddev, variance, corr float64) {
	var n, mx, my, m2x, m2y, ck float64
	for i := range xs {
		x, y := xs[i], ys[i]
		n++
		dx, dy := x-mx, y-my
		mx += dx / n
		my += dy / n
		ck += dx * (y - my)
		m2x += dx * (x - mx)
		m2y += dy * (y - my)
	}
	return math.Sqrt(m2x / n), m2x / n, ck / math.Sqrt(m2x*m2y)
}

// Finite values near ±1e308 overflow the squared deviations. DuckDB's
// stddev_pop, var_pop and corr raise an error for that; Glue (Spark)
// carries the overflow into an Infinity or NaN metric and judges the rule
// on it, and so does dq, without changing what a statement that does not
// overflow computes.
func TestEvalMomentsOverflow(t *testing.T) {
	xs, ys := []float64{1e308, -3, 5}, []float64{1, 2, 3}
	p := writeParquet(t, "huge", `SELECT * FROM (VALUES (1e308::DOUBLE, 1::DOUBLE, 1), (-3, 2, 2), (5, 3, 3)) t(x, y, id)`)
	sd, v, corr := sparkMoments(xs, ys)
	if !math.IsInf(sd, 1) || !math.IsInf(v, 1) || corr != 0 {
		t.Fatalf("Spark's update gives stddev %g, variance %g, corr %g; the cases below assume +Inf, +Inf, 0", sd, v, corr)
	}
	// Without the row that overflows, the same rules take the normal path.
	sdWhere, vWhere, corrWhere := sparkMoments(xs[1:], ys[1:])
	cases := []ruleCase{
		{rule: `StandardDeviation "x" > 0`, result: Pass},
		{rule: `StandardDeviation "x" < 1`, result: Fail, msg: "Value: Infinity does not meet the constraint requirement!"},
		{rule: `Variance "x" between 0 and 1`, result: Fail, msg: "Value: Infinity does not meet the constraint requirement!"},
		{rule: `ColumnCorrelation "x" "y" > 0.1`, result: Fail, msg: "Value: -0.0 does not meet the constraint requirement!", metrics: m("Multicolumn.x,y.ColumnCorrelation", corr)},
		{rule: `StandardDeviation "x" = 4 where "id > 1"`, result: Pass, metrics: m("Column.x.StandardDeviation", sdWhere)},
		{rule: `Variance "x" = 16 where "id > 1"`, result: Pass, metrics: m("Column.x.Variance", vWhere)},
		{rule: `ColumnCorrelation "x" "y" = 1 where "id > 1"`, result: Pass, metrics: m("Multicolumn.x,y.ColumnCorrelation", corrWhere)},
		{rule: `StandardDeviation "y" > 0`, result: Pass, metrics: m("Column.y.StandardDeviation", scalar(t, p, "SELECT stddev_pop(y) FROM t"))},
	}
	runCases(t, p, cases)
	// The same rules, all in one ruleset: the fused statement fails as a
	// whole, and each expression is retried on its own.
	var rules []string
	for _, c := range cases {
		rules = append(rules, c.rule)
	}
	res := evaluate(t, p, "Rules = [\n"+strings.Join(rules, ",\n")+"\n]", Options{})
	for i, c := range cases {
		checkRule(t, res.RuleResults[i], c)
	}
}

func TestEvalWeirdNamesAndUnicode(t *testing.T) {
	p := writeParquet(t, "weird", `SELECT * FROM (VALUES
		(1, 'héllo🙂', 'a'),
		(NULL, 'ab', 'b'),
		(3, '', NULL)
	) t("my col", "ünï", "we""ird.x")`)
	runCases(t, p, []ruleCase{
		{rule: `Completeness "my col" = 0.6666666666666666`, result: Pass, metrics: m("Column.my col.Completeness", 2.0/3)},
		{rule: `IsComplete "ünï"`, result: Pass, metrics: m("Column.ünï.Completeness", 1)},
		{rule: `ColumnLength "ünï" <= 6`, result: Pass, metrics: m("Column.ünï.MaximumLength", 6)}, // characters, not bytes
		{rule: `ColumnLength "ünï" < 6`, result: Fail, msg: "Value: 6.0 does not meet the constraint requirement!", metrics: m("Column.ünï.MaximumLength", 6)},
		{rule: `Completeness "we\"ird.x" > 0.5`, result: Pass, metrics: m(`Column.we"ird.x.Completeness`, 2.0/3)},
		{rule: `ColumnValues "we\"ird.x" in ["a", "b"]`, result: Fail, msg: "Value: 0.6666666666666666 does not meet the constraint requirement!", metrics: m(`Column.we"ird.x.ColumnValues.Compliance`, 2.0/3)},
		{rule: `IsUnique "my col" "ünï"`, result: Pass, metrics: m("Multicolumn.my col,ünï.Uniqueness", 1)},
		{rule: "RowCount = 1 where \"`my col` > 2\"", result: Pass, metrics: m("Dataset.*.RowCount", 1)}, // Spark's backtick quoting
		{rule: `ColumnExists "we\"ird.x"`, result: Pass},
	})
}

func TestEvalTypeMismatch(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	runCases(t, p, []ruleCase{
		{rule: `Mean "cat" > 0`, result: Fail, msg: "Expected type of column cat to be one of (" + numericTypeList + "), but found VARCHAR instead!"},
		{rule: `StandardDeviation "email" > 0`, result: Fail, msg: "Expected type of column email to be one of (" + numericTypeList + "), but found VARCHAR instead!"},
		{rule: `ColumnCorrelation "id" "cat" > 0`, result: Fail, msg: "Expected type of column cat to be one of (" + numericTypeList + "), but found VARCHAR instead!"},
		// Numbers against a string column compare numerically; non-numbers
		// fail. When no value is a number, that is Glue's type error (it was
		// "Empty state ... all input values were NULL", of a column with 4
		// values); with a where clause too.
		{rule: `ColumnValues "cat" > 0`, result: Fail, msg: "Expected type of column cat to be one of (" + numericTypeList + "), but found VARCHAR instead!"},
		{rule: `ColumnValues "cat" between 0 and 5 where "id < 3"`, result: Fail, msg: "Expected type of column cat to be one of (" + numericTypeList + "), but found VARCHAR instead!"},
		{rule: `ColumnValues "cat" <= 5 where "id = 5"`, result: Fail, msg: "Empty state for analyzer Maximum(cat,Some(id = 5)), all input values were NULL.\nValue: NULL does not meet the constraint requirement!"}, // only the NULL
		{rule: `Sum "nope" > 0`, result: Fail, msg: "Input data does not include column nope!"},
	})
}

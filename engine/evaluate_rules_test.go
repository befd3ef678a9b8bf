package engine

import (
	"math"
	"testing"
)

// basicTable: 5 rows with NULLs in every column but id.
const basicTable = `SELECT * FROM (VALUES
	(1::BIGINT, 'a', 10.0::DOUBLE, 'x@y'),
	(2, 'a', 20.0, NULL),
	(3, 'b', NULL, 'z'),
	(4, 'c', 40.0, 'w'),
	(5, NULL, 30.0, 'v')
) t(id, cat, amount, email)`

func TestEvalBasicRules(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	// Hand arithmetic over the 5 rows above.
	entropyCat := -(0.5*math.Log(0.5) + 2*0.25*math.Log(0.25)) // groups a:2 b:1 c:1
	corr := scalar(t, p, "SELECT corr(id, amount) FROM t")     // independent reference
	runCases(t, p, []ruleCase{
		{rule: `RowCount = 5`, result: Pass, metrics: m("Dataset.*.RowCount", 5)},
		{rule: `RowCount > 5`, result: Fail, msg: "Value: 5.0 does not meet the constraint requirement!", metrics: m("Dataset.*.RowCount", 5)},
		{rule: `RowCount between 4 and 5`, result: Fail, msg: "Value: 5.0 does not meet the constraint requirement!", metrics: m("Dataset.*.RowCount", 5)},
		{rule: `RowCount not between 4 and 5`, result: Pass, metrics: m("Dataset.*.RowCount", 5)},
		{rule: `RowCount in [1, 5]`, result: Pass, metrics: m("Dataset.*.RowCount", 5)},
		{rule: `RowCount = 3 where "amount > 15"`, result: Pass, metrics: m("Dataset.*.RowCount", 3)},
		{rule: `ColumnCount = 4`, result: Pass, metrics: m("Dataset.*.ColumnCount", 4)},
		{rule: `Completeness "amount" > 0.8`, result: Fail, msg: "Value: 0.8 does not meet the constraint requirement!", metrics: m("Column.amount.Completeness", 0.8)},
		{rule: `Completeness "amount" >= 0.8`, result: Pass, metrics: m("Column.amount.Completeness", 0.8)},
		{rule: `Completeness "email" = 1.0 where "id < 2"`, result: Pass, metrics: m("Column.email.Completeness", 1)},
		{rule: `IsComplete "id"`, result: Pass, metrics: m("Column.id.Completeness", 1)},
		{rule: `IsComplete "cat"`, result: Fail, msg: "Value: 0.8 does not meet the constraint requirement!", metrics: m("Column.cat.Completeness", 0.8)},
		{rule: `Uniqueness "cat" = 0.5`, result: Pass, metrics: m("Column.cat.Uniqueness", 0.5)},
		{rule: `Uniqueness "id" "cat" = 1.0`, result: Pass, metrics: m("Multicolumn.id,cat.Uniqueness", 1)},
		{rule: `IsUnique "id"`, result: Pass, metrics: m("Column.id.Uniqueness", 1)},
		{rule: `IsUnique "cat"`, result: Fail, msg: "Value: 0.5 does not meet the constraint requirement!", metrics: m("Column.cat.Uniqueness", 0.5)},
		{rule: `IsUnique "cat" where "id > 2"`, result: Pass, metrics: m("Column.cat.Uniqueness", 1)},
		{rule: `IsUnique "amount"`, result: Pass, metrics: m("Column.amount.Uniqueness", 1)}, // the NULL is not a duplicate
		{rule: `IsPrimaryKey "id"`, result: Pass, metrics: m("Column.id.Uniqueness", 1, "Column.id.Completeness", 1)},
		{rule: `IsPrimaryKey "cat"`, result: Fail, msg: "Value: 0.5 does not meet the constraint requirement!\nValue: 0.8 does not meet the constraint requirement!",
			metrics: m("Column.cat.Uniqueness", 0.5, "Column.cat.Completeness", 0.8)},
		{rule: `IsPrimaryKey "id" "cat"`, result: Fail, msg: "Value: 0.8 does not meet the constraint requirement!",
			metrics: m("Multicolumn.id,cat.Uniqueness", 1, "Column.id.Completeness", 1, "Column.cat.Completeness", 0.8)},
		{rule: `UniqueValueRatio "cat" = 0.6666666666666666`, result: Pass, metrics: m("Column.cat.UniqueValueRatio", 2.0/3)},
		{rule: `DistinctValuesCount "cat" = 4`, result: Pass, metrics: m("Column.cat.DistinctValuesCount", 4)}, // a, b, c and NULL
		{rule: `DistinctValuesCount "cat" = 2 where "id < 4"`, result: Pass, metrics: m("Column.cat.DistinctValuesCount", 2)},
		{rule: `Entropy "cat" > 1`, result: Pass, metrics: m("Column.cat.Entropy", entropyCat), approx: true},
		{rule: `Entropy "cat" = 0 where "id < 3"`, result: Pass, metrics: m("Column.cat.Entropy", 0)},
		{rule: `Mean "amount" = 25`, result: Pass, metrics: m("Column.amount.Mean", 25)},
		{rule: `Sum "amount" = 100`, result: Pass, metrics: m("Column.amount.Sum", 100)},
		{rule: `Sum "amount" < 100`, result: Fail, msg: "Value: 100.0 does not meet the constraint requirement!", metrics: m("Column.amount.Sum", 100)},
		{rule: `Variance "amount" between 124.9 and 125.1`, result: Pass, metrics: m("Column.amount.Variance", 125), approx: true},
		{rule: `Variance "amount" > 0`, result: Pass, metrics: m("Column.amount.Variance", scalar(t, p, "SELECT var_pop(amount) FROM t"))},
		{rule: `StandardDeviation "amount" between 11 and 12`, result: Pass, metrics: m("Column.amount.StandardDeviation", math.Sqrt(125)), approx: true},
		{rule: `Mean "amount" > 20 where "id <= 2"`, result: Fail, msg: "Value: 15.0 does not meet the constraint requirement!", metrics: m("Column.amount.Mean", 15)},
		{rule: `ColumnCorrelation "id" "amount" > 0.5`, result: Pass, metrics: m("Multicolumn.id,amount.ColumnCorrelation", corr), approx: true},
		{rule: `ColumnCorrelation "id" and "amount" > 0.99`, result: Fail, msg: "Value: " + javaDouble(corr) + " does not meet the constraint requirement!", metrics: m("Multicolumn.id,amount.ColumnCorrelation", corr), approx: true},
		{rule: `ColumnExists "id"`, result: Pass},
		{rule: `ColumnExists "ID"`, result: Pass}, // names resolve ignoring case, as in Spark
		{rule: `ColumnExists "idd"`, result: Fail, msg: "Input data does not include column idd!"},
		{rule: `ColumnNamesMatchPattern "[a-z]+"`, result: Pass, metrics: m("Dataset.*.ColumnNamesPatternMatchRatio", 1)},
		{rule: `ColumnNamesMatchPattern "i.*"`, result: Fail, msg: "Columns that do not match the pattern: cat, amount, email", metrics: m("Dataset.*.ColumnNamesPatternMatchRatio", 0.25)},
		{rule: `ColumnNamesMatchPattern "a"`, result: Fail, msg: "Columns that do not match the pattern: id, cat, amount, email", metrics: m("Dataset.*.ColumnNamesPatternMatchRatio", 0)},
		{rule: `ColumnLength "email" <= 3`, result: Pass, metrics: m("Column.email.MaximumLength", 3)},
		{rule: `ColumnLength "email" > 0`, result: Fail, msg: "Value: 0.0 does not meet the constraint requirement!", metrics: m("Column.email.MinimumLength", 0)}, // NULL is length 0
		{rule: `ColumnLength "email" between 0 and 4`, result: Fail, msg: "Value: 0.0 does not meet the constraint requirement!", metrics: m("Column.email.MinimumLength", 0, "Column.email.MaximumLength", 3)},
		{rule: `ColumnLength "email" = 1 where "id > 2"`, result: Pass, metrics: m("Column.email.MinimumLength", 1, "Column.email.MaximumLength", 1)},
		{rule: `ColumnLength "email" in [1, 3]`, result: Fail, msg: "Value: 0.8 does not meet the constraint requirement!", metrics: m("Column.email.LengthCompliance", 0.8)},
		{rule: `ColumnLength "email" > 0 with threshold >= 0.8`, result: Pass, metrics: m("Column.email.LengthCompliance", 0.8)},
	})
}

// TestEvalStringVariableOperand: `= $name` and `!= $name` compare with the
// variable's value (spec §2.3 recommends resolving it; Glue's own parser
// throws). dq parsed them but every such rule failed with "ColumnValues
// string conditions take quoted strings...".
func TestEvalStringVariableOperand(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	res := evaluate(t, p, `a = "a"
none = NULL
one = "1"
Rules = [ ColumnValues "cat" = $a, ColumnValues "cat" != $a, ColumnValues "cat" != $none, ColumnValues "id" = $one,
	ColumnValues "cat" = $a with threshold >= 0.4 ]`, Options{})
	// cat is a, a, b, c, NULL: = "a" holds on 2 rows; != "a" on b, c and
	// the NULL (negations let NULL pass); != NULL on the 4 non-NULL rows.
	// id = "1" compares id's text, as Glue compares a string operand.
	wants := []ruleCase{
		{result: Fail, msg: "Value: 0.4 does not meet the constraint requirement!", metrics: m("Column.cat.ColumnValues.Compliance", 0.4)},
		{result: Fail, msg: "Value: 0.6 does not meet the constraint requirement!", metrics: m("Column.cat.ColumnValues.Compliance", 0.6)},
		{result: Fail, msg: "Value: 0.8 does not meet the constraint requirement!", metrics: m("Column.cat.ColumnValues.Compliance", 0.8)},
		{result: Fail, msg: "Value: 0.2 does not meet the constraint requirement!", metrics: m("Column.id.ColumnValues.Compliance", 0.2)},
		{result: Pass, metrics: m("Column.cat.ColumnValues.Compliance", 0.4)},
	}
	for i, w := range wants {
		checkRule(t, res.RuleResults[i], w)
	}
}

// TestEvalColumnNamesPatternVariable: a pattern given as a $variable is the
// variable's value; it was once compiled as the text "$pat", which no
// column name matches, so every such rule failed.
func TestEvalColumnNamesPatternVariable(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	res := evaluate(t, p, `short = "[a-z]{2,3}"
all = "[a-z]+"
Rules = [ ColumnNamesMatchPattern $short, ColumnNamesMatchPattern $all ]`, Options{})
	// id and cat have 2-3 letters; amount and email do not.
	checkRule(t, res.RuleResults[0], ruleCase{result: Fail, msg: "Columns that do not match the pattern: amount, email", metrics: m("Dataset.*.ColumnNamesPatternMatchRatio", 0.5)})
	checkRule(t, res.RuleResults[1], ruleCase{result: Pass, metrics: m("Dataset.*.ColumnNamesPatternMatchRatio", 1)})
}

func TestEvalColumnValues(t *testing.T) {
	p := writeParquet(t, "basic", basicTable)
	runCases(t, p, []ruleCase{
		// Min/Max path (no threshold): metrics Minimum/Maximum, NULLs fail via completeness.
		{rule: `ColumnValues "id" between 0 and 6`, result: Pass, metrics: m("Column.id.Minimum", 1, "Column.id.Maximum", 5)},
		{rule: `ColumnValues "id" between 1 and 5`, result: Fail, msg: "Value: 1.0 does not meet the constraint requirement!\nValue: 5.0 does not meet the constraint requirement!",
			metrics: m("Column.id.Minimum", 1, "Column.id.Maximum", 5)},
		{rule: `ColumnValues "amount" > 5`, result: Fail, msg: "Value: NULL does not meet the constraint requirement!", metrics: m("Column.amount.Minimum", 10)},
		{rule: `ColumnValues "amount" <= 40 where "amount IS NOT NULL"`, result: Pass, metrics: m("Column.amount.Maximum", 40)},
		{rule: `ColumnValues "amount" < 40`, result: Fail, msg: "Value: 40.0 does not meet the constraint requirement!\nValue: NULL does not meet the constraint requirement!", metrics: m("Column.amount.Maximum", 40)},
		{rule: `ColumnValues "id" = 3 where "id = 3"`, result: Pass, metrics: m("Column.id.Minimum", 3, "Column.id.Maximum", 3)},
		// Compliance path: numbers.
		{rule: `ColumnValues "amount" > 15 with threshold >= 0.6`, result: Pass, metrics: m("Column.amount.ColumnValues.Compliance", 0.6)},
		{rule: `ColumnValues "amount" != 10`, result: Fail, msg: "Value: 0.8 does not meet the constraint requirement!", metrics: m("Column.amount.ColumnValues.Compliance", 0.8)}, // NULL passes !=
		{rule: `ColumnValues "amount" in [10, 20]`, result: Fail, msg: "Value: 0.4 does not meet the constraint requirement!", metrics: m("Column.amount.ColumnValues.Compliance", 0.4)},
		{rule: `ColumnValues "amount" in [10, 20, NULL]`, result: Fail, msg: "Value: 0.6 does not meet the constraint requirement!", metrics: m("Column.amount.ColumnValues.Compliance", 0.6)},
		{rule: `ColumnValues "amount" not in [10, 20]`, result: Fail, msg: "Value: 0.6 does not meet the constraint requirement!", metrics: m("Column.amount.ColumnValues.Compliance", 0.6)},
		{rule: `ColumnValues "amount" not in [10, 20, NULL]`, result: Fail, msg: "Value: 0.4 does not meet the constraint requirement!", metrics: m("Column.amount.ColumnValues.Compliance", 0.4)},
		{rule: `ColumnValues "amount" not between 15 and 35`, result: Fail, msg: "Value: 0.4 does not meet the constraint requirement!", metrics: m("Column.amount.ColumnValues.Compliance", 0.4)},
		{rule: `ColumnValues "amount" = NULL`, result: Fail, msg: "Value: 0.2 does not meet the constraint requirement!", metrics: m("Column.amount.ColumnValues.Compliance", 0.2)},
		{rule: `ColumnValues "amount" != NULL with threshold > 0.7`, result: Pass, metrics: m("Column.amount.ColumnValues.Compliance", 0.8)},
		// Strings.
		{rule: `ColumnValues "cat" in ["a", "b"]`, result: Fail, msg: "Value: 0.6 does not meet the constraint requirement!", metrics: m("Column.cat.ColumnValues.Compliance", 0.6)},
		{rule: `ColumnValues "cat" in ["a", "b", "c", NULL]`, result: Pass, metrics: m("Column.cat.ColumnValues.Compliance", 1)},
		{rule: `ColumnValues "cat" in ["A", "B", "C", NULL] with ignoreCase = "true"`, result: Pass, metrics: m("Column.cat.ColumnValues.Compliance", 1)},
		{rule: `ColumnValues "cat" in ["A", "B", "C", NULL]`, result: Fail, msg: "Value: 0.2 does not meet the constraint requirement!", metrics: m("Column.cat.ColumnValues.Compliance", 0.2)},
		{rule: `ColumnValues "cat" not in ["a"]`, result: Fail, msg: "Value: 0.6 does not meet the constraint requirement!", metrics: m("Column.cat.ColumnValues.Compliance", 0.6)},
		{rule: `ColumnValues "cat" = "a"`, result: Fail, msg: "Value: 0.4 does not meet the constraint requirement!", metrics: m("Column.cat.ColumnValues.Compliance", 0.4)},
		{rule: `ColumnValues "cat" != "a"`, result: Fail, msg: "Value: 0.6 does not meet the constraint requirement!", metrics: m("Column.cat.ColumnValues.Compliance", 0.6)},
		{rule: `ColumnValues "cat" in ["a", "b"] with threshold > 0.5`, result: Pass, metrics: m("Column.cat.ColumnValues.Compliance", 0.6)},
		{rule: `ColumnValues "email" matches "[a-z]@[a-z]"`, result: Fail, msg: "Value: 0.2 does not meet the constraint requirement!", metrics: m("Column.email.PatternMatch", 0.2)},
		{rule: `ColumnValues "email" not matches "[a-z]@[a-z]"`, result: Fail, msg: "Value: 0.6 does not meet the constraint requirement!", metrics: m("Column.email.PatternMatch", 0.6)}, // NULL fails
		{rule: `ColumnValues "email" matches "[a-z@]+" where "email IS NOT NULL"`, result: Pass, metrics: m("Column.email.PatternMatch", 1)},
		{rule: `ColumnValues "id" in ["1", "2", "3", "4", "5"]`, result: Pass, metrics: m("Column.id.ColumnValues.Compliance", 1)}, // strings compare with the number's text
		{rule: `ColumnValues "id" matches "[0-9]"`, result: Fail, msg: "Expected type of column id to be one of (VARCHAR), but found BIGINT instead!"},
		{rule: `ColumnValues "nope" > 1`, result: Fail, msg: "Input data does not include column nope!"},
	})
}

// TestEvalStringKeywords checks the NULL / EMPTY / WHITESPACES_ONLY truth
// tables of spec §5.2; TRIM strips only spaces, so a tab string is not
// WHITESPACES_ONLY.
// TestEvalTextTimestampOffsets: a timestamp in text with a UTC offset is
// that instant, as Spark's to_timestamp reads it; DuckDB's cast to
// TIMESTAMP dropped the offset, so "10:00+02:00" counted as 10:00 UTC.
// Now is 2024-06-01 12:00 UTC.
func TestEvalTextTimestampOffsets(t *testing.T) {
	p := writeParquet(t, "tsoff", `SELECT * FROM (VALUES
		('2024-06-01T10:00:00+02:00'),  -- 08:00 UTC, 4 h old
		('2024-06-01 11:00:00-05:00'),  -- 16:00 UTC, 4 h ahead
		('2024-06-01 13:30:00+0530'),   -- 08:00 UTC, 4 h old
		('2024-06-01T11:00:00Z'),       -- 1 h old
		('2024-06-01 11:30:00'),        -- no offset: UTC, 0.5 h old
		('2024-06-01')                  -- a date, never an offset: 12 h old
	) t(s)`)
	runCases(t, p, []ruleCase{
		// ages 4, -4, 4, 1, 0.5, 12 hours
		{rule: `DataFreshness "s" <= 3 hours`, result: Fail, msg: "50.00 % of rows passed the threshold", metrics: m("Column.s.DataFreshness.Compliance", 0.5)},
		{rule: `DataFreshness "s" between 3 hours and 5 hours`, result: Fail, msg: "33.33 % of rows passed the threshold", metrics: m("Column.s.DataFreshness.Compliance", 2.0/6)},
		// instants after 09:00 UTC: 16:00, 11:00 and 11:30
		{rule: `ColumnValues "s" > (now() - 3 hours)`, result: Fail, msg: "Value: 0.5 does not meet the constraint requirement!", metrics: m("Column.s.ColumnValues.Compliance", 0.5)},
	})
}

// TestEvalWhitespacesOnlyIsSpaces: WHITESPACES_ONLY is Spark's
// LENGTH(TRIM(c)) = 0, and Spark's TRIM strips only U+0020. DuckDB's
// trim() also strips U+00A0 and other Unicode spaces, so a no-break space
// counted as whitespace until Trim named the space.
func TestEvalWhitespacesOnlyIsSpaces(t *testing.T) {
	p := writeParquet(t, "nbsp", `SELECT * FROM (VALUES (' '), (chr(160)), (' ' || chr(160) || ' '), (chr(12288)), ('a')) t(s)`)
	runCases(t, p, []ruleCase{
		{rule: `ColumnValues "s" in [WHITESPACES_ONLY]`, result: Fail, msg: "Value: 0.2 does not meet the constraint requirement!", metrics: m("Column.s.ColumnValues.Compliance", 0.2)},
		{rule: `ColumnValues "s" not in [WHITESPACES_ONLY]`, result: Fail, msg: "Value: 0.8 does not meet the constraint requirement!", metrics: m("Column.s.ColumnValues.Compliance", 0.8)},
	})
}

func TestEvalStringKeywords(t *testing.T) {
	p := writeParquet(t, "kw", `SELECT * FROM (VALUES ('a'), (''), ('  '), (E'\t'), (NULL)) t(s)`)
	runCases(t, p, []ruleCase{
		{rule: `ColumnValues "s" in [EMPTY]`, result: Fail, msg: "Value: 0.2 does not meet the constraint requirement!", metrics: m("Column.s.ColumnValues.Compliance", 0.2)},
		{rule: `ColumnValues "s" in [WHITESPACES_ONLY]`, result: Fail, msg: "Value: 0.2 does not meet the constraint requirement!", metrics: m("Column.s.ColumnValues.Compliance", 0.2)},
		{rule: `ColumnValues "s" in ["a", NULL, EMPTY, WHITESPACES_ONLY]`, result: Fail, msg: "Value: 0.8 does not meet the constraint requirement!", metrics: m("Column.s.ColumnValues.Compliance", 0.8)},
		{rule: `ColumnValues "s" not in [NULL, EMPTY, WHITESPACES_ONLY]`, result: Fail, msg: "Value: 0.4 does not meet the constraint requirement!", metrics: m("Column.s.ColumnValues.Compliance", 0.4)},
		{rule: `ColumnValues "s" != EMPTY`, result: Fail, msg: "Value: 0.8 does not meet the constraint requirement!", metrics: m("Column.s.ColumnValues.Compliance", 0.8)},
		{rule: `ColumnLength "s" = 0`, result: Fail, msg: "Value: 2.0 does not meet the constraint requirement!", metrics: m("Column.s.MinimumLength", 0, "Column.s.MaximumLength", 2)},
	})
}

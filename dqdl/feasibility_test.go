package dqdl_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dqlabs/dq/dqdl"
)

// TestFeasibilityWarnings: rules that can never pass or never fail, and
// ColumnDataType/ColumnLength forms the engine cannot evaluate, parse with
// a warning that names the rule and points at the condition (or the type).
func TestFeasibilityWarnings(t *testing.T) {
	cases := []struct {
		rule string
		at   string   // line:col of the warning; "" = no warning
		msgs []string // substrings of the message
	}{
		// Ratios outside [0, 1].
		{`Completeness "b" > 1.5`, "1:28", []string{`rule Completeness "b" > 1.5`, "never pass", "ratio between 0 and 1"}},
		{`Completeness "b" >= 95`, "1:28", []string{"never pass", "for 95% write 0.95"}},
		{`Uniqueness "b" = 2`, "1:26", []string{"never pass"}},
		{`Completeness "b" >= 0`, "1:28", []string{"never fail", `">= 0" always holds`}},
		{`Completeness "b" <= 1.0`, "1:28", []string{"never fail"}},
		{`Completeness "b" between -0.5 and 1.5`, "1:28", []string{"never fail"}},
		{`ColumnCorrelation "a" "b" > 1`, "1:37", []string{"never pass", "correlation between -1 and 1"}},
		{`ColumnValues "a" > 3 with threshold >= -1`, "1:47", []string{"with threshold >= -1", "never fail", "share of rows"}},
		{`ColumnValues "a" > 3 with threshold > 1`, "1:47", []string{"never pass"}},
		{`IsComplete "b" where "x > 0"`, "", nil},
		// Reversed or equal between bounds.
		{`Mean "a" between 10 and 5`, "1:20", []string{`rule Mean "a" between 10 and 5`, "never pass", "reversed", "smaller bound first"}},
		{`ColumnValues "a" between 3 and 3`, "1:28", []string{"never pass"}},
		{`Sum "a" not between 5 and 1`, "1:19", []string{"never fail", "reversed"}},
		{`ColumnValues "a" > 3 with threshold between 0.9 and 0.1`, "1:47", []string{"never pass", "reversed"}},
		{`DataFreshness "t" between 48 hours and 24 hours`, "1:29", []string{"never pass", "reversed"}},
		{`DataFreshness "t" between 2 hours and 3 days`, "", nil},
		{`ColumnValues "d" between "2024-02-01" and "2024-01-01"`, "1:28", []string{"never pass"}},
		{`ColumnValues "d" not between "2024-01-01" and "2024-01-01"`, "1:28", []string{"never fail"}},
		{`ColumnValues "d" between "2024-01-01" and "2024-02-01"`, "", nil},
		{`ColumnValues "d" between (now() - 1 days) and now()`, "", nil},
		// Operands beyond 2^53, where x+1 == x in float64 (DECIMAL(38,x),
		// UBIGINT, HUGEINT columns): satisfiable, no warning. They once
		// drew "can never pass: Mean is " with nothing after it.
		{`Mean "bigdec" > 12345678901234567890123455`, "", nil},
		{`ColumnValues "u64" > 18000000000000000000`, "", nil},
		{`Sum "h" < -1000000000000000000000000000000`, "", nil},
		{`RowCount > 18000000000000000000`, "", nil},
		// Counts and lengths.
		{`RowCount < 0`, "1:20", []string{"rule RowCount < 0", "never pass", "count, 0 or more"}},
		{`RowCount <= 0`, "", nil},
		{`RowCount >= 0`, "1:20", []string{"never fail"}},
		{`RowCount between 5 and 6`, "1:20", []string{"never pass", "no whole number"}},
		{`DistinctValuesCount "a" in [-1, -2]`, "1:35", []string{"never pass"}},
		{`ColumnLength "a" < 0`, "1:28", []string{"never pass", "length"}},
		{`ColumnLength "a" = NULL`, "1:30", []string{"does not take NULL"}},
		{`StandardDeviation "a" < 0`, "1:33", []string{"never pass", "never negative"}},
		// Unbounded metrics are not second-guessed except for empty sets.
		{`Mean "a" > -1000000`, "", nil},
		{`Sum "a" != 0`, "", nil},
		{`ColumnValues "a" in [1, 2]`, "", nil},
		{`RowCount > avg(last(3)) * -1`, "", nil}, // dynamic: decided at run time
		// ColumnDataType names and operators.
		{`ColumnDataType "a" = "BIGINT"`, "1:32", []string{`rule ColumnDataType "a" = "BIGINT"`, `unknown ColumnDataType type "BIGINT"`, `"Long"`}},
		{`ColumnDataType "a" = "int"`, "1:32", []string{`"Integer"`}},
		{`ColumnDataType "a" = "numeric(10, 2)"`, "1:32", []string{`"Decimal(10,2)"`}},
		{`ColumnDataType "a" = "VARCHAR"`, "1:32", []string{"nothing to check"}},
		{`ColumnDataType "a" = "Strng"`, "1:32", []string{"use one of Boolean"}},
		{`ColumnDataType "a" = "Integer"`, "", nil},
		{`ColumnDataType "a" = "long"`, "", nil},
		{`ColumnDataType "a" = "Decimal(10,2)"`, "", nil},
		{`ColumnDataType "a" in ["Integer", "Long"]`, "1:30", []string{"supports only =", "not in"}},
		// A doubled backslash before a class letter in a pattern: DQDL keeps
		// the text as written, so "\\d" asks for a backslash, not a digit.
		{`ColumnValues "s" matches "\\d{3}-\\d{4}"`, "1:36", []string{`the pattern's \\d matches a backslash followed by "d"`, `write \d`}},
		{`ColumnValues "s" not matches "[\\w.]+"`, "1:40", []string{`\\w`, `write \w`}},
		{`ColumnNamesMatchPattern "\\s"`, "1:35", []string{`\\s`}},
		{`ColumnValues "s" matches "\d{3}-\d{4}"`, "", nil},
		{`ColumnValues "s" matches "a\\.b"`, "", nil}, // a backslash before "." is no class
		{`ColumnValues "s" matches "\\\\"`, "", nil},  // two literal backslashes
		// RE2 syntax that Java reads alike stays valid.
		{`ColumnValues "s" matches "[[:alpha:][:digit:]_-]+"`, "", nil},
		{`ColumnValues "s" matches "(?P<area>[0-9]{3})-[0-9]{4}"`, "", nil},
		{`ColumnValues "s" matches "[\[\]&]+"`, "", nil}, // escaped brackets, one '&'
		// DetectAnomalies: Glue's parser takes any metric name and parameters.
		{`DetectAnomalies "Foo"`, "1:27", []string{`does not watch "Foo"`, "RowCount, Completeness", "fail to evaluate"}},
		{`DetectAnomalies "Completeness"`, "1:27", []string{"Completeness takes 1 parameter (TargetColumn), got 0", `DetectAnomalies "Completeness" "col1"`}},
		{`DetectAnomalies "RowCount" "x"`, "1:27", []string{"RowCount takes no parameters, got 1"}},
		{`DetectAnomalies "rowcount"`, "", nil}, // names match ignoring case, as the engine's do
		{`DetectAnomalies "Uniqueness" "a" "b"`, "", nil},
		// Inside composites, each leaf is checked.
		{`(RowCount > 0) AND (Completeness "b" > 2)`, "1:48", []string{`Completeness "b" > 2`}},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			rs, err := dqdl.Parse("t.dqdl", "Rules = [ "+c.rule+" ]")
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if c.at == "" {
				if len(rs.Warnings) > 0 {
					t.Fatalf("unexpected warnings: %v", dqdl.ErrorList(rs.Warnings))
				}
				return
			}
			if len(rs.Warnings) != 1 {
				t.Fatalf("want 1 warning, got %v", dqdl.ErrorList(rs.Warnings))
			}
			w := rs.Warnings[0]
			if got := fmt.Sprintf("%d:%d", w.Pos.Line, w.Pos.Column); got != c.at {
				t.Errorf("warning at %s, want %s: %s", got, c.at, w.Msg)
			}
			for _, m := range c.msgs {
				if !strings.Contains(w.Msg, m) {
					t.Errorf("message %q lacks %q", w.Msg, m)
				}
			}
		})
	}
}

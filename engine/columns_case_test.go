package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// crawlerTables builds a table as a Glue crawler catalogues it (every name
// lower-cased) and two references with the source database's camelCase
// names, as rulesets from Glue's documentation spell them.
func crawlerTables(t *testing.T) (primary string, refs map[string]string) {
	t.Helper()
	primary = writeParquet(t, "customers", `SELECT * FROM (VALUES
		(103, 1370, 21000.0, 'France'),
		(112, 1166, 71800.0, 'USA'),
		(114, 1611, 117300.0, 'Australia'),
		(119, NULL, 118200.0, 'France'),
		(121, 1504, 0.0, 'Norway')
	) AS v(customernumber, salesrepemployeenumber, creditlimit, country)`)
	refs = map[string]string{
		"employees": writeParquet(t, "employees", `SELECT * FROM (VALUES (1370, 'Hernandez'), (1166, 'Thompson'), (1611, 'Fixter'), (1504, 'Jones'))
			AS v("employeeNumber", "lastName")`),
		"source": writeParquet(t, "source", `SELECT * FROM (VALUES
			(103, 1370, 21000.0, 'France'), (112, 1166, 71800.0, 'USA'), (114, 1611, 117300.0, 'Australia'),
			(119, NULL, 118200.0, 'France'), (121, 1504, 0.0, 'Norway')
		) AS v("customerNumber", "salesRepEmployeeNumber", "creditLimit", "country")`),
	}
	return primary, refs
}

func TestColumnNamesResolveIgnoringCase(t *testing.T) {
	primary, refs := crawlerTables(t)
	sum := 21000.0 + 71800 + 117300 + 118200 + 0
	runRefCases(t, primary, refs, []ruleCase{
		// Metrics carry the name as the rule wrote it, as Glue reports them.
		{rule: `IsComplete "salesRepEmployeeNumber"`, result: Fail, msg: "Value: 0.8 does not meet the constraint requirement!",
			metrics: m("Column.salesRepEmployeeNumber.Completeness", 0.8)},
		{rule: `Completeness "customerNumber" = 1.0`, result: Pass, metrics: m("Column.customerNumber.Completeness", 1)},
		{rule: `IsUnique "customerNumber"`, result: Pass, metrics: m("Column.customerNumber.Uniqueness", 1)},
		{rule: `IsPrimaryKey "customerNumber"`, result: Pass, metrics: m("Column.customerNumber.Uniqueness", 1, "Column.customerNumber.Completeness", 1)},
		{rule: `DistinctValuesCount "Country" = 4`, result: Pass, metrics: m("Column.Country.DistinctValuesCount", 4)},
		{rule: `ColumnValues "Country" in ["France", "USA", "Australia", "Norway"]`, result: Pass, metrics: m("Column.Country.ColumnValues.Compliance", 1)},
		{rule: `ColumnValues "creditLimit" >= 0`, result: Pass, metrics: m("Column.creditLimit.Minimum", 0)},
		{rule: `ColumnLength "COUNTRY" <= 9`, result: Pass, metrics: m("Column.COUNTRY.MaximumLength", 9)},
		{rule: `Sum "creditLimit" = 328300`, result: Pass, metrics: m("Column.creditLimit.Sum", sum)},
		{rule: `ColumnCorrelation "customerNumber" "creditLimit" > -1`, result: Pass, approx: true,
			metrics: m("Multicolumn.customerNumber,creditLimit.ColumnCorrelation", scalar(t, primary, "SELECT corr(customernumber, creditlimit) FROM t"))},
		{rule: `ColumnExists "CreditLimit"`, result: Pass},
		{rule: `ColumnDataType "creditLimit" = "DOUBLE"`, result: Pass, metrics: m("Column.creditLimit.ColumnDataType.Compliance", 1)},
		// where clauses and CustomSql bind names ignoring case too.
		{rule: `RowCount = 2 where "Country = 'France'"`, result: Pass, metrics: m("Dataset.*.RowCount", 2)},
		{rule: `CustomSql "select count(*) from primary where creditLimit > 0 and salesRepEmployeeNumber is not null" = 3`, result: Pass,
			metrics: m("Dataset.*.CustomSQL", 3)},
		// ref.col references, AggregateMatch, DatasetMatch mappings, SchemaMatch.
		{rule: `ReferentialIntegrity "salesRepEmployeeNumber" "employees.EMPLOYEENUMBER" = 0.8`, result: Pass,
			metrics: m("Column.employees.ReferentialIntegrity", 0.8)},
		{rule: `AggregateMatch "sum(creditLimit)" "sum(source.CREDITLIMIT)" = 1.0`, result: Pass,
			metrics: m("Column.creditLimit,CREDITLIMIT.AggregateMatch", 1)},
		{rule: `DatasetMatch "source" "customerNumber" = 1.0`, result: Pass, metrics: m("Dataset.source.DatasetMatch", 1)},
		{rule: `DatasetMatch "source" "CUSTOMERNUMBER->customerNumber" "country->Country" = 1.0`, result: Pass, metrics: m("Dataset.source.DatasetMatch", 1)},
		{rule: `SchemaMatch "source" = 1.0`, result: Pass, metrics: m("Dataset.source.SchemaMatch", 1)},
		// A name that exists in no spelling still fails with Glue's message.
		{rule: `ColumnExists "customer_id"`, result: Fail, msg: "Input data does not include column customer_id!"},
		{rule: `ReferentialIntegrity "customerNumber" "employees.empNo" = 1.0`, result: Fail, msg: "Reference dataset employees does not include column empNo!"},
	})
}

func TestMissingColumnSuggestsCloseName(t *testing.T) {
	primary, refs := crawlerTables(t)
	res := evalRefs(t, primary, refs, `Rules = [
		Completeness "salesRepEmployeeNum" > 0.5,
		IsComplete "countyr",
		ColumnExists "zzz",
		ReferentialIntegrity "customerNumber" "employees.employee" = 1.0,
		(RowCount > 0) AND (IsComplete "creditLimt")
	]`, Options{})
	want := []struct{ msg, hint string }{
		{"Input data does not include column salesRepEmployeeNum!", `did you mean "salesrepemployeenumber"?`},
		{"Input data does not include column countyr!", `did you mean "country"?`},
		{"Input data does not include column zzz!", ""},
		{"Reference dataset employees does not include column employee!", `did you mean "employeeNumber"?`},
		{"Input data does not include column creditLimt!", `did you mean "creditlimit"?`},
	}
	for i, w := range want {
		rr := res.RuleResults[i]
		if rr.Result != Fail || rr.EvaluationMessage != w.msg {
			t.Errorf("%s: %s %q, want FAIL %q", rr.Description, rr.Result, rr.EvaluationMessage, w.msg)
		}
		hint := ""
		if rr.FailureDetails != nil {
			hint = rr.FailureDetails.Hint
		}
		if hint != w.hint {
			t.Errorf("%s: hint %q, want %q", rr.Description, hint, w.hint)
		}
	}
}

// TestCaseDuplicateColumns: a CSV whose header has "code" and "Code".
// DuckDB reads the second as "Code_1"; an exact name still finds either,
// and a name matching both only ignoring case makes the rule an ERROR.
func TestCaseDuplicateColumns(t *testing.T) {
	p := filepath.Join(t.TempDir(), "dup.csv")
	// Code is numeric: a blank CSV field is NULL there, while in a text
	// column it is "" (Glue's CSV behaviour).
	if err := os.WriteFile(p, []byte("code,Code,amount\na,7,1\nb,,2\nc,7,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const ambiguous = "column name CODE is ambiguous: the data has columns code and Code (read as Code_1), which differ only by case. Name one of them exactly"
	runCases(t, p, []ruleCase{
		{rule: `IsComplete "code"`, result: Pass, metrics: m("Column.code.Completeness", 1)},
		{rule: `IsComplete "Code"`, result: Fail, msg: "Value: 0.6666666666666666 does not meet the constraint requirement!",
			metrics: m("Column.Code.Completeness", 2.0/3)},
		{rule: `IsComplete "Code_1"`, result: Fail, msg: "Value: 0.6666666666666666 does not meet the constraint requirement!",
			metrics: m("Column.Code_1.Completeness", 2.0/3)},
		{rule: `IsComplete "CODE"`, result: Error, msg: "C" + ambiguous[1:] + "."},
		{rule: `ColumnExists "cOdE"`, result: Error, msg: "Column name cOdE is ambiguous: the data has columns code and Code (read as Code_1), which differ only by case. Name one of them exactly."},
		{rule: `IsComplete "AMOUNT"`, result: Pass, metrics: m("Column.AMOUNT.Completeness", 1)},
		// In SQL the exact source name binds to its own column, not to
		// the one DuckDB would pick ignoring case.
		{rule: `RowCount = 2 where "Code = 7"`, result: Pass, metrics: m("Dataset.*.RowCount", 2)},
		{rule: `RowCount = 1 where "code = 'a'"`, result: Pass, metrics: m("Dataset.*.RowCount", 1)},
		{rule: `RowCount > 0 where "CODE = 7"`, result: Error, msg: `Rule RowCount > 0 where "CODE = 7": ` + ambiguous},
		{rule: "CustomSql \"select count(*) from primary where `Code` = 7\" = 2", result: Pass, metrics: m("Dataset.*.CustomSQL", 2)},
		{rule: `CustomSql "select count(*) from primary where \"Code\" is null" = 1`, result: Pass, metrics: m("Dataset.*.CustomSQL", 1)},
		{rule: `CustomSql "select count(*) from primary where CODE is null" = 1`, result: Error, msg: "Error executing SQL statement: " + ambiguous},
	})
}

// TestCustomSqlQuoting: Spark's backticks and DQDL's \" both quote an
// identifier inside CustomSql and where clauses.
func TestCustomSqlQuoting(t *testing.T) {
	p := writeParquet(t, "quoting", `SELECT * FROM (VALUES (1, 'a`+"`"+`b', 'x"y'), (2, 'c', NULL), (3, 'd', 'x"y')) AS v("order id", "we`+"`"+`ird", q)`)
	runCases(t, p, []ruleCase{
		{rule: "CustomSql \"select count(*) from primary where `order id` > 1\" = 2", result: Pass, metrics: m("Dataset.*.CustomSQL", 2)},
		{rule: `CustomSql "select count(*) from primary where \"order id\" > 1" = 2`, result: Pass, metrics: m("Dataset.*.CustomSQL", 2)},
		// A doubled backtick is a backtick in the name; in a string literal
		// a backtick is text.
		{rule: "CustomSql \"select count(*) from primary where `we``ird` = 'a`b'\" = 1", result: Pass, metrics: m("Dataset.*.CustomSQL", 1)},
		// \" inside a string literal is a double quote in the value.
		{rule: `CustomSql "select count(*) from primary where q = 'x\"y'" = 2`, result: Pass, metrics: m("Dataset.*.CustomSQL", 2)},
		// Row mode: the returned columns are matched to the primary's.
		{rule: "CustomSql \"select `order id` from primary where `order id` >= 2\"", result: Fail,
			msg: "Custom SQL response failed to satisfy the threshold", metrics: m("Dataset.*.CustomSQL.Compliance", 2.0/3)},
		{rule: "RowCount = 2 where \"`order id` > 1\"", result: Pass, metrics: m("Dataset.*.RowCount", 2)},
		{rule: `RowCount = 2 where "\"order id\" > 1"`, result: Pass, metrics: m("Dataset.*.RowCount", 2)},
		{rule: "CustomSql \"select count(*) from primary where `order id > 1\" = 2", result: Error, prefix: true,
			msg: "Error executing SQL statement: unterminated backtick-quoted identifier"},
	})
}

func TestTokenizeBackticks(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"select `a b` from t", "select \"a b\" from t"},
		{"select `a``b`, 'it`s' from t", "select \"a`b\", 'it`s' from t"},
		{"select `x\"y` from t -- `c`", "select \"x\"\"y\" from t"},
	} {
		got, err := RewriteRelations(c.in, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if got != c.want {
			t.Errorf("RewriteRelations(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if _, err := CheckExpressionSQL("`open > 1"); err == nil || !strings.Contains(err.Error(), "unterminated backtick") {
		t.Errorf("unterminated backtick: %v", err)
	}
}

// TestBacktickSandbox: a backtick-quoted name is the same identifier to the
// sandbox as a bare or double-quoted one.
func TestBacktickSandbox(t *testing.T) {
	for _, s := range []string{
		"select `current_setting`('memory_limit')",
		"select * from `duckdb_settings`()",
		`select "current_setting"('memory_limit')`,
	} {
		if err := CheckReadOnlySQL(s); err == nil || !strings.Contains(err.Error(), "not allowed") {
			t.Errorf("CheckReadOnlySQL(%s) = %v, want refusal", s, err)
		}
	}
	if _, err := CheckExpressionSQL("`enable_logging`() IS NULL"); err == nil {
		t.Error("backtick-quoted enable_logging() accepted in a where clause")
	}
}

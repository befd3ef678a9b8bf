package dqdl_test

// Conformance corpus: rulesets that AWS Glue Data Quality's own parser
// (awslabs/dqdl) accepts, each with the canonical text dq must print for it.
//
// The behaviours come from Glue's test suite (DQRuleTest, DQRulesetTest,
// ConditionTest, NumericOperandTest, DQAnalyzerTest) and from the project
// spec (/work/shared/spec/dqdl-semantics.md §1–§5, §7, §8.1, §18,
// Appendix A). The rulesets themselves are our own.
//
// Canonical form (spec Appendix A, §18 #37 "canonical" mode):
//   - sections: Metadata, DataSources, variables, DefaultLabels, Rules,
//     Analyzers, separated by one blank line; lists one entry per line with a
//     4-space indent;
//   - a rule prints as: Type params condition where labels=[..]
//     with threshold .. with k = v (other tags in input order);
//   - numbers verbatim, value lists without spaces (`in ["a","b"]`), label
//     lists comma-space separated as Glue prints them
//     (`labels=["k"="v", "k2"="v2"]`), keywords upper-case, parameters keep
//     their quoting, composites `(A) AND (B)` flattened per operator;
//   - comments are kept (dq-only: Glue's printer drops them).
// Where Glue's toString() is lossless, the text is identical to Glue's.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dqlabs/dq/dqdl"
)

// confValidCase is a ruleset Glue accepts and the canonical text dq prints.
type confValidCase struct {
	area string
	name string
	in   string
	want string // canonical text (a trailing newline is ignored)
	// warns lists substrings of the expected warnings, in order. A case
	// with no warns must parse without warnings unless allowWarn is set.
	warns     []string
	allowWarn bool
}

// confRuleCase is a single-rule case: in is wrapped in `Rules = [ ... ]`
// and want (default: in, as Glue's DQRuleTest asserts) is the rule's line.
type confRuleCase struct {
	name string
	in   string
	want string
}

// confLintWarned names single-rule cases that Glue accepts and on which dq
// may add a lint warning (an unknown dynamic function); a warning is fine,
// an error is not.
var confLintWarned = map[string]bool{
	"dynamic nested calls":          true,
	"dynamic unknown function name": true,
	"not between dynamic":           true,
	"call args spaced":              true,
	// Parser cases whose rules can never pass or never fail, or name an
	// unknown ColumnDataType: dq warns (issue 11 point 7).
	"RowCount negative":                true,
	"ColumnDataType not equals":        true,
	"ColumnDataType in with threshold": true,
	"negative":                         true,
	"negative with space":              true,
	"threshold between":                true,
	"threshold extra spaces":           true,
	"between then unparenthesised and": true,
}

// confRules builds the canonical Rules section.
func confRules(rules ...string) string {
	if len(rules) == 0 {
		return "Rules = []"
	}
	return "Rules = [\n    " + strings.Join(rules, ",\n    ") + "\n]"
}

// confAnalyzers builds the canonical Analyzers section.
func confAnalyzers(as ...string) string {
	if len(as) == 0 {
		return "Analyzers = []"
	}
	return "Analyzers = [\n    " + strings.Join(as, ",\n    ") + "\n]"
}

// confDoc joins canonical sections with a blank line.
func confDoc(sections ...string) string { return strings.Join(sections, "\n\n") }

func confWrapRules(area string, cases []confRuleCase) []confValidCase {
	out := make([]confValidCase, 0, len(cases))
	for _, c := range cases {
		want := c.want
		if want == "" {
			want = c.in
		}
		out = append(out, confValidCase{area: area, name: c.name, in: "Rules = [ " + c.in + " ]", want: confRules(want), allowWarn: confLintWarned[c.name]})
	}
	return out
}

// --- Rule types: every entry of rules-config.json, overloads included. ---

var confRuleTypeCases = []confRuleCase{
	{"RowCount equals", `RowCount = 100`, ""},
	{"RowCount not equals", `RowCount != 100`, ""},
	{"RowCount negative", `RowCount = -100`, ""},
	{"RowCount where", `RowCount > 0 where "colA > 100"`, ""},
	{"RowCountMatch", `RowCountMatch "reference" >= 0.95`, ""},
	{"RowCountMatch between", `RowCountMatch "reference" between 0.8 and 0.98`, ""},
	{"ColumnCount", `ColumnCount >= 4`, ""},
	{"Completeness quoted", `Completeness "Customer_ID" > 0.95`, ""},
	{"Completeness of bare identifier", `Completeness of col_1 between 0.5 and 0.8`, ""},
	{"Completeness not between where", `Completeness "c" not between 0.5 and 0.8 where "x > 1"`, ""},
	{"IsComplete", `IsComplete "colA"`, ""},
	{"IsComplete bare where", `IsComplete colA where "colB is NOT NULL"`, ""},
	{"ColumnDataType equals", `ColumnDataType "c" = "Integer"`, ""},
	{"ColumnDataType not equals", `ColumnDataType "c" != "String"`, ""},
	{"ColumnDataType in with threshold", `ColumnDataType "c" in ["Date","String"] with threshold > 0.9`, ""},
	{"ColumnDataType where", `ColumnDataType "c" = "Boolean" where "x > 1"`, ""},
	{"ColumnDataType format tag", `ColumnDataType "c" = "Date" with format = "dd-MM-yyyy"`, ""},
	{"ColumnNamesMatchPattern", `ColumnNamesMatchPattern "aws_.*_[a-zA-Z0-9]+"`, ""},
	{"ColumnExists", `ColumnExists "load_dt"`, ""},
	{"ColumnCorrelation", `ColumnCorrelation "a" "b" between -0.44444 and 0.888888`, ""},
	{"ColumnCorrelation of and", `ColumnCorrelation of col_1 and "col abc" > 0.8`, ""},
	{"ColumnCorrelation and where", `ColumnCorrelation "a" and "b" > 0.8 where "x > 1"`, ""},
	{"Uniqueness", `Uniqueness "email" = 1.0`, ""},
	{"Uniqueness multi column", `Uniqueness "a" "b" "c" > 0.5`, ""},
	{"IsUnique", `IsUnique "a"`, ""},
	{"IsUnique multi column where", `IsUnique "a" "b" where "c > 0"`, ""},
	{"Mean", `Mean "col_A-B.CD" between 10 and 20`, ""},
	{"Sum", `Sum "col_A-B.C" > -100.0`, ""},
	{"StandardDeviation", `StandardDeviation "x" <= 10.0`, ""},
	{"Variance", `Variance "x" between 0.1 and 0.5`, ""},
	{"Entropy where", `Entropy "x" <= 1.5 where "y is not null"`, ""},
	{"DistinctValuesCount", `DistinctValuesCount "x" > 1000`, ""},
	{"UniqueValueRatio", `UniqueValueRatio "x" < 0.5`, ""},
	{"ColumnLength equals", `ColumnLength "Postal_Code" = 5`, ""},
	{"ColumnLength between", `ColumnLength "First_Name" between 4 and 16`, ""},
	{"ColumnLength threshold extension", `ColumnLength "icd10" between 3 and 7 with threshold >= 0.99`, ""},
	{"IsPrimaryKey", `IsPrimaryKey "id"`, ""},
	{"IsPrimaryKey mixed quoting", `IsPrimaryKey colA "col B" "col\"C"`, ""},
	{"ColumnValues in", `ColumnValues "Country" in ["US","CA","UK"]`, ""},
	{"DataFreshness", `DataFreshness "Order_Date" <= 24 hours`, ""},
	{"CustomSql scalar", `CustomSql "select count(*) from primary" between 10 and 20`, ""},
	{"CustomSql row mode", `CustomSql "select id from primary where age < 18"`, ""},
	{"CustomSql row mode threshold", `CustomSql "select id from primary where age < 18" with threshold > 0.9`, ""},
	{"ReferentialIntegrity", `ReferentialIntegrity "col-A" "reference.col-A1" > 0.98`, ""},
	{"ReferentialIntegrity multi", `ReferentialIntegrity "c1,c2" "ref.{k1,k2}" = 1.0`, ""},
	{"ReferentialIntegrity connectors", `ReferentialIntegrity of "primary.colA" and "ref.colA" = 0.9`, ""},
	{"DatasetMatch two params", `DatasetMatch "reference" "ID->ID" = 1.0`, ""},
	{"DatasetMatch three params", `DatasetMatch "reference" "ID1,ID2" "col1->col1b,col2" >= 0.9`, ""},
	{"SchemaMatch", `SchemaMatch "ref-1" >= 0.6`, ""},
	{"AggregateMatch", `AggregateMatch "sum(total_amount)" "sum(reference.total_amount)" >= 0.95`, ""},
	{"DetectAnomalies quoted", `DetectAnomalies "RowCount"`, ""},
	{"DetectAnomalies of", `DetectAnomalies of Completeness of "colA"`, ""},
	{"DetectAnomalies var-arg", `DetectAnomalies of ColumnCorrelation of "colA" and "colB"`, ""},
	{"FileMatch two paths", `FileMatch "s3://a/" "s3://b/"`, ""},
	{"FileMatch one path checksums", `FileMatch "s3://a/" in ["hash1","hash2"]`, ""},
	{"FileMatch no path", `FileMatch in ["hash1"] with hashAlgorithm = "MD5"`, ""},
	{"FileUniqueness path", `FileUniqueness "s3://a/" > 0.5`, ""},
	{"FileUniqueness no path", `FileUniqueness >= 0.9`, ""},
	{"FileFreshness path", `FileFreshness "s3://a/" > (now() - 24 hours)`, ""},
	{"FileFreshness no path", `FileFreshness between "2023-01-01" and "2024-01-01"`, ""},
	{"FileSize path", `FileSize "s3://a/" > 1 MB`, ""},
	{"FileSize no path", `FileSize < 5 GB`, ""},
}

// --- Number conditions and dynamic expressions. ---

var confNumberCases = []confRuleCase{
	{"equals", `RowCount = 5`, ""},
	{"not equals", `RowCount != 5`, ""},
	{"not equals split by space", `RowCount ! = 5`, `RowCount != 5`},
	{"greater", `RowCount > 5`, ""},
	{"greater or equal", `RowCount >= 5`, ""},
	{"less", `RowCount < 5`, ""},
	{"less or equal", `RowCount <= 5`, ""},
	{"between", `RowCount between 1 and 5`, ""},
	{"not between", `RowCount not between 1 and 5`, ""},
	{"in", `ColumnValues "n" in [1,2,3]`, ""},
	{"in spaced", `ColumnValues "n" in [ 1 , 2 , 3 ]`, `ColumnValues "n" in [1,2,3]`},
	{"not in", `ColumnValues "n" not in [1,2,3]`, ""},
	{"in with NULL", `ColumnValues "n" in [1,2,NULL]`, ""},
	{"in decimals", `ColumnValues "n" in [1.5,-2.25]`, ""},
	{"no spaces", `RowCount>5`, `RowCount > 5`},
	{"negative", `RowCount > -5`, ""},
	{"negative with space", `RowCount > - 5`, `RowCount > -5`},
	{"negative decimals between", `Mean "x" between -20.5 and -10`, ""},
	{"decimal kept verbatim", `Completeness "a" > 0.40`, ""},
	{"trailing zeros kept", `Completeness "a" >= 1.000`, ""},
	{"leading zeros kept", `RowCount > 007`, ""},
	{"tiny decimals", `Uniqueness "c" between -0.00000001 and 0.00000000000002`, ""},
	{"dynamic avg times", `RowCount > avg(last(10)) * 0.9`, ""},
	{"dynamic max with two args", `RowCount < max(last(5), 100)`, `RowCount < max(last(5),100)`},
	{"dynamic between", `RowCount between 0.9 * avg(last(10)) and 1.1 * avg(last(10))`, ""},
	{"dynamic parenthesised", `RowCount between (0.9 * avg(last(10))) and (1.1 * avg(last(10)))`, ""},
	{"dynamic nested calls", `ColumnCount = avg(std(last(percentile(1,2,3))))`, ""},
	{"dynamic unknown function name", `ColumnCount = percentile(last(10),0.5)`, ""},
	{"dynamic last without args", `RowCount > last()`, ""},
	{"dynamic index", `RowCount > index(last(3), 0)`, `RowCount > index(last(3),0)`},
	{"dynamic minus", `Completeness "c" >= min(last(5)) - 0.05`, ""},
	{"dynamic abs negative", `RowCount >= abs(-5)`, ""},
	{"subtracting a negative", `RowCount > 1 - -2`, ""},
	{"redundant parens kept", `RowCount > (((5)))`, ""},
	{"dynamic plus minus one", `DistinctValuesCount "c" between min(last(10))-1 and max(last(10))+1`, `DistinctValuesCount "c" between min(last(10)) - 1 and max(last(10)) + 1`},
	{"nested parens arithmetic", `RowCount = 8.0 * (5.0 - (1.0 + (4.0 / 2.0)))`, ""},
	{"equal precedence left assoc", `RowCount > 1+2*3`, `RowCount > 1 + 2 * 3`},
	{"explicit parens kept", `RowCount > (1 + 2) * 3`, ""},
	{"not between dynamic", `RowCount not between (0.9 * average(last(10))) and 1.1 * average(last(10))`, ""},
	{"call args spaced", `RowCount = multiply(avg(2, 4), avg(10, 20))`, `RowCount = multiply(avg(2,4),avg(10,20))`},
	{"multi-line rule", "RowCount\n        between 1\n        and 5", `RowCount between 1 and 5`},
}

// --- String conditions. ---

var confStringCases = []confRuleCase{
	{"equals", `ColumnValues "c" = "A"`, ""},
	{"not equals", `ColumnValues "c" != "A"`, ""},
	{"in", `ColumnValues "c" in ["A","B"]`, ""},
	{"in spaced", `ColumnValues "c" in [ "A" , "B" ]`, `ColumnValues "c" in ["A","B"]`},
	{"not in", `ColumnValues "c" not in ["A","B"]`, ""},
	{"equals NULL", `ColumnValues "c" = NULL`, ""},
	{"equals null lower-case", `ColumnValues "c" = null`, `ColumnValues "c" = NULL`},
	{"equals EMPTY", `ColumnValues "c" = EMPTY`, ""},
	{"equals empty lower-case", `ColumnValues "c" = empty`, `ColumnValues "c" = EMPTY`},
	{"not equals WHITESPACES_ONLY", `ColumnValues "c" != WHITESPACES_ONLY`, ""},
	{"not equals whitespaces_only lower-case", `ColumnValues "c" != whitespaces_only`, `ColumnValues "c" != WHITESPACES_ONLY`},
	{"in keywords mixed case", `ColumnValues "c" in ["a", null, EMPTY, whitespaces_only]`, `ColumnValues "c" in ["a",NULL,EMPTY,WHITESPACES_ONLY]`},
	{"not in keywords only", `ColumnValues "c" not in [NULL,EMPTY,WHITESPACES_ONLY]`, ""},
	{"matches", `ColumnValues "c" matches "[a-zA-Z0-9]*"`, ""},
	{"not matches", `ColumnValues "c" not matches "[0-9]+"`, ""},
	{"matches keeps backslashes", `ColumnValues "phone" matches "\d{3}-\d{4}"`, ""},
	{"matches with threshold", `ColumnValues "c" matches "[a-z]*" with threshold <= 0.4`, ""},
	{"equals escaped quote", `ColumnValues "c" = "a\"b"`, ""},
	{"in escapes kept", `ColumnValues "c" in ["a\"b","c\\d"]`, ""},
	{"in items with commas", `ColumnValues "c" in ["a,,b","c"]`, ""},
	{"in item looking like a rule", `ColumnValues "c" in ["ColumnValues in [ \"col-A\" ]"]`, ""},
	{"ignoreCase tag", `ColumnValues "c" in ["a","B"] with ignoreCase = "true"`, ""},
	{"numeric-looking strings", `ColumnValues "order-id" in ["1","2","3"]`, ""},
	{"empty string operand", `ColumnValues "c" != ""`, ""},
	{"non-ASCII operand", `ColumnValues "città" = "Zürich"`, ""},
}

// --- Date and time conditions. ---

var confDateCases = []confRuleCase{
	{"static date", `ColumnValues "d" > "2024-01-01"`, ""},
	{"static date between", `ColumnValues "d" between "2022-06-01" and "2022-06-30"`, ""},
	{"now", `ColumnValues "d" >= now()`, ""},
	{"now minus days", `ColumnValues "d" > (now() - 3 days)`, ""},
	{"now plus hours", `ColumnValues "d" < (now() + 4 hours)`, ""},
	{"now minus minutes unspaced", `ColumnValues "d" < (now()-25 minutes)`, `ColumnValues "d" < (now() - 25 minutes)`},
	{"equals now offset", `ColumnValues "d" = (now() - 3 hours)`, ""},
	{"not equals now offset", `ColumnValues "d" != (now() - 3 hours)`, ""},
	{"between offset and now", `ColumnValues "d" between (now() - 3 hours) and now()`, ""},
	{"not between offsets", `ColumnValues "d" not between (now() - 3 hours) and (now() + 14 days)`, ""},
	{"in mixed date expressions", `ColumnValues "d" in [ now(), (now() - 4 days), "2023-01-01" ]`, `ColumnValues "d" in [now(),(now() - 4 days),"2023-01-01"]`},
	{"not in dates", `ColumnValues "d" not in ["2023-01-01","2023-02-01"]`, ""},
	{"date list with NULL", `ColumnValues "d" in ["2023-01-01",NULL]`, ""},
	{"date list with threshold", `ColumnValues "d" in ["2022-01-01"] with threshold > 0.98`, ""},
	{"time AM", `ColumnValues "t" > "9:30 AM"`, ""},
	{"time PM", `ColumnValues "t" > "9:30 PM"`, ""},
	{"military time", `ColumnValues "t" > "21:45"`, ""},
	{"time between", `ColumnValues "t" between "9:00 AM" and "21:50"`, ""},
	{"time with time zone", `FileFreshness "s3://p/" > "21:45" with timeZone = "America/New_York"`, ""},
	{"FileFreshness mixed between", `FileFreshness "s3://p/" between "2024-01-01" and (now() + 10 minutes)`, ""},
	{"FileFreshness threshold", `FileFreshness "s3://p/" > (now() - 3 days) with threshold > 0.8`, ""},
	{"FileFreshness tags in order", `FileFreshness > "9:30 AM" with recentFiles = 1 with timeZone = "Asia/Dubai"`, ""},
}

// --- Duration conditions (DataFreshness). ---

var confDurationCases = []confRuleCase{
	{"days", `DataFreshness "c" <= 3 days`, ""},
	{"hours", `DataFreshness "c" > 30 hours`, ""},
	{"minutes", `DataFreshness "c" > 90 minutes`, ""},
	{"between", `DataFreshness "c" between 2 days and 5 days`, ""},
	{"not between", `DataFreshness "c" not between 2 minutes and 4 minutes`, ""},
	{"equals", `DataFreshness "c" = 24 hours`, ""},
	{"in", `DataFreshness "c" in [ 3 hours, 12 hours, 1 days ]`, `DataFreshness "c" in [3 hours,12 hours,1 days]`},
	{"where", `DataFreshness "c" <= 3 days where "region = 'EU'"`, ""},
}

// --- Size conditions (FileSize). ---

var confSizeCases = []confRuleCase{
	{"bytes", `FileSize > 5 B`, ""},
	{"kilobytes", `FileSize >= 5 KB`, ""},
	{"megabytes", `FileSize "s3://p/" < 5 MB`, ""},
	{"gigabytes", `FileSize <= 5 GB`, ""},
	{"terabytes", `FileSize = 5 TB`, ""},
	{"between", `FileSize between 1 B and 1 GB`, ""},
	{"not between", `FileSize not between 50 GB and 1 TB`, ""},
	{"in", `FileSize in [5 B]`, ""},
	{"not in spaced", `FileSize not in [ 500 KB, 150 GB ]`, `FileSize not in [500 KB,150 GB]`},
	{"bare bytes", `FileSize > 1000`, ""},
	{"bare bytes list", `FileSize in [3,4,5]`, ""},
	{"threshold", `FileSize < 1 GB with threshold > 0.9`, ""},
}

// --- Clauses: where, thresholds, tags, labels. ---

var confClauseCases = []confRuleCase{
	{"where", `IsComplete "a" where "b is not null"`, ""},
	{"where with escaped quote", `IsComplete "a" where "name = \"x\""`, ""},
	{"where then threshold", `ColumnValues "colA" in [10,20] where "colB is NOT NULL" with threshold > 0.5`, ""},
	{"threshold between", `ColumnDataType "c" = "String" with threshold between 0.4 and 0.8`, ""},
	{"threshold not between", `ColumnValues "c" <= 0.4 with threshold not between 0.4 and 0.8`, ""},
	{"threshold upper-case keyword", `ColumnValues "c" > 0.4 with THRESHOLD > 0.4`, `ColumnValues "c" > 0.4 with threshold > 0.4`},
	{"threshold mixed-case keyword", `ColumnValues "c" > 0.4 with Threshold >= 0.4`, `ColumnValues "c" > 0.4 with threshold >= 0.4`},
	{"threshold extra spaces", `CustomSql "select id from primary" with threshold  > 3`, `CustomSql "select id from primary" with threshold > 3`},
	{"threshold dynamic", `ColumnDataType "c" = "Integer" with threshold > avg(last(3))`, ""},
	{"string tag", `FileMatch "s3://a/" in ["h"] with hashAlgorithm = "SHA-256"`, ""},
	{"number tag", `FileFreshness > "9:30 AM" with recentFiles = 1`, ""},
	{"quoted number tag", `FileFreshness > "9:30 AM" with recentFiles = "1"`, ""},
	{"tags keep input order", `FileMatch in ["h"] with tag2 = "b" with tag1 = "a"`, ""},
	{"threshold printed before other tags", `ColumnValues "c" in ["a"] with ignoreCase = "true" with threshold > 0.5`, `ColumnValues "c" in ["a"] with threshold > 0.5 with ignoreCase = "true"`},
	{"labels", `IsPrimaryKey "colZ" labels=["key"="value"]`, ""},
	{"labels spaced", `IsComplete "a" labels = [ "k" = "v" , "k2" = "v2" ]`, `IsComplete "a" labels=["k"="v", "k2"="v2"]`},
	{"labels keep input order", `IsComplete "a" labels=["b"="1","a"="2"]`, `IsComplete "a" labels=["b"="1", "a"="2"]`},
	{"labels case-sensitive keys", `IsPrimaryKey "colZ" labels=["key"="value", "Key"="value2"]`, ""},
	{"labels duplicate values", `IsPrimaryKey "colZ" labels=["key"="value", "k"="value"]`, ""},
	{"labels after where", `IsComplete "a" where "x > 1" labels=["k"="v"]`, ""},
	{"labels before with", `ColumnValues "c" in ["a"] labels=["k"="v"] with threshold > 0.5`, ""},
	{"labels after with moved before", `ColumnValues "c" in ["a"] with threshold > 0.5 labels=["k"="v"]`, `ColumnValues "c" in ["a"] labels=["k"="v"] with threshold > 0.5`},
	{"labels after tag moved before", `FileSize < 5 B with recentFiles = 2 labels=["k"="v"]`, `FileSize < 5 B labels=["k"="v"] with recentFiles = 2`},
	{"labels full order", `ColumnValues "c" in ["a"] where "x > 1" with threshold > 0.5 with ignoreCase = "true" labels=["team"="core"]`, `ColumnValues "c" in ["a"] where "x > 1" labels=["team"="core"] with threshold > 0.5 with ignoreCase = "true"`},
	{"label value with escaped quote", `IsComplete "a" labels=["k"="say \"hi\""]`, ""},
	{"exactly ten labels", `IsComplete "a" labels=["k1"="v","k2"="v","k3"="v","k4"="v","k5"="v","k6"="v","k7"="v","k8"="v","k9"="v","k10"="v"]`, `IsComplete "a" labels=["k1"="v", "k2"="v", "k3"="v", "k4"="v", "k5"="v", "k6"="v", "k7"="v", "k8"="v", "k9"="v", "k10"="v"]`},
	{"label key of 128 characters", `IsComplete "a" labels=["` + strings.Repeat("k", 128) + `"="v"]`, ""},
	{"label value of 256 characters", `IsComplete "a" labels=["k"="` + strings.Repeat("v", 256) + `"]`, ""},
	{"parameter escapes kept", `IsComplete "col\"B"`, ""},
	{"parameter backslash kept", `IsComplete "a\\b"`, ""},
	{"bare identifier with dots", `IsComplete col.a_b`, ""},
	{"upper-case connector kept", `Completeness OF "a" > 0.5`, ""},
	{"dollar inside string is not a variable", `CustomSql "select $id from primary where age < 100"`, ""},
}

// --- Composite rules. ---

var confCompositeCases = []confRuleCase{
	{"and", `(IsComplete "a") and (IsUnique "a")`, `(IsComplete "a") AND (IsUnique "a")`},
	{"or upper-case", `(RowCount > 0) OR (IsComplete "a")`, ""},
	{"or chain flattened", `(RowCount > 0) or (IsComplete "a") or (IsUnique "a")`, `(RowCount > 0) OR (IsComplete "a") OR (IsUnique "a")`},
	{"and binds tighter than or", `(RowCount > 0) or (IsComplete "a") and (IsUnique "a")`, `(RowCount > 0) OR ((IsComplete "a") AND (IsUnique "a"))`},
	{"and first then or", `(RowCount > 0) and (IsComplete "a") or (IsUnique "a")`, `((RowCount > 0) AND (IsComplete "a")) OR (IsUnique "a")`},
	{"nested groups", `((RowCount > 0) and (IsComplete "b")) or ((IsComplete "a") and (IsUnique "a"))`, `((RowCount > 0) AND (IsComplete "b")) OR ((IsComplete "a") AND (IsUnique "a"))`},
	{"nested same operator left flattened", `((RowCount > 0) and (IsComplete "a")) and (IsUnique "a")`, `(RowCount > 0) AND (IsComplete "a") AND (IsUnique "a")`},
	{"nested same operator right flattened", `(RowCount > 0) OR ((IsComplete "a") OR (IsUnique "a"))`, `(RowCount > 0) OR (IsComplete "a") OR (IsUnique "a")`},
	{"unparenthesised with condition", `ColumnValues "a" != NULL AND RowCount > 0`, `(ColumnValues "a" != NULL) AND (RowCount > 0)`},
	{"unparenthesised lower-case or", `RowCount > 0 or IsComplete "a"`, `(RowCount > 0) OR (IsComplete "a")`},
	{"single parenthesised rule", `(Completeness "c" between 0.5 and 0.8)`, `Completeness "c" between 0.5 and 0.8`},
	{"double parenthesised rule", `((RowCount > 0))`, `RowCount > 0`},
	{"children keep their clauses", `(ColumnValues "a" in ["x"] where "b > 1" with threshold > 0.5) or (Completeness "a" > 0.9)`, `(ColumnValues "a" in ["x"] where "b > 1" with threshold > 0.5) OR (Completeness "a" > 0.9)`},
	{"between then unparenthesised and", `RowCount between 1 and 2 and IsComplete "a"`, `(RowCount between 1 and 2) AND (IsComplete "a")`},
	{"unparenthesised precedence", `RowCount > 0 AND RowCount < 10 OR IsComplete "a"`, `((RowCount > 0) AND (RowCount < 10)) OR (IsComplete "a")`},
	{"keyword children", `(ColumnValues "col-A" not in [NULL,EMPTY,WHITESPACES_ONLY]) OR (ColumnValues "col-B" != WHITESPACES_ONLY)`, ""},
	{"composite labels", `((IsComplete "a") and (RowCount > 0)) labels=["k"="v"]`, `((IsComplete "a") AND (RowCount > 0)) labels=["k"="v"]`},
	{"labelled composite inside or", `(RowCount > 0) or (((IsComplete "a") and (IsUnique "a")) labels=["k"="v"])`, `(RowCount > 0) OR (((IsComplete "a") AND (IsUnique "a")) labels=["k"="v"])`},
	{"labelled same-operator child not flattened", `(((IsComplete "a") and (IsUnique "a")) labels=["k"="v"]) and (RowCount > 0)`, `(((IsComplete "a") AND (IsUnique "a")) labels=["k"="v"]) AND (RowCount > 0)`},
}

// --- Whole documents: sections, variables, DefaultLabels, analyzers. ---

var confDocumentCases = []confValidCase{
	{
		name: "Metadata and Rules",
		in:   `Metadata = { "Version": "1.0" } Rules = [ IsPrimaryKey "colA" ]`,
		want: confDoc("Metadata = {\n    \"Version\": \"1.0\"\n}", confRules(`IsPrimaryKey "colA"`)),
	},
	{
		name: "DataSources Primary only",
		in:   "Metadata = { \"Version\": \"1.0\" }\nDataSources = { \"Primary\": \"orders-table\" }\nRules = [ IsPrimaryKey \"colA\" ]",
		want: confDoc("Metadata = {\n    \"Version\": \"1.0\"\n}", "DataSources = {\n    \"Primary\": \"orders-table\"\n}", confRules(`IsPrimaryKey "colA"`)),
	},
	{
		name: "DataSources both keys",
		in:   `DataSources = { "Primary": "orders", "AdditionalDataSources": ["ref1","ref2"] } Rules = [ RowCountMatch "ref1" = 1.0 ]`,
		want: confDoc("DataSources = {\n    \"Primary\": \"orders\",\n    \"AdditionalDataSources\": [ \"ref1\", \"ref2\" ]\n}", confRules(`RowCountMatch "ref1" = 1.0`)),
	},
	{
		name: "DataSources AdditionalDataSources only",
		in:   `DataSources = { "AdditionalDataSources": [ "ref-table" ] } Rules = [ IsPrimaryKey "colA" ]`,
		want: confDoc("DataSources = {\n    \"AdditionalDataSources\": [ \"ref-table\" ]\n}", confRules(`IsPrimaryKey "colA"`)),
	},
	{
		name: "all Glue sections",
		in: "Metadata = { \"Version\": \"1.0\" }\n" +
			"DataSources = { \"Primary\": \"orders-table\", \"AdditionalDataSources\": [ \"ref-table\" ] }\n" +
			"Rules = [ IsPrimaryKey \"colA\" ]\n" +
			"Analyzers = [ Completeness \"colA\" ]",
		want: confDoc("Metadata = {\n    \"Version\": \"1.0\"\n}",
			"DataSources = {\n    \"Primary\": \"orders-table\",\n    \"AdditionalDataSources\": [ \"ref-table\" ]\n}",
			confRules(`IsPrimaryKey "colA"`), confAnalyzers(`Completeness "colA"`)),
	},
	{
		name: "several rules",
		in:   "Rules = [\n    Completeness \"col_1\" < 0.5, \n(Uniqueness \"col_2\" between 0.2 and 0.4) and (Completeness \"col_2\" > 0.7),\n    RowCount = 100]",
		want: confRules(`Completeness "col_1" < 0.5`, `(Uniqueness "col_2" between 0.2 and 0.4) AND (Completeness "col_2" > 0.7)`, `RowCount = 100`),
	},
	{
		name: "string variable as parameter",
		in:   "sqlString = \"select id from primary where age < 100\"\nRules = [ CustomSql $sqlString between 10 and 20 ]",
		want: confDoc(`sqlString = "select id from primary where age < 100"`, confRules(`CustomSql $sqlString between 10 and 20`)),
	},
	{
		name: "string variable as column",
		in:   "column_name = \"age\"\nRules = [ Mean $column_name > 3 ]",
		want: confDoc(`column_name = "age"`, confRules(`Mean $column_name > 3`)),
	},
	{
		name: "empty string variable",
		in:   "empty_var = \"\"\nRules = [ CustomSql $empty_var ]",
		want: confDoc(`empty_var = ""`, confRules(`CustomSql $empty_var`)),
	},
	{
		name: "list variable in and not in",
		in:   "codes = [\"A1\", \"B2\", \"C3\"]\nbad = [\"X1\"]\nRules = [\n    ColumnValues \"product_code\" in $codes,\n    ColumnValues \"product_code\" not in $bad\n]",
		want: confDoc("codes = [\"A1\",\"B2\",\"C3\"]\nbad = [\"X1\"]", confRules(`ColumnValues "product_code" in $codes`, `ColumnValues "product_code" not in $bad`)),
	},
	{
		name: "list variable with keywords",
		in:   "allowed = [\"a\", null, EMPTY]\nRules = [ ColumnValues \"c\" in $allowed ]",
		want: confDoc(`allowed = ["a",NULL,EMPTY]`, confRules(`ColumnValues "c" in $allowed`)),
	},
	{
		name: "string variable in equality",
		in:   "expected = \"active\"\nRules = [ ColumnValues \"status\" = $expected ]",
		want: confDoc(`expected = "active"`, confRules(`ColumnValues "status" = $expected`)),
	},
	{
		name:  "unused variables kept",
		in:    "a = [\"X1\"]\nb = \"y\"\nRules = [ ColumnValues \"c\" not in [\"A1\", \"B2\"] ]",
		want:  confDoc("a = [\"X1\"]\nb = \"y\"", confRules(`ColumnValues "c" not in ["A1","B2"]`)),
		warns: []string{"1:1", "2:1"}, // unused variables
	},
	{
		name: "variable name with dot and digits",
		in:   "v.1 = \"x\"\nRules = [ IsComplete $v.1 ]",
		want: confDoc(`v.1 = "x"`, confRules(`IsComplete $v.1`)),
	},
	{
		name: "DefaultLabels",
		in:   "DefaultLabels = [\"env\"=\"prod\", \"team\"=\"core\"]\nRules = [ IsComplete \"a\", IsUnique \"a\" labels=[\"team\"=\"edge\"] ]",
		want: confDoc(`DefaultLabels = ["env"="prod", "team"="core"]`, confRules(`IsComplete "a"`, `IsUnique "a" labels=["team"="edge"]`)),
	},
	{
		name: "DefaultLabels with ten entries",
		in:   `DefaultLabels = ["k1"="v","k2"="v","k3"="v","k4"="v","k5"="v","k6"="v","k7"="v","k8"="v","k9"="v","k10"="v"] Rules = [ RowCount > 0 ]`,
		want: confDoc(`DefaultLabels = ["k1"="v", "k2"="v", "k3"="v", "k4"="v", "k5"="v", "k6"="v", "k7"="v", "k8"="v", "k9"="v", "k10"="v"]`, confRules(`RowCount > 0`)),
	},
	{
		name: "every section",
		in: "Metadata = { \"Version\": \"1.0\" }\n" +
			"DataSources = { \"Primary\": \"orders\", \"AdditionalDataSources\": [ \"ref\" ] }\n" +
			"sql = \"select count(*) from primary\"\n" +
			"statuses = [\"active\", \"pending\"]\n" +
			"DefaultLabels = [\"env\"=\"prod\"]\n" +
			"Rules = [ CustomSql $sql > 0, ColumnValues \"status\" in $statuses labels=[\"owner\"=\"ops\"] ]\n" +
			"Analyzers = [ RowCount, AllStatistics AllColumns ]\n",
		want: confDoc("Metadata = {\n    \"Version\": \"1.0\"\n}",
			"DataSources = {\n    \"Primary\": \"orders\",\n    \"AdditionalDataSources\": [ \"ref\" ]\n}",
			"sql = \"select count(*) from primary\"\nstatuses = [\"active\",\"pending\"]",
			`DefaultLabels = ["env"="prod"]`,
			confRules(`CustomSql $sql > 0`, `ColumnValues "status" in $statuses labels=["owner"="ops"]`),
			confAnalyzers(`RowCount`, `AllStatistics AllColumns`)),
	},
	{
		name: "Analyzers only",
		in:   `Analyzers = [ RowCount, Completeness of "col-A" ]`,
		want: confAnalyzers(`RowCount`, `Completeness of "col-A"`),
	},
	{
		name: "empty Rules with Analyzers",
		in:   `Rules = [] Analyzers = [ RowCount, Completeness of "col-A" ]`,
		want: confDoc(confRules(), confAnalyzers(`RowCount`, `Completeness of "col-A"`)),
	},
	{
		name: "Analyzers with sources and no rules",
		in:   "Metadata = { \"Version\": \"1.0\" }\nDataSources = {\n    \"Primary\": \"orders-table\", \n    \"AdditionalDataSources\": [ \"ref-table\" ]\n}\nAnalyzers = [ RowCount, Completeness \"colA\", Uniqueness of col_A ]",
		want: confDoc("Metadata = {\n    \"Version\": \"1.0\"\n}",
			"DataSources = {\n    \"Primary\": \"orders-table\",\n    \"AdditionalDataSources\": [ \"ref-table\" ]\n}",
			confAnalyzers(`RowCount`, `Completeness "colA"`, `Uniqueness of col_A`)),
	},
	{
		name: "AllStatistics forms",
		in:   `Analyzers = [ Completeness "colA", AllStatistics of AllColumns, AllStatistics "id", AllStatistics AllColumns ]`,
		want: confAnalyzers(`Completeness "colA"`, `AllStatistics of AllColumns`, `AllStatistics "id"`, `AllStatistics AllColumns`),
	},
	{
		name: "every analyzer type",
		in: `Rules = [ IsComplete "colA" ] Analyzers = [ RowCount, RowCountMatch "reference", Completeness "col_1", ColumnCount,
			ColumnCorrelation "col_1" "col_2", Uniqueness "col_1" "col_2", Sum "s", Mean "m", StandardDeviation "sd", Variance "v",
			Entropy "e", DistinctValuesCount "d", UniqueValueRatio "u", ColumnLength "l", ColumnValues "cv", ColumnDataType "t",
			DataFreshness "f", ReferentialIntegrity "col-A,col-B" "reference.{col-A1,col-A2}", DatasetMatch "reference" "ID1,ID2",
			DatasetMatch "reference" "ID1->ID11" "colA->colAA", SchemaMatch "ref-1", AggregateMatch "avg(col-A)" "avg(reference.colA)",
			CustomSql "select count(*) from primary", FileUniqueness "s3://p/", FileFreshness, FileSize "s3://p/", FileMatch "s3://p/" ]`,
		want: confDoc(confRules(`IsComplete "colA"`), confAnalyzers(`RowCount`, `RowCountMatch "reference"`, `Completeness "col_1"`, `ColumnCount`,
			`ColumnCorrelation "col_1" "col_2"`, `Uniqueness "col_1" "col_2"`, `Sum "s"`, `Mean "m"`, `StandardDeviation "sd"`, `Variance "v"`,
			`Entropy "e"`, `DistinctValuesCount "d"`, `UniqueValueRatio "u"`, `ColumnLength "l"`, `ColumnValues "cv"`, `ColumnDataType "t"`,
			`DataFreshness "f"`, `ReferentialIntegrity "col-A,col-B" "reference.{col-A1,col-A2}"`, `DatasetMatch "reference" "ID1,ID2"`,
			`DatasetMatch "reference" "ID1->ID11" "colA->colAA"`, `SchemaMatch "ref-1"`, `AggregateMatch "avg(col-A)" "avg(reference.colA)"`,
			`CustomSql "select count(*) from primary"`, `FileUniqueness "s3://p/"`, `FileFreshness`, `FileSize "s3://p/"`, `FileMatch "s3://p/"`)),
		// ColumnDataType and DataFreshness parse, as in Glue, but have no
		// statistic without a condition: dq warns that they compute nothing.
		warns: []string{"3:101", "4:4"},
	},
	{
		name: "analyzer with variable parameter",
		in:   "col = \"price\"\nAnalyzers = [ Mean $col ]",
		want: confDoc(`col = "price"`, confAnalyzers(`Mean $col`)),
	},
}

// --- Lexical leniency and comments. ---

var confLexicalCases = []confValidCase{
	{
		name: "no whitespace at all",
		in:   `Rules=[RowCount>0,IsComplete "a",(IsUnique "a")and(IsComplete "b")]`,
		want: confRules(`RowCount > 0`, `IsComplete "a"`, `(IsUnique "a") AND (IsComplete "b")`),
	},
	{
		name: "tabs and blank lines",
		in:   "\n\n\tRules\t=\t[\n\n\tRowCount\t>\t0\n\n]\n\n",
		want: confRules(`RowCount > 0`),
	},
	{
		name: "full-line comments",
		in:   "# data quality for orders\nRules = [\n    # row count\n    RowCount > 0,\n    # completeness\n    IsComplete \"a\"\n]\n",
		want: "# data quality for orders\nRules = [\n    # row count\n    RowCount > 0,\n    # completeness\n    IsComplete \"a\"\n]",
	},
	{
		name: "end-of-line comments",
		in:   "Rules = [ # first\n    RowCount > 0, # trailing\n    IsComplete \"a\" # last\n] # done\n",
		want: "Rules = [\n    # first\n    RowCount > 0,  # trailing\n    IsComplete \"a\"  # last\n]\n\n# done",
	},
	{
		name: "comment inside a rule",
		in:   "Rules = [\n    Completeness # the column follows\n    \"a\" > 0.5\n]\n",
		want: "Rules = [\n    Completeness \"a\" > 0.5\n    # the column follows\n]",
	},
	{
		name: "comment with brackets and quotes",
		in:   "Rules = [\n    RowCount > 0 # ] , \"not a string\n]\n",
		want: "Rules = [\n    RowCount > 0  # ] , \"not a string\n]",
	},
	{
		name: "hash inside string is not a comment",
		in:   `Rules = [ ColumnValues "c" = "#1" ]`,
		want: confRules(`ColumnValues "c" = "#1"`),
	},
	{
		name: "comment at end of file without newline",
		in:   "Rules = [ RowCount > 0 ]\n# end",
		want: confRules(`RowCount > 0`) + "\n\n# end",
	},
	{
		name: "CRLF line endings",
		in:   "Metadata = { \"Version\": \"1.0\" }\r\nRules = [\r\n    RowCount > 0, # note\r\n    IsComplete \"a\"\r\n]\r\n",
		want: confDoc("Metadata = {\n    \"Version\": \"1.0\"\n}", "Rules = [\n    RowCount > 0,  # note\n    IsComplete \"a\"\n]"),
	},
	{
		name: "byte-order mark",
		in:   "\uFEFFRules = [ RowCount > 0 ]",
		want: confRules(`RowCount > 0`),
	},
	{
		name: "no-break spaces",
		in:   "Rules = [\u00A0RowCount\u00A0>\u00A00 ]",
		want: confRules(`RowCount > 0`),
	},
}

// --- Accepted with a warning (Glue accepts them silently). ---

var confLintCases = []confValidCase{
	{
		// Glue keeps the last value; dq does too, and says so.
		name:  "repeated tag",
		in:    `Rules = [ ColumnValues "c" in ["a"] with ignoreCase = "true" with ignoreCase = "false" ]`,
		want:  confRules(`ColumnValues "c" in ["a"] with ignoreCase = "true" with ignoreCase = "false"`),
		warns: []string{"1:62"},
	},
	{
		name:  "repeated Metadata key",
		in:    `Metadata = { "Version": "1.0", "Version": "2.0" } Rules = [ RowCount > 0 ]`,
		want:  confDoc("Metadata = {\n    \"Version\": \"1.0\",\n    \"Version\": \"2.0\"\n}", confRules(`RowCount > 0`)),
		warns: []string{"1:32"},
	},
	{
		name:  "labels on a leaf inside parentheses",
		in:    `Rules = [ (IsComplete "a" labels=["k"="v"]) and (RowCount > 0) ]`,
		want:  confRules(`(IsComplete "a" labels=["k"="v"]) AND (RowCount > 0)`),
		warns: []string{"1:12"},
	},
	{
		// The docs' "invalid" example: the labels bind to the last operand
		// only, which is rarely what the author meant.
		name:  "labels after the last operand of a composite",
		in:    `Rules = [ (IsComplete "a") AND (RowCount > 0) labels=["k"="v"] ]`,
		want:  confRules(`(IsComplete "a") AND (RowCount > 0 labels=["k"="v"])`),
		warns: []string{"1:33"},
	},
	{
		name: "string variable after in",
		in:   "v = \"a\"\nRules = [ ColumnValues \"c\" in $v ]",
		want: confDoc(`v = "a"`, confRules(`ColumnValues "c" in $v`)),
	},
}

// --- Text after the last section: Glue ignores it; dq warns and the
// formatter keeps it as written (a misplaced section is an error, see
// errors_test.go). ---

var confWarningCases = []confValidCase{
	{
		name:  "extra closing bracket",
		in:    `Rules = [ RowCount > 0 ]]`,
		want:  confRules(`RowCount > 0`) + "\n]",
		warns: []string{"1:25"},
	},
	{
		name:  "trailing words",
		in:    "Rules = [ IsComplete \"a\" ] then more",
		want:  confRules(`IsComplete "a"`) + "\nthen more",
		warns: []string{"1:28"},
	},
	{
		name:  "trailing text with comments",
		in:    "Rules = [ IsComplete \"a\" ]\n# before\n}  # inside\n  RowCount > 3\n# last\n\n",
		want:  confRules(`IsComplete "a"`) + "\n\n# before\n}  # inside\n  RowCount > 3\n# last",
		warns: []string{"3:1"},
	},
}

// confValidCases is the whole valid corpus, shared with the fuzz target.
var confValidCases = func() []confValidCase {
	var all []confValidCase
	all = append(all, confWrapRules("rule types", confRuleTypeCases)...)
	all = append(all, confWrapRules("number conditions", confNumberCases)...)
	all = append(all, confWrapRules("string conditions", confStringCases)...)
	all = append(all, confWrapRules("date conditions", confDateCases)...)
	all = append(all, confWrapRules("duration conditions", confDurationCases)...)
	all = append(all, confWrapRules("size conditions", confSizeCases)...)
	all = append(all, confWrapRules("clauses", confClauseCases)...)
	all = append(all, confWrapRules("composites", confCompositeCases)...)
	for _, group := range []struct {
		area  string
		cases []confValidCase
	}{{"documents", confDocumentCases}, {"lexical", confLexicalCases}, {"lint", confLintCases}, {"trailing text", confWarningCases}} {
		for _, c := range group.cases {
			c.area = group.area
			all = append(all, c)
		}
	}
	return all
}()

func confParse(t *testing.T, src string) *dqdl.Ruleset {
	t.Helper()
	rs, err := dqdl.Parse("conformance.dqdl", src)
	if err != nil {
		t.Fatalf("Parse failed:\ninput:\n%s\nerrors:\n%v", src, err)
	}
	if rs == nil {
		t.Fatalf("Parse returned a nil ruleset and no error for:\n%s", src)
	}
	return rs
}

func confTrim(s string) string { return strings.TrimRight(s, "\n") }

// confExtraWarnings returns the warnings of the re-parsed canonical text
// whose message the original parse did not report. Lint warnings (an unused
// variable) may persist; warnings about the source's form (ignored trailing
// text) must disappear; none may appear.
func confExtraWarnings(orig, again *dqdl.Ruleset) dqdl.ErrorList {
	seen := map[string]int{}
	for _, w := range orig.Warnings {
		seen[w.Msg]++
	}
	var extra dqdl.ErrorList
	for _, w := range again.Warnings {
		if seen[w.Msg] > 0 {
			seen[w.Msg]--
			continue
		}
		extra = append(extra, w)
	}
	return extra
}

// TestConformanceValid parses every valid case and compares the canonical
// text and the warnings.
func TestConformanceValid(t *testing.T) {
	for _, c := range confValidCases {
		t.Run(c.area+"/"+c.name, func(t *testing.T) {
			rs := confParse(t, c.in)
			if got := confTrim(rs.String()); got != confTrim(c.want) {
				t.Errorf("canonical text mismatch\ninput:\n%s\nwant:\n%s\ngot:\n%s", c.in, c.want, got)
			}
			confCheckWarnings(t, rs, c)
		})
	}
}

func confCheckWarnings(t *testing.T, rs *dqdl.Ruleset, c confValidCase) {
	t.Helper()
	if len(c.warns) == 0 {
		if len(rs.Warnings) > 0 && !c.allowWarn {
			t.Errorf("unexpected warnings for\n%s\n%v", c.in, dqdl.ErrorList(rs.Warnings))
		}
		return
	}
	if len(rs.Warnings) != len(c.warns) {
		t.Fatalf("want %d warning(s) at %v, got %d: %v", len(c.warns), c.warns, len(rs.Warnings), dqdl.ErrorList(rs.Warnings))
	}
	for i, w := range rs.Warnings {
		if w.Severity != dqdl.SeverityWarning {
			t.Errorf("warning %d has severity %v", i, w.Severity)
		}
		if got := fmt.Sprintf("%d:%d", w.Pos.Line, w.Pos.Column); got != c.warns[i] {
			t.Errorf("warning %d at %s, want %s (%s)", i, got, c.warns[i], w.Msg)
		}
		if w.Pos.Filename != "conformance.dqdl" {
			t.Errorf("warning %d filename %q", i, w.Pos.Filename)
		}
		if off, ok := confOffsetOf(c.in, w.Pos.Line, w.Pos.Column); !ok || off != w.Pos.Offset {
			t.Errorf("warning %d offset %d inconsistent with %d:%d (want %d)", i, w.Pos.Offset, w.Pos.Line, w.Pos.Column, off)
		}
	}
}

// TestConformanceRoundTrip checks that canonical text re-parses to the same
// ruleset and prints identically (idempotence).
func TestConformanceRoundTrip(t *testing.T) {
	for _, c := range confValidCases {
		t.Run(c.area+"/"+c.name, func(t *testing.T) {
			rs := confParse(t, c.in)
			s1 := rs.String()
			rs2, err := dqdl.Parse("roundtrip.dqdl", s1)
			if err != nil {
				t.Fatalf("canonical text does not re-parse\ninput:\n%s\ncanonical:\n%s\nerrors:\n%v", c.in, s1, err)
			}
			if extra := confExtraWarnings(rs, rs2); len(extra) > 0 {
				t.Errorf("canonical text has new warnings: %v\n%s", extra, s1)
			}
			if s2 := rs2.String(); s2 != s1 {
				t.Errorf("not idempotent\nfirst:\n%s\nsecond:\n%s", s1, s2)
			}
			if d := confASTDiff(rs, rs2); d != "" {
				t.Errorf("re-parsed AST differs at %s\ninput:\n%s\ncanonical:\n%s", d, c.in, s1)
			}
		})
	}
}

// TestConformanceRuleStringMatchesRuleset checks that Rule.String() is the
// line the ruleset prints for it.
func TestConformanceRuleStringMatchesRuleset(t *testing.T) {
	for _, c := range confValidCases {
		if c.area == "trailing text" {
			continue
		}
		t.Run(c.area+"/"+c.name, func(t *testing.T) {
			rs := confParse(t, c.in)
			if len(rs.Rules) == 0 {
				return
			}
			text := rs.String()
			for _, r := range rs.Rules {
				if line := "    " + r.String(); !strings.Contains(text, line) {
					t.Errorf("rule %q not found as a line of\n%s", r.String(), text)
				}
			}
		})
	}
}

// TestConformanceCoversEveryRuleType makes sure every registry entry
// (overloads included) is exercised by the valid corpus.
func TestConformanceCoversEveryRuleType(t *testing.T) {
	seen := map[*dqdl.RuleType]bool{}
	for _, c := range confValidCases {
		rs, err := dqdl.Parse("coverage.dqdl", c.in)
		if err != nil {
			continue // reported by TestConformanceValid
		}
		for _, r := range rs.Rules {
			for _, l := range dqdl.Leaves(r) {
				seen[l.Spec] = true
			}
		}
		for _, a := range rs.Analyzers {
			seen[a.Spec] = true
		}
	}
	for _, rt := range dqdl.RuleTypes() {
		if !seen[rt] {
			t.Errorf("rule type %s with %d parameter(s) is not covered by the valid corpus", rt.Name, len(rt.Params))
		}
	}
}

// --- Structural checks: what the AST says, beyond the printed text. ---

func confFirstRule(t *testing.T, src string) *dqdl.SimpleRule {
	t.Helper()
	rs := confParse(t, src)
	if len(rs.Rules) == 0 {
		t.Fatalf("no rules in %s", src)
	}
	r, ok := rs.Rules[0].(*dqdl.SimpleRule)
	if !ok {
		t.Fatalf("first rule of %s is %T, want *dqdl.SimpleRule", src, rs.Rules[0])
	}
	return r
}

func TestConformanceAST(t *testing.T) {
	t.Run("arithmetic is left-associative with equal precedence", func(t *testing.T) {
		r := confFirstRule(t, `Rules = [ RowCount > 1 + 2 * 3 ]`)
		if r.Condition == nil || len(r.Condition.Operands) != 1 {
			t.Fatalf("condition %+v", r.Condition)
		}
		top, ok := r.Condition.Operands[0].(*dqdl.Binary)
		if !ok || top.Op != '*' {
			t.Fatalf("top operand %#v, want Binary '*'", r.Condition.Operands[0])
		}
		left, ok := top.X.(*dqdl.Binary)
		if !ok || left.Op != '+' {
			t.Fatalf("left operand %#v, want Binary '+'", top.X)
		}
		if n, ok := top.Y.(*dqdl.Number); !ok || n.Text != "3" || n.Value != 3 {
			t.Errorf("right operand %#v, want Number 3", top.Y)
		}
		if r.Condition.Static() != true {
			t.Errorf("1 + 2 * 3 should be static")
		}
	})
	t.Run("dynamic call is not static", func(t *testing.T) {
		r := confFirstRule(t, `Rules = [ RowCount > avg(last(10)) * 0.9 ]`)
		if r.Condition.Static() {
			t.Errorf("avg(last(10)) * 0.9 reported static")
		}
		b := r.Condition.Operands[0].(*dqdl.Binary)
		call, ok := b.X.(*dqdl.Call)
		if !ok || call.Name != "avg" || len(call.Args) != 1 {
			t.Fatalf("left operand %#v, want avg(...)", b.X)
		}
		inner, ok := call.Args[0].(*dqdl.Call)
		if !ok || inner.Name != "last" || len(inner.Args) != 1 {
			t.Fatalf("avg argument %#v, want last(10)", call.Args[0])
		}
	})
	t.Run("negative number with a space", func(t *testing.T) {
		r := confFirstRule(t, `Rules = [ RowCount > - 5 ]`)
		n, ok := r.Condition.Operands[0].(*dqdl.Number)
		if !ok || n.Value != -5 || n.Text != "-5" {
			t.Errorf("operand %#v, want Number -5 with text \"-5\"", r.Condition.Operands[0])
		}
	})
	t.Run("and binds tighter than or", func(t *testing.T) {
		rs := confParse(t, `Rules = [ (RowCount > 0) or (IsComplete "a") and (IsUnique "a") ]`)
		c, ok := rs.Rules[0].(*dqdl.CompositeRule)
		if !ok || c.Op != dqdl.Or || len(c.Rules) != 2 {
			t.Fatalf("top rule %#v, want OR of 2", rs.Rules[0])
		}
		inner, ok := c.Rules[1].(*dqdl.CompositeRule)
		if !ok || inner.Op != dqdl.And || len(inner.Rules) != 2 {
			t.Fatalf("second child %#v, want AND of 2", c.Rules[1])
		}
		if got := len(dqdl.Leaves(c)); got != 3 {
			t.Errorf("leaves = %d, want 3", got)
		}
	})
	t.Run("same-operator chain is flattened", func(t *testing.T) {
		rs := confParse(t, `Rules = [ ((RowCount > 0) and (IsComplete "a")) and (IsUnique "a") ]`)
		c := rs.Rules[0].(*dqdl.CompositeRule)
		if c.Op != dqdl.And || len(c.Rules) != 3 {
			t.Errorf("got %v with %d children, want AND with 3", c.Op, len(c.Rules))
		}
	})
	t.Run("parameters keep quoting, raw text and connectors", func(t *testing.T) {
		r := confFirstRule(t, `Rules = [ ColumnCorrelation of col_1 and "col\"B" > 0.5 ]`)
		if len(r.Params) != 2 {
			t.Fatalf("params %d, want 2", len(r.Params))
		}
		p0, p1 := r.Params[0], r.Params[1]
		if p0.Connector != "of" || p0.Quoted || p0.Value != "col_1" || p0.Raw != "col_1" {
			t.Errorf("param 0 = %+v", *p0)
		}
		if p1.Connector != "and" || !p1.Quoted || p1.Value != `col"B` || p1.Raw != `col\"B` {
			t.Errorf("param 1 = %+v", *p1)
		}
		if r.Spec == nil || r.Spec.Name != "ColumnCorrelation" {
			t.Errorf("spec %+v", r.Spec)
		}
	})
	t.Run("variable parameter resolves", func(t *testing.T) {
		r := confFirstRule(t, "sql = \"select count(*) from primary\"\nRules = [ CustomSql $sql > 0 ]")
		p := r.Params[0]
		if p.Var != "sql" || p.Value != "select count(*) from primary" {
			t.Errorf("param = %+v", *p)
		}
	})
	t.Run("in $var lists the variable's items", func(t *testing.T) {
		r := confFirstRule(t, "codes = [\"A\", NULL]\nRules = [ ColumnValues \"c\" not in $codes ]")
		c := r.Condition
		if c.Op != dqdl.OpNotIn || c.Kind != dqdl.StringCondition || c.ListVar == nil || c.ListVar.Name != "codes" {
			t.Fatalf("condition %+v", c)
		}
		if len(c.Operands) != 2 {
			t.Fatalf("operands %d, want 2", len(c.Operands))
		}
		if s, ok := c.Operands[0].(*dqdl.StringLit); !ok || s.Value != "A" {
			t.Errorf("operand 0 %#v", c.Operands[0])
		}
		if k, ok := c.Operands[1].(*dqdl.Keyword); !ok || k.Kind != dqdl.Null {
			t.Errorf("operand 1 %#v", c.Operands[1])
		}
	})
	t.Run("string operands are unescaped", func(t *testing.T) {
		r := confFirstRule(t, `Rules = [ ColumnValues "c" in ["a\"b", "c\\d"] ]`)
		want := []string{`a"b`, `c\d`}
		for i, o := range r.Condition.Operands {
			if s := o.(*dqdl.StringLit); s.Value != want[i] {
				t.Errorf("operand %d value %q, want %q", i, s.Value, want[i])
			}
		}
		r = confFirstRule(t, `Rules = [ ColumnValues "c" = "a\"b" ]`)
		if s := r.Condition.Operands[0].(*dqdl.StringLit); s.Value != `a"b` || s.Raw != `a\"b` {
			t.Errorf("= operand %+v", *s)
		}
	})
	t.Run("where keeps SQL escapes", func(t *testing.T) {
		r := confFirstRule(t, `Rules = [ IsComplete "a" where "name = \"x\"" ]`)
		if r.Where == nil || r.Where.SQL != `name = \"x\"` {
			t.Errorf("where %+v", r.Where)
		}
	})
	t.Run("matches keeps regex backslashes", func(t *testing.T) {
		r := confFirstRule(t, `Rules = [ ColumnValues "c" matches "\d+" ]`)
		if r.Condition.Op != dqdl.OpMatches {
			t.Fatalf("op %v", r.Condition.Op)
		}
		if s := r.Condition.Operands[0].(*dqdl.StringLit); s.Raw != `\d+` {
			t.Errorf("regex raw %q", s.Raw)
		}
	})
	t.Run("ColumnValues condition kind follows the operands", func(t *testing.T) {
		for src, kind := range map[string]dqdl.ConditionKind{
			`ColumnValues "c" = 5`:            dqdl.NumberCondition,
			`ColumnValues "c" = "x"`:          dqdl.StringCondition,
			`ColumnValues "c" = "2024-01-01"`: dqdl.DateCondition,
			`ColumnValues "c" > now()`:        dqdl.DateCondition,
			`ColumnValues "c" in [1,NULL]`:    dqdl.NumberCondition,
			`DataFreshness "c" > 3 days`:      dqdl.DurationCondition,
			`FileSize > 1000`:                 dqdl.SizeCondition,
		} {
			r := confFirstRule(t, "Rules = [ "+src+" ]")
			if r.Condition.Kind != kind {
				t.Errorf("%s: kind %v, want %v", src, r.Condition.Kind, kind)
			}
		}
	})
	t.Run("dates, times, durations and sizes", func(t *testing.T) {
		r := confFirstRule(t, `Rules = [ ColumnValues "c" between "2024-02-29" and "9:30 PM" ]`)
		d, ok := r.Condition.Operands[0].(*dqdl.DateLit)
		if !ok || d.Year != 2024 || d.Month != 2 || d.Day != 29 || d.Text != "2024-02-29" {
			t.Errorf("date %#v", r.Condition.Operands[0])
		}
		tm, ok := r.Condition.Operands[1].(*dqdl.TimeLit)
		if !ok || tm.Hour != 21 || tm.Minute != 30 || tm.Text != "9:30 PM" {
			t.Errorf("time %#v", r.Condition.Operands[1])
		}
		r = confFirstRule(t, `Rules = [ ColumnValues "c" > "12:05 AM" ]`)
		if tm := r.Condition.Operands[0].(*dqdl.TimeLit); tm.Hour != 0 || tm.Minute != 5 {
			t.Errorf("12:05 AM = %d:%d, want 0:5", tm.Hour, tm.Minute)
		}
		r = confFirstRule(t, `Rules = [ ColumnValues "c" > (now() - 3 days) ]`)
		no, ok := r.Condition.Operands[0].(*dqdl.NowOffset)
		if !ok || no.Sign != '-' || no.Amount.Minutes() != 3*1440 || no.Amount.Unit != dqdl.Days {
			t.Errorf("now offset %#v", r.Condition.Operands[0])
		}
		r = confFirstRule(t, `Rules = [ DataFreshness "c" between 90 minutes and 2 hours ]`)
		if d := r.Condition.Operands[0].(*dqdl.Duration); d.Minutes() != 90 || d.Text != "90" {
			t.Errorf("duration %+v", *d)
		}
		r = confFirstRule(t, `Rules = [ FileSize between 2 KB and 1 MB ]`)
		if s := r.Condition.Operands[0].(*dqdl.Size); s.Bytes() != 2048 || s.Unit != "KB" || s.Text != "2" {
			t.Errorf("size %+v", *s)
		}
		if s := r.Condition.Operands[1].(*dqdl.Size); s.Bytes() != 1<<20 || s.Unit != "MB" {
			t.Errorf("size %+v", *s)
		}
		r = confFirstRule(t, `Rules = [ FileSize in [1000, 7] ]`)
		if s := r.Condition.Operands[0].(*dqdl.Size); s.Bytes() != 1000 || s.Unit != "" {
			t.Errorf("bare size %+v", *s)
		}
	})
	t.Run("threshold and tags", func(t *testing.T) {
		r := confFirstRule(t, `Rules = [ ColumnValues "c" in ["a"] with ignoreCase = "true" with THRESHOLD >= 0.9 with recentFiles = 3 ]`)
		if r.Threshold == nil || r.Threshold.Op != dqdl.OpGe || r.Threshold.Kind != dqdl.NumberCondition {
			t.Fatalf("threshold %+v", r.Threshold)
		}
		if len(r.Tags) != 2 || r.Tags[0].Key != "ignoreCase" || r.Tags[1].Key != "recentFiles" {
			t.Fatalf("tags %+v", r.Tags)
		}
		if r.Tag("ignoreCase").Text() != "true" || r.Tag("recentFiles").Text() != "3" {
			t.Errorf("tag texts %q %q", r.Tag("ignoreCase").Text(), r.Tag("recentFiles").Text())
		}
		if r.Tag("IgnoreCase") != nil {
			t.Errorf("tag keys must be case-sensitive")
		}
	})
	t.Run("labels and DefaultLabels", func(t *testing.T) {
		rs := confParse(t, `DefaultLabels = ["env"="prod","team"="core"] Rules = [ IsComplete "a" labels=["team"="edge","k"="a\"b"], RowCount > 0 ]`)
		r0 := rs.Rules[0].(*dqdl.SimpleRule)
		if v, ok := r0.Labels.Get("k"); !ok || v != `a"b` {
			t.Errorf("label k = %q %v", v, ok)
		}
		eff := rs.EffectiveLabels(r0)
		if len(eff) != 3 || eff["env"] != "prod" || eff["team"] != "edge" {
			t.Errorf("effective labels of rule 0: %v", eff)
		}
		eff = rs.EffectiveLabels(rs.Rules[1])
		if len(eff) != 2 || eff["team"] != "core" {
			t.Errorf("effective labels of rule 1: %v", eff)
		}
	})
	t.Run("composite labels", func(t *testing.T) {
		rs := confParse(t, `Rules = [ ((IsComplete "a") and (RowCount > 0)) labels=["k"="v"] ]`)
		c, ok := rs.Rules[0].(*dqdl.CompositeRule)
		if !ok || c.Labels == nil {
			t.Fatalf("rule %#v, want composite with labels", rs.Rules[0])
		}
		if v, _ := dqdl.RuleLabels(c).Get("k"); v != "v" {
			t.Errorf("composite label k = %q", v)
		}
	})
	t.Run("sections", func(t *testing.T) {
		rs := confParse(t, `Metadata = { "Version": "1.0" } DataSources = { "Primary": "p", "AdditionalDataSources": ["r1", "r2"] } Rules = [] Analyzers = [ RowCount ]`)
		if rs.Metadata == nil || rs.Metadata.Entry("Version") == nil || rs.Metadata.Entry("Version").Value != "1.0" {
			t.Errorf("metadata %+v", rs.Metadata)
		}
		if rs.PrimarySource() != "p" {
			t.Errorf("primary %q", rs.PrimarySource())
		}
		if got := rs.AdditionalSources(); len(got) != 2 || got[0] != "r1" || got[1] != "r2" {
			t.Errorf("additional %v", got)
		}
		if !rs.HasRules || len(rs.Rules) != 0 || !rs.HasAnalyzers || len(rs.Analyzers) != 1 {
			t.Errorf("HasRules=%v rules=%d HasAnalyzers=%v analyzers=%d", rs.HasRules, len(rs.Rules), rs.HasAnalyzers, len(rs.Analyzers))
		}
		rs = confParse(t, `Analyzers = [ AllStatistics AllColumns ]`)
		if rs.HasRules || rs.Analyzers[0].Spec == nil || !rs.Analyzers[0].Spec.AnalyzerOnly {
			t.Errorf("HasRules=%v spec=%+v", rs.HasRules, rs.Analyzers[0].Spec)
		}
	})
	t.Run("overloads resolve by parameter count", func(t *testing.T) {
		for src, n := range map[string]int{
			`FileMatch "a" "b"`:              2,
			`FileMatch "a" in ["h"]`:         1,
			`FileMatch in ["h"]`:             0,
			`DatasetMatch "r" "k" = 1.0`:     2,
			`DatasetMatch "r" "k" "m" = 1.0`: 3,
		} {
			r := confFirstRule(t, "Rules = [ "+src+" ]")
			if r.Spec == nil || len(r.Spec.Params) != n {
				t.Errorf("%s resolved to %+v, want the %d-parameter overload", src, r.Spec, n)
			}
		}
	})
	t.Run("comments are recorded with positions", func(t *testing.T) {
		rs := confParse(t, "# head\nRules = [ RowCount > 0 # tail\n]")
		if len(rs.Comments) != 2 {
			t.Fatalf("comments %d, want 2", len(rs.Comments))
		}
		if c := rs.Comments[0]; c.Text != "# head" || c.Pos.Line != 1 || c.Pos.Column != 1 {
			t.Errorf("comment 0 %+v", *c)
		}
		if c := rs.Comments[1]; c.Text != "# tail" || c.Pos.Line != 2 || c.Pos.Column != 24 {
			t.Errorf("comment 1 %+v", *c)
		}
	})
	t.Run("positions count runes", func(t *testing.T) {
		rs := confParse(t, "Rules = [\n  IsComplete \"é\", RowCount > 0 ]")
		r := rs.Rules[1].(*dqdl.SimpleRule)
		if r.Pos.Line != 2 || r.Pos.Column != 19 || r.Pos.Offset != len("Rules = [\n  IsComplete \"é\", ") {
			t.Errorf("RowCount at %+v, want 2:19 offset %d", r.Pos, len("Rules = [\n  IsComplete \"é\", "))
		}
		if r.Pos.Filename != "conformance.dqdl" {
			t.Errorf("filename %q", r.Pos.Filename)
		}
	})
}

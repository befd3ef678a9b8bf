package dqdl_test

// Invalid rulesets: every problem Glue's parser rejects (spec §3, item 8
// catalogue, and Glue's InvalidDQRulesetTest), plus the constructs dq
// rejects on purpose (§18: Java-only regex features, impossible dates).
//
// Messages are asserted loosely (case-insensitive substrings naming the
// facts a user needs); positions exactly. A position is the start of the
// offending construct: the rule type for rule-level problems, the operator
// for a condition, the `where`/`with`/`labels` keyword for a clause, the
// label pair, the variable declaration or `$` reference, the dictionary key,
// the regex or date literal, or the unexpected token of a syntax error.
// Each expected position names its anchor, the source text found there, and
// TestErrorCaseAnchors checks that the two agree.

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dqlabs/dq/dqdl"
)

type confDiag struct {
	at     string   // "line:col", 1-based, columns in runes
	anchor string   // source text at that position ("" for end of input)
	msgs   []string // substrings the message must contain, case-insensitively
}

type confErrorCase struct {
	area string
	name string
	in   string
	want []confDiag
}

func e1(area, name, in, at, anchor string, msgs ...string) confErrorCase {
	return confErrorCase{area: area, name: name, in: in, want: []confDiag{{at: at, anchor: anchor, msgs: msgs}}}
}

func confLabels(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`"k%d"="v"`, i+1)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

var confErrorCases = []confErrorCase{
	// A misplaced section: Glue ignores it silently, dq refuses.
	e1("sections", "second Rules section", "Rules = [ RowCount > 0 ]\nRules = [ IsComplete \"a\" ]", "2:1", "Rules", "second Rules section", "line 1", "merge"),
	e1("sections", "Metadata after Rules", "Rules = [ RowCount > 0 ]\n\n  Metadata = { \"Version\": \"1.0\" }", "3:3", "Metadata", "Metadata section out of order", "move it up"),
	e1("sections", "Rules after Analyzers", "Analyzers = [ RowCount ]\nRules = [ IsComplete \"a\" ]", "2:1", "Rules", "Rules section out of order"),
	e1("sections", "second Analyzers section after junk", "Rules = [ RowCount > 0 ]\nAnalyzers = [ RowCount ]\n] Analyzers = [ Completeness \"a\" ]", "3:3", "Analyzers", "second Analyzers section", "line 2"),
	// Rule types and parameters.
	e1("rule type", "unknown type with suggestion", `Rules = [ Completenes "a" > 0.5 ]`, "1:11", "Completenes", "Completenes", "did you mean", "Completeness"),
	e1("rule type", "rule types are case-sensitive", `Rules = [ isComplete "a" ]`, "1:11", "isComplete", "isComplete", "IsComplete"),
	e1("rule type", "unknown type without suggestion", `Rules = [ Frobnicate "a" ]`, "1:11", "Frobnicate", "Frobnicate"),
	e1("rule type", "and taken as a connector word", `Rules = [ IsComplete "a" and IsUnique "b" ]`, "1:11", "IsComplete", "IsComplete", "parameter"),
	e1("rule type", "AND before an unparenthesised boolean rule", `Rules = [ IsComplete "a" AND RowCount > 0 ]`, "1:11", "IsComplete", "IsComplete", "parameter"),
	e1("rule type", "too few parameters", `Rules = [ ColumnCorrelation "a" > 0.5 ]`, "1:11", "ColumnCorrelation", "ColumnCorrelation", "parameter"),
	e1("rule type", "no overload takes one parameter", `Rules = [ DatasetMatch "reference" = 0.99 ]`, "1:11", "DatasetMatch", "DatasetMatch", "parameter"),
	e1("rule type", "var-arg needs at least one", `Rules = [ DetectAnomalies ]`, "1:11", "DetectAnomalies", "DetectAnomalies", "parameter"),
	e1("rule type", "missing reference alias", `Rules = [ RowCountMatch > 0.1 ]`, "1:11", "RowCountMatch", "RowCountMatch", "parameter"),
	e1("rule type", "RowCount takes no parameter", `Rules = [ RowCount "id" > 100 ]`, "1:11", "RowCount", "RowCount", "parameter"),
	e1("rule type", "too many parameters", `Rules = [ SchemaMatch "ref-1" "ref-2" = 1.0 ]`, "1:11", "SchemaMatch", "SchemaMatch", "parameter"),
	e1("rule type", "AllStatistics in Rules", `Rules = [ AllStatistics "id" ]`, "1:11", "AllStatistics", "AllStatistics", "analyzer"),
	e1("rule type", "AllStatistics with condition in Rules", `Rules = [ AllStatistics "id" > 0 ]`, "1:11", "AllStatistics", "AllStatistics", "analyzer"),
	e1("rule type", "BOOLEAN type in Analyzers", `Analyzers = [ IsComplete "a" ]`, "1:15", "IsComplete", "IsComplete", "analyzer"),
	e1("rule type", "unknown analyzer type", `Analyzers = [ Meen "a" ]`, "1:15", "Meen", "Meen", "Mean"),
	e1("rule type", "analyzer with a condition", `Analyzers = [ Completeness "a" > 0.5 ]`, "1:32", ">"),
	e1("rule type", "analyzer with wrong parameter count", `Analyzers = [ ColumnCorrelation "a" ]`, "1:15", "ColumnCorrelation", "ColumnCorrelation", "parameter"),

	// Conditions.
	e1("condition", "condition on BOOLEAN rule", `Rules = [ IsComplete "a" > 0.5 ]`, "1:26", ">", "IsComplete", "condition"),
	e1("condition", "between on BOOLEAN rule", `Rules = [ IsPrimaryKey "a" between 1 and 2 ]`, "1:28", "between", "IsPrimaryKey", "condition"),
	e1("condition", "string condition on NUMBER rule", `Rules = [ Completeness "a" = "1.0" ]`, "1:28", "=", "Completeness", "number"),
	e1("condition", "missing condition on NUMBER rule", `Rules = [ Completeness "col-A" ]`, "1:11", "Completeness", "Completeness", "condition"),
	e1("condition", "missing condition on STRING rule", `Rules = [ ColumnDataType "col-A" ]`, "1:11", "ColumnDataType", "ColumnDataType", "condition"),
	e1("condition", "threshold without condition", `Rules = [ ColumnDataType "c" with threshold > 0.7 ]`, "1:11", "ColumnDataType", "ColumnDataType", "condition"),
	e1("condition", "number condition on DURATION rule", `Rules = [ DataFreshness "c" <= 3 ]`, "1:29", "<=", "DataFreshness", "duration"),
	e1("condition", "decimal bytes on SIZE rule", `Rules = [ FileSize > 1.5 ]`, "1:22", "1.5", "FileSize", "size"),
	e1("condition", "numbers mixed with strings", `Rules = [ ColumnValues "c" in [1,"2"] ]`, "1:28", "in", "mix"),
	e1("condition", "dates mixed with strings", `Rules = [ ColumnValues "c" in ["2024-01-01","abc"] ]`, "1:28", "in", "mix", "date"),
	e1("condition", "unknown duration unit", `Rules = [ ColumnValues "c" = (now() - 3 weeks) ]`, "1:41", "weeks", "weeks"),
	e1("condition", "now offset needs parentheses", `Rules = [ ColumnValues "c" > now() + 1 hours ]`, "1:36", "+"),
	e1("condition", "between without and", `Rules = [ RowCount between 1 5 ]`, "1:30", "5"),
	e1("condition", "ordering operator on strings", `Rules = [ ColumnValues "c" > "abc" ]`, "1:28", ">", "string"),
	e1("condition", "between on strings", `Rules = [ ColumnValues "c" between "a" and "b" ]`, "1:28", "between", "string"),
	e1("condition", "lower-case am is a plain string", `Rules = [ ColumnValues "t" > "9:30 am" ]`, "1:28", ">", "string"),
	e1("condition", "empty in list", `Rules = [ ColumnValues "c" in [] ]`, "1:31", "[", "empty"),
	e1("condition", "list variable after =", "v = [\"a\"]\nRules = [ ColumnValues \"c\" = $v ]", "2:30", "$", "list"),
	e1("condition", "string threshold", `Rules = [ ColumnValues "c" = "x" with threshold = "high" ]`, "1:49", "=", "threshold", "number"),
	e1("condition", "AllStatistics inside a composite", `Rules = [ (IsComplete "a") and (AllStatistics "b") ]`, "1:33", "AllStatistics", "AllStatistics", "analyzer"),
	e1("condition", "threshold on a composite", `Rules = [ (IsComplete "a") and (IsUnique "b") with threshold > 0.5 ]`, "1:47", "with"),
	e1("condition", "operator without operand", `Rules = [ RowCount > ]`, "1:22", "]"),

	// where clauses.
	e1("where", "where on ColumnCount", `Rules = [ ColumnCount > 3 where "x > 1" ]`, "1:27", "where", "where", "ColumnCount"),
	e1("where", "where on ColumnNamesMatchPattern", `Rules = [ ColumnNamesMatchPattern "aws_.*" where "x > 1" ]`, "1:44", "where", "where", "ColumnNamesMatchPattern"),
	e1("where", "where on CustomSql", `Rules = [ CustomSql "select 1" = 1 where "x > 1" ]`, "1:36", "where", "where", "CustomSql"),
	e1("where", "empty where", `Rules = [ IsComplete "a" where "" ]`, "1:26", "where", "where", "empty"),
	// Glue rejects only `where ""`; a blank clause passes its parser and
	// fails at run time. dq rejects it up front (deliberately stricter).
	e1("where", "blank where", `Rules = [ IsComplete "a" where " " ]`, "1:26", "where", "where"),
	// Glue's grammar, like dq's, wants the where clause right after the condition.
	e1("where", "where after with threshold", `Rules = [ ColumnValues "c" in ["a"] with threshold > 0.5 where "x > 1" ]`, "1:58", "where", "right after the condition", "before `with`"),
	e1("where", "where after labels", `Rules = [ IsComplete "a" labels=["k"="v"] where "x > 1" ]`, "1:43", "where", "before `labels`"),
	e1("where", "a tag of the previous rule does not count", `Rules = [ ColumnValues "c" in ["a"] with threshold > 0.5, IsComplete "b" where where "x" ]`, "1:80", "where", "unexpected \"where\""),
	e1("where", "where on a composite", `Rules = [ (IsComplete "a") and (IsComplete "b") where "x > 1" ]`, "1:49", "where", "inside its parentheses"),

	// Thresholds and tags.
	e1("tags", "threshold on Completeness", `Rules = [ Completeness "a" > 0.4 with threshold > 0.4 ]`, "1:34", "with", "threshold", "Completeness"),
	e1("tags", "threshold on RowCount", `Rules = [ RowCount > 0 with threshold > 0.8 ]`, "1:24", "with", "threshold", "RowCount"),
	e1("tags", "two thresholds", `Rules = [ ColumnValues "a" in ["x"] with threshold > 0.5 with threshold > 0.6 ]`, "1:58", "with", "threshold"),
	e1("tags", "tag with greater-than", `Rules = [ ColumnValues "a" in ["x"] with foo > 1 ]`, "1:46", ">", "foo", "="),
	e1("tags", "tag with in", `Rules = [ ColumnValues "a" in ["x"] with foo in ["a"] ]`, "1:46", "in", "foo", "="),
	// Glue keeps tags in a HashMap, so a repeated key silently keeps the last
	// value; dq reports it (deliberately stricter).
	e1("tags", "threshold without condition", `Rules = [ ColumnValues "c" > 0.4 with threshold ]`, "1:49", "]"),
	e1("tags", "bare with", `Rules = [ ColumnValues "c" > 0.4 with ]`, "1:39", "]"),

	// Labels.
	e1("labels", "empty labels", `Rules = [ IsPrimaryKey "z" labels=[] ]`, "1:35", "[", "label"),
	e1("labels", "eleven labels", `Rules = [ IsPrimaryKey "z" labels=`+confLabels(11)+` ]`, "1:35", "[", "11", "10"),
	e1("labels", "rule labels over the limit with defaults", "DefaultLabels = "+confLabels(10)+"\nRules = [ IsComplete \"a\" labels=[\"x\"=\"y\"] ]", "2:33", "[", "11", "10"),
	// Glue (Labels.parseLabels) counts the DefaultLabels plus every label
	// written on the rule, before merging: 9 defaults + 2 rule labels is 11
	// even when one rule label overrides a default.
	e1("labels", "overriding label still counts toward the limit", "DefaultLabels = "+confLabels(9)+"\nRules = [ IsComplete \"a\" labels=[\"k1\"=\"w\",\"x\"=\"y\"] ]", "2:33", "[", "10"),
	e1("labels", "eleven default labels", "DefaultLabels = "+confLabels(11)+"\nRules = [ RowCount > 0 ]", "1:17", "[", "11", "10"),
	e1("labels", "empty DefaultLabels", "DefaultLabels = []\nRules = [ RowCount > 0 ]", "1:17", "[", "label"),
	e1("labels", "key over 128 characters", `Rules = [ IsComplete "a" labels=["`+strings.Repeat("k", 129)+`"="v"] ]`, "1:34", `"kkk`, "129", "128"),
	e1("labels", "value over 256 characters", `Rules = [ IsComplete "a" labels=["k"="`+strings.Repeat("v", 257)+`"] ]`, "1:34", `"k"=`, "257", "256"),
	e1("labels", "empty value", `Rules = [ IsComplete "a" labels=["k"=""] ]`, "1:34", `"k"=""`, "empty"),
	e1("labels", "empty key", `Rules = [ IsComplete "a" labels=[""="v"] ]`, "1:34", `""="v"`, "empty"),
	e1("labels", "duplicate key", `Rules = [ IsComplete "a" labels=["k"="v", "k"="w"] ]`, "1:43", `"k"="w"`, "duplicate", "k"),
	e1("labels", "duplicate default key", `DefaultLabels = ["a"="1","a"="2"] Rules = [ RowCount > 0 ]`, "1:26", `"a"="2"`, "duplicate"),
	e1("labels", "unquoted label", `Rules = [ IsComplete "a" labels=[key=value] ]`, "1:34", "key"),
	e1("labels", "two labels lists", `Rules = [ IsComplete "a" labels=["k"="v"] labels=["k2"="v2"] ]`, "1:43", "labels", "labels"),
	e1("labels", "labels on an analyzer", `Analyzers = [ Completeness "a" labels=["k"="v"] ]`, "1:32", "labels"),
	e1("labels", "trailing comma in labels", `Rules = [ IsComplete "a" labels=["k"="v",] ]`, "1:42", "]"),

	// Variables.
	e1("variables", "name starts with underscore", "_x = \"a\"\nRules = [ CustomSql $_x ]", "1:1", "_x", "_x"),
	e1("variables", "name starts with dot", ".x = \"a\"\nRules = [ RowCount > 0 ]", "1:1", ".x", ".x"),
	e1("variables", "redefined", "v = \"a\"\nv = \"b\"\nRules = [ CustomSql $v ]", "2:1", "v", "defined"),
	e1("variables", "undefined parameter variable", `Rules = [ CustomSql $nope ]`, "1:21", "$", "nope"),
	e1("variables", "undefined list variable", `Rules = [ ColumnValues "c" in $codes ]`, "1:31", "$", "codes"),
	e1("variables", "number value", "limit = 5\nRules = [ RowCount > 0 ]", "1:9", "5"),
	e1("variables", "nested variable", "inner = \"x\"\nouter = \"a $inner\"\nRules = [ CustomSql $outer ]", "2:1", "outer", "outer", "nested"),
	e1("variables", "list variable as a parameter", "codes = [\"a\"]\nRules = [ CustomSql $codes ]", "2:21", "$", "codes"),
	e1("variables", "date list value", "d = [\"2024-01-01\"]\nRules = [ ColumnValues \"c\" in $d ]", "1:6", `"2024-01-01"`, "d"),
	e1("variables", "variable after DefaultLabels", "DefaultLabels = [\"a\"=\"b\"]\nv = \"x\"\nRules = [ RowCount > 0 ]", "2:1", "v"),

	// Dictionaries and sections.
	e1("sections", "empty Metadata", "Metadata = {}\nRules = [ RowCount > 0 ]", "1:12", "{", "empty"),
	e1("sections", "empty DataSources", "DataSources = { }\nRules = [ RowCount > 0 ]", "1:15", "{", "empty"),
	e1("sections", "unknown Metadata key", `Metadata = { "VersionFoo": "1.0" } Rules = [ RowCount > 0 ]`, "1:14", `"VersionFoo"`, "VersionFoo"),
	e1("sections", "unknown DataSources key", `DataSources = { "Primary": "a", "AdditionalSources": ["b"] } Rules = [ RowCount > 0 ]`, "1:33", `"AdditionalSources"`, "AdditionalSources"),
	e1("sections", "DataSources before Metadata", `DataSources = { "Primary": "a" } Metadata = { "Version": "1.0" } Rules = [ RowCount > 0 ]`, "1:34", "Metadata"),
	// The next three pass Glue's parser (a HashMap keeps the last key; a list
	// is flattened to the text "[a]"); dq rejects them (deliberately stricter).
	e1("sections", "Primary given a list", `DataSources = { "Primary": ["a"] } Rules = [ RowCount > 0 ]`, "1:17", `"Primary"`, "Primary"),
	e1("sections", "AdditionalDataSources given a string", `DataSources = { "AdditionalDataSources": "a" } Rules = [ RowCount > 0 ]`, "1:17", `"AdditionalDataSources"`, "AdditionalDataSources"),
	e1("sections", "old Sources section", `Sources = { "Primary": "a" } Rules = [ RowCount > 0 ]`, "1:1", "Sources"),
	e1("sections", "empty Rules", `Rules = []`, "1:1", "Rules", "no rules"),
	e1("sections", "empty Analyzers", `Analyzers = []`, "1:1", "Analyzers", "no rules"),
	e1("sections", "empty Rules and Analyzers", `Rules = [] Analyzers = []`, "1:1", "Rules", "no rules"),
	e1("sections", "empty input", ``, "1:1", ""),
	e1("sections", "misspelt Rules", `Rules11 = [ RowCount > 0 ]`, "1:1", "Rules11"),
	e1("sections", "braces instead of brackets", `Rules = { Completeness "col-A" > 0.5 }`, "1:9", "{"),
	e1("sections", "unclosed Rules", `Rules = [`, "1:10", ""),
	e1("sections", "unclosed Rules after a rule", "Rules = [\n    RowCount > 0\n", "3:1", ""),
	e1("sections", "quoted rule type", `Rules = [ "RowCount" > 0 ]`, "1:11", `"RowCount"`),
	e1("sections", "unbalanced parenthesis", `Rules = [ (RowCount > 0 ]`, "1:25", "]"),

	// Regular expressions with Java-only constructs.
	e1("regex", "lookahead in matches", `Rules = [ ColumnValues "c" matches "(?=a)b" ]`, "1:36", `"(?=a)b"`, "lookahead"),
	e1("regex", "negative lookahead in matches", `Rules = [ ColumnValues "c" matches "(?!x)y" ]`, "1:36", `"(?!x)y"`, "lookahead"),
	e1("regex", "lookbehind in not matches", `Rules = [ ColumnValues "c" not matches "(?<=a)b" ]`, "1:40", `"(?<=a)b"`, "lookbehind"),
	e1("regex", "backreference", `Rules = [ ColumnValues "c" matches "(a)\1" ]`, "1:36", `"(a)\1"`, "backreference"),
	e1("regex", "possessive quantifier", `Rules = [ ColumnValues "c" matches "a*+b" ]`, "1:36", `"a*+b"`, "possessive"),
	e1("regex", "Java character class", `Rules = [ ColumnValues "c" matches "\p{javaLowerCase}+" ]`, "1:36", `"\p{`, "javaLowerCase"),
	// Java's POSIX classes: Go's regexp reads some of the names as Unicode
	// categories with another meaning, DuckDB's RE2 knows none of them.
	e1("regex", "Java POSIX class", `Rules = [ ColumnValues "c" matches "\p{Alpha}+" ]`, "1:36", `"\p{Alpha}+"`, `POSIX class \p{Alpha}`, "[[:alpha:]]"),
	e1("regex", "negated Java POSIX class in brackets", `Rules = [ ColumnValues "c" matches "[\P{Punct}_]+" ]`, "1:36", `"[\P{Punct}`, `\P{Punct}`, "[:^punct:]"),
	e1("regex", "Java POSIX class Go reads as a category", `Rules = [ ColumnValues "c" matches "\p{Digit}+" ]`, "1:36", `"\p{Digit}`, "[[:digit:]]"),
	e1("regex", "class name only Go knows", `Rules = [ ColumnValues "c" matches "\p{Letter}+" ]`, "1:36", `"\p{Letter}`, `\p{Letter}`, `\p{L}`),
	// Java syntax RE2 compiles with another meaning, or DuckDB refuses.
	e1("regex", "Java class union", `Rules = [ ColumnValues "c" matches "[a-d[m-p]]+" ]`, "1:36", `"[a-d[m-p]]+"`, "class inside a class", "literal '['", "[a-dm-p]"),
	e1("regex", "Java class intersection", `Rules = [ ColumnValues "c" matches "[A-Z&&[^X]]+" ]`, "1:36", `"[A-Z&&[^X]]+"`, "'&&'", "intersection"),
	e1("regex", "Java named group", `Rules = [ ColumnValues "c" matches "(?<st>[A-Z]{2})" ]`, "1:36", `"(?<st>`, "named group", "(?P<name>...)"),
	e1("regex", "possessive after a property class", `Rules = [ ColumnValues "c" matches "\p{L}++" ]`, "1:36", `"\p{L}++"`, "possessive quantifier ++"),
	e1("regex", "lookahead in ColumnNamesMatchPattern", `Rules = [ ColumnNamesMatchPattern "(?!tmp_).*" ]`, "1:35", `"(?!tmp_)`, "lookahead"),

	e1("regex", "unbalanced bracket", `Rules = [ ColumnValues "c" matches "[a-z" ]`, "1:36", `"[a-z"`, "[a-z"),
	e1("regex", "unbalanced parenthesis in ColumnNamesMatchPattern", `Rules = [ ColumnNamesMatchPattern "(" ]`, "1:35", `"("`),

	// Dates, times and time zones.
	e1("dates", "unknown time zone", `Rules = [ FileFreshness > "9:30 AM" with timeZone = "Mars/Olympus" ]`, "1:53", `"Mars/Olympus"`, "Mars/Olympus"),
	e1("dates", "impossible date", `Rules = [ ColumnValues "d" > "2024-02-30" ]`, "1:30", `"2024-02-30"`, "2024-02-30"),
	e1("dates", "impossible military time", `Rules = [ ColumnValues "d" > "25:61" ]`, "1:30", `"25:61"`, "25:61"),
	e1("dates", "impossible 12-hour time", `Rules = [ ColumnValues "d" > "13:30 PM" ]`, "1:30", `"13:30 PM"`, "13:30 PM"),

	// Lexical problems.
	e1("lexical", "exponent", `Rules = [ RowCount > 1e5 ]`, "1:22", "1e5", "1e5"),
	e1("lexical", "unit without space", `Rules = [ FileSize > 10KB ]`, "1:22", "10KB", "10KB"),
	e1("lexical", "duration unit without space", `Rules = [ DataFreshness "c" < 3days ]`, "1:31", "3days", "3days"),
	e1("lexical", "decimal without integer part", `Rules = [ Completeness "a" > .5 ]`, "1:30", ".5", ".5"),
	e1("lexical", "a // comment, as in Glue's labels example", "Rules = [\n  // high coverage\n  IsComplete \"a\"\n]", "2:3", "/", "comments start with #"),
	// Typos users make, each with a hint that says what to write.
	e1("lexical", "Rules with a colon", `Rules: [ RowCount > 0 ]`, "1:6", ":", "write Rules = [ ... ]"),
	e1("lexical", "semicolon between rules", `Rules = [ IsComplete "a"; IsUnique "b" ]`, "1:25", ";", "separate rules with commas"),
	e1("lexical", "percent", `Rules = [ Completeness "a" >= 95% ]`, "1:33", "%", "0.95"),
	e1("lexical", "list in parentheses", `Rules = [ ColumnValues "a" in ("x","y") ]`, "1:31", "(", "square brackets"),
	e1("lexical", "upper-case IN", `Rules = [ ColumnValues "a" IN ["x"] ]`, "1:31", "[", "lower case, not IN"),
	e1("lexical", "upper-case BETWEEN", `Rules = [ RowCount BETWEEN 1 AND 5 ]`, "1:28", "1", "lower case, not BETWEEN"),
	e1("lexical", "not_in", `Rules = [ ColumnValues "a" not_in ["x"] ]`, "1:35", "[", "not in (two words)"),
	e1("lexical", "SQL not-equal", `Rules = [ ColumnValues "a" <> "x" ]`, "1:29", ">", "write != for not-equal"),
	e1("lexical", "singular unit", `Rules = [ DataFreshness "a" <= 1 day ]`, "1:34", "day", "write 1 days"),
	e1("lexical", "thousands separator", `Rules = [ RowCount > 1,000 ]`, "1:24", "000", "without thousands separators"),
	e1("lexical", "date offset without parentheses", `Rules = [ ColumnValues "d" > now() - 3 days ]`, "1:36", "-", "(now() - 3 days)"),
	e1("lexical", "trailing comma in Rules", `Rules = [ RowCount > 0, ]`, "1:25", "]"),
	e1("lexical", "trailing comma in a list", `Rules = [ ColumnValues "c" in ["a",] ]`, "1:36", "]"),
	e1("lexical", "bare boolean as a value", `Rules = [ ColumnValues "active" = true, RowCount > 0 ]`, "1:35", "true", "unexpected word", `"true"`, "quote"),
	e1("lexical", "bare word at the end", `Rules = [ ColumnValues "c" != foo ]`, "1:31", "foo", "unexpected word", `"foo"`),
	e1("lexical", "bare words in an in list", `Rules = [ ColumnValues "c" in ["red", blue] ]`, "1:39", "blue", "unexpected word", `"blue"`),
	e1("lexical", "bare word in between", `Rules = [ ColumnValues "d" between "2024-01-01" and today ]`, "1:53", "today", "unexpected word", "now()"),
	e1("lexical", "trailing comma in Analyzers", `Analyzers = [ RowCount, ]`, "1:25", "]"),
	e1("lexical", "unquoted keyword-like parameter", `Rules = [ Completeness B > 0.5 ]`, "1:24", "B", "B", "quote"),
	e1("lexical", "unquoted keyword-like parameter days", `Rules = [ IsComplete days ]`, "1:22", "days", "days", "quote"),
	e1("lexical", "digit-only parameter", `Rules = [ IsComplete 123 ]`, "1:22", "123", "123"),
	e1("lexical", "single-quoted string", `Rules = [ IsComplete 'a' ]`, "1:22", "'"),
	e1("lexical", "unterminated string", `Rules = [ IsComplete "a ]`, "1:22", `"a`),
	e1("lexical", "non-ASCII bare identifier", `Rules = [ IsComplete café ]`, "1:25", "é", "é"),
	e1("lexical", "where twice", `Rules = [ IsComplete "a" where "x" where "y" ]`, "1:36", "where"),
	e1("lexical", "slash comment", "// comment\nRules = [ RowCount > 0 ]", "1:1", "/"),
	e1("lexical", "error on a later line", "Rules = [\n    IsComplete \"a\",\n    RowCount >> 5\n]", "3:15", ">"),
	e1("lexical", "column counts runes", "Rules = [\n  IsComplete \"é\", Frobnicate ]", "2:19", "Frobnicate", "Frobnicate"),

	// Several problems in one input: all are reported.
	{area: "multiple", name: "three rules with three problems", in: "Rules = [\n    Completenes \"a\" > 0.5,\n    IsComplete \"b\" > 0.5,\n    ColumnCount > 0 where \"x > 1\"\n]", want: []confDiag{
		{"2:5", "Completenes", []string{"Completenes"}},
		{"3:20", ">", []string{"IsComplete", "condition"}},
		{"4:21", "where", []string{"where", "ColumnCount"}},
	}},
	{area: "multiple", name: "variable, reference and labels", in: "_v = \"x\"\nRules = [\n    CustomSql $missing,\n    IsComplete \"a\" labels=[]\n]", want: []confDiag{
		{"1:1", "_v", []string{"_v"}},
		{"3:15", "$", []string{"missing"}},
		{"4:27", "[", []string{"label"}},
	}},
	{area: "multiple", name: "both children of a composite", in: `Rules = [ (IsComplete "a" > 1) and (Completeness "b") ]`, want: []confDiag{
		{"1:27", ">", []string{"IsComplete", "condition"}},
		{"1:37", "Completeness", []string{"Completeness", "condition"}},
	}},
	{area: "multiple", name: "rules and analyzers", in: `Rules = [ AllStatistics "a" ] Analyzers = [ IsUnique "b" ]`, want: []confDiag{
		{"1:11", "AllStatistics", []string{"AllStatistics"}},
		{"1:45", "IsUnique", []string{"IsUnique"}},
	}},
}

// confOffsetOf converts a 1-based line and rune column to a byte offset in
// src; a leading byte-order mark takes no column.
func confOffsetOf(src string, line, col int) (int, bool) {
	if line < 1 || col < 1 {
		return 0, false
	}
	off := 0
	if strings.HasPrefix(src, "\uFEFF") {
		off = len("\uFEFF")
	}
	for l := 1; l < line; l++ {
		i := strings.IndexByte(src[off:], '\n')
		if i < 0 {
			return 0, false
		}
		off += i + 1
	}
	for c := 1; c < col; c++ {
		if off >= len(src) || src[off] == '\n' {
			return 0, false
		}
		_, w := utf8.DecodeRuneInString(src[off:])
		off += w
	}
	return off, true
}

func confParsePos(s string) (line, col int) {
	fmt.Sscanf(s, "%d:%d", &line, &col)
	return
}

// TestErrorCaseAnchors checks the corpus itself: each expected position
// points at its anchor text.
func TestErrorCaseAnchors(t *testing.T) {
	for _, c := range confErrorCases {
		for _, d := range c.want {
			line, col := confParsePos(d.at)
			off, ok := confOffsetOf(c.in, line, col)
			if !ok {
				if !(d.anchor == "" && line >= 1) {
					t.Errorf("%s/%s: position %s is outside the input", c.area, c.name, d.at)
				}
				continue
			}
			if !strings.HasPrefix(c.in[off:], d.anchor) {
				t.Errorf("%s/%s: text at %s is %q, anchor %q", c.area, c.name, d.at, confSnippet(c.in[off:]), d.anchor)
			}
			if d.anchor == "" && off != len(c.in) {
				t.Errorf("%s/%s: empty anchor but %s is not the end of input", c.area, c.name, d.at)
			}
		}
	}
}

func confSnippet(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}

// TestErrors checks that every invalid case fails, with each expected
// diagnostic at its exact position, every diagnostic well-formed, and no
// extra errors.
func TestErrors(t *testing.T) {
	for _, c := range confErrorCases {
		t.Run(c.area+"/"+c.name, func(t *testing.T) {
			rs, err := dqdl.Parse("errors.dqdl", c.in)
			if err == nil {
				t.Fatalf("Parse succeeded, want an error\ninput:\n%s\ncanonical:\n%s", c.in, rs.String())
			}
			if rs != nil {
				t.Errorf("Parse returned a ruleset together with an error")
			}
			list, ok := err.(dqdl.ErrorList)
			if !ok {
				t.Fatalf("error is %T, want dqdl.ErrorList: %v", err, err)
			}
			var errs []*dqdl.Diagnostic
			for _, d := range list {
				if d.Severity == dqdl.SeverityError {
					errs = append(errs, d)
				}
			}
			confCheckDiagnostics(t, c.in, "errors.dqdl", list)
			for _, w := range c.want {
				if !confHasDiag(errs, w) {
					t.Errorf("missing error at %s containing %q\ninput:\n%s\ngot:\n%v", w.at, w.msgs, c.in, list)
				}
			}
			if len(errs) != len(c.want) {
				t.Errorf("got %d errors, want %d\ninput:\n%s\ngot:\n%v", len(errs), len(c.want), c.in, list)
			}
		})
	}
}

func confHasDiag(list []*dqdl.Diagnostic, w confDiag) bool {
	for _, d := range list {
		if fmt.Sprintf("%d:%d", d.Pos.Line, d.Pos.Column) != w.at {
			continue
		}
		msg := strings.ToLower(d.Msg)
		all := true
		for _, m := range w.msgs {
			if !strings.Contains(msg, strings.ToLower(m)) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// confCheckDiagnostics checks properties every diagnostic list must have:
// a non-empty message, the file name, a position inside the input whose
// offset agrees with its line and column, and source order.
func confCheckDiagnostics(t *testing.T, src, name string, list dqdl.ErrorList) {
	t.Helper()
	if len(list) == 0 {
		t.Errorf("empty ErrorList")
	}
	for i, d := range list {
		if d == nil {
			t.Errorf("diagnostic %d is nil", i)
			continue
		}
		if strings.TrimSpace(d.Msg) == "" {
			t.Errorf("diagnostic %d at %v has an empty message", i, d.Pos)
		}
		if d.Pos.Filename != name {
			t.Errorf("diagnostic %d filename %q, want %q", i, d.Pos.Filename, name)
		}
		if d.Pos.Offset < 0 || d.Pos.Offset > len(src) {
			t.Errorf("diagnostic %d offset %d outside the input (len %d)", i, d.Pos.Offset, len(src))
			continue
		}
		if off, ok := confOffsetOf(src, d.Pos.Line, d.Pos.Column); !ok || off != d.Pos.Offset {
			t.Errorf("diagnostic %d at %d:%d has offset %d, want %d (%s)", i, d.Pos.Line, d.Pos.Column, d.Pos.Offset, off, d.Msg)
		}
		if !strings.Contains(d.Error(), fmt.Sprintf("%s:%d:%d", name, d.Pos.Line, d.Pos.Column)) {
			t.Errorf("diagnostic %d Error() = %q lacks file:line:col", i, d.Error())
		}
	}
	if !sort.SliceIsSorted(list, func(i, j int) bool { return list[i].Pos.Offset < list[j].Pos.Offset }) {
		t.Errorf("diagnostics are not in source order: %v", list)
	}
}

package athena

import (
	"math"
	"strings"

	"github.com/dqlabs/dq/engine/sqlexpr"
)

// Trino is the dialect of Athena engine version 3 (Trino). Where Trino
// and DuckDB differ for what dq computes, the entries below say how the
// rendering keeps DuckDB's meaning; approx_* aggregates are never used.
func Trino() *sqlexpr.Dialect { return trino }

var trino = &sqlexpr.Dialect{
	Name: "trino",
	// Trino folds unquoted identifiers to lower case; quoted ones keep
	// their case, and Glue column names are lower case already.
	Ident: func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` },
	// Trino's string literals have no backslash escapes: only '' needs
	// doubling, and any Unicode text is written as is.
	String: quote,
	Special: func(f float64) (string, bool) {
		switch {
		case math.IsNaN(f):
			return "nan()", true
		case math.IsInf(f, 1):
			return "infinity()", true
		case math.IsInf(f, -1):
			return "(-infinity())", true
		}
		return "", false
	},
	Types: map[sqlexpr.Type]string{sqlexpr.Double: "DOUBLE", sqlexpr.BigInt: "BIGINT", sqlexpr.Varchar: "VARCHAR",
		sqlexpr.Boolean: "BOOLEAN", sqlexpr.Date: "DATE", sqlexpr.Timestamp: "TIMESTAMP"},
	TryCast: func(x, to string) string { return "try_cast(" + x + " AS " + to + ")" },
	Funcs: map[sqlexpr.Func]func([]string) string{
		sqlexpr.Count: call("count"), sqlexpr.Sum: call("sum"), sqlexpr.Avg: call("avg"),
		sqlexpr.Min: call("min"), sqlexpr.Max: call("max"),
		// Exact population moments; Trino has no approximate variants
		// under these names.
		sqlexpr.StddevPop: call("stddev_pop"), sqlexpr.VarPop: call("var_pop"), sqlexpr.Corr: call("corr"),
		// Trino's length counts code points, as DuckDB's does.
		sqlexpr.Length: call("length"), sqlexpr.Lower: call("lower"), sqlexpr.Upper: call("upper"),
		// Trino's one-argument trim removes all whitespace; dq's Trim
		// removes spaces only, as DuckDB's trim does.
		sqlexpr.Trim:     func(a []string) string { return "trim(BOTH ' ' FROM " + a[0] + ")" },
		sqlexpr.Coalesce: call("coalesce"),
		sqlexpr.Greatest: greatest,
		sqlexpr.Ln:       call("ln"),
		sqlexpr.IsNaN:    call("is_nan"), sqlexpr.IsInf: call("is_infinite"), sqlexpr.IsFinite: call("is_finite"),
		sqlexpr.RegexpFullMatch: regexpFullMatch,
	},
	Check: check,
	Raw:   func(s string) (string, error) { return sqlexpr.SparkIdentifiers(s, `"`), nil },
}

// call renders name(args...).
func call(name string) func([]string) string {
	return func(args []string) string { return name + "(" + strings.Join(args, ", ") + ")" }
}

// greatest skips NULL arguments, as DuckDB's greatest does: Trino's
// returns NULL when any argument is NULL. Each argument is replaced, when
// NULL, by the first non-NULL one, which cannot change the maximum.
func greatest(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	all := strings.Join(args, ", ")
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = "coalesce(" + a + ", " + all + ")"
	}
	return "greatest(" + strings.Join(out, ", ") + ")"
}

// regexpFullMatch anchors the pattern so that regexp_like (a search)
// means a full match, after javaRegex has rewritten it into Java syntax
// with RE2's meaning. check has already refused patterns it cannot
// rewrite, and non-literal patterns.
func regexpFullMatch(args []string) string {
	lit, _ := unquote(args[1])
	p, _ := javaRegex(lit)
	return "regexp_like(" + args[0] + ", " + quote(`\A(?:`+p+`)\z`) + ")"
}

// check refuses regular expressions whose meaning differs in Trino.
func check(fn sqlexpr.Func, args []sqlexpr.Node) string {
	if fn != sqlexpr.RegexpFullMatch || len(args) != 2 {
		return ""
	}
	s, ok := args[1].(sqlexpr.Str)
	if !ok {
		return "a regular expression that is not a literal"
	}
	if _, err := javaRegex(s.V); err != nil {
		return err.Error()
	}
	return ""
}

// quote renders a string literal.
func quote(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

// unquote reverses quote.
func unquote(lit string) (string, bool) {
	if len(lit) < 2 || lit[0] != '\'' || lit[len(lit)-1] != '\'' {
		return "", false
	}
	return strings.ReplaceAll(lit[1:len(lit)-1], "''", "'"), true
}

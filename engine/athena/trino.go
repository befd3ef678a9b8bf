package athena

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dqlabs/dq/engine/sqlexpr"
)

// Trino is the dialect of Athena engine version 3 (Trino), without
// knowledge of column types. Where Trino and DuckDB differ for what dq
// computes, the entries below say how the rendering keeps DuckDB's
// meaning; approx_* aggregates are never used. The Backend's dialect is
// typedTrino's, which also knows the table's column types.
func Trino() *sqlexpr.Dialect { return trino }

// Funcs only the Trino table knows, produced by prepare.
const (
	fRegexpLike sqlexpr.Func = "trino.regexp_like" // (value, Java pattern): a search
)

// fCmp is the plain comparison op, which prepare produces after it has
// dealt with NaN, so that it is not rewritten again.
func fCmp(op sqlexpr.Op) sqlexpr.Func { return sqlexpr.Func("trino.cmp" + string(op)) }

var trino = typedTrino(nil)

// typedTrino is the Trino dialect for a table whose column types (DuckDB
// spellings) typeOf tells; nil knows none.
func typedTrino(typeOf func(col string) (string, bool)) *sqlexpr.Dialect {
	d := &sqlexpr.Dialect{
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
			sqlexpr.Boolean: "BOOLEAN", sqlexpr.Date: "DATE", sqlexpr.Timestamp: "TIMESTAMP",
			// Literals are rewritten to the '... UTC' form by prepare.
			sqlexpr.TimestampTZ: "TIMESTAMP(6) WITH TIME ZONE"},
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
			// regexp_full_match becomes fRegexpLike in prepare.
			fRegexpLike: call("regexp_like"),
			// x AT TIME ZONE 'UTC' is the same instant shown in UTC; the
			// cast to a zoneless TIMESTAMP keeps that wall-clock time, at
			// DuckDB's microsecond precision (plain TIMESTAMP is
			// milliseconds in Trino, and a cast to it rounds).
			sqlexpr.UTCTimestamp: func(a []string) string { return "CAST(" + a[0] + " AT TIME ZONE 'UTC' AS TIMESTAMP(6))" },
			sqlexpr.SparkTrim:    func(a []string) string { return "trim(" + a[0] + ", ' \t\n\r')" },
			// Trino's lower() maps code point by code point (Java's
			// Character.toLowerCase), and no other code point lowers to
			// one of these ASCII letters.
			sqlexpr.SparkBooleanText: func(a []string) string {
				return "(lower(" + a[0] + ") IN ('t', 'true', 'y', 'yes', '1', 'f', 'false', 'n', 'no', '0'))"
			},
			sqlexpr.IntegerText: integerText,
			sqlexpr.SparkDate:   sparkDate,
			sqlexpr.HoursSince:  hoursSince,
		},
		Raw: func(s string) (string, error) { return sqlexpr.SparkIdentifiers(s, `"`), nil },
	}
	for _, op := range []sqlexpr.Op{sqlexpr.Eq, sqlexpr.Ne, sqlexpr.Lt, sqlexpr.Le, sqlexpr.Gt, sqlexpr.Ge} {
		op := op
		d.Funcs[fCmp(op)] = func(a []string) string { return "(" + a[0] + " " + string(op) + " " + a[1] + ")" }
	}
	d.Prepare = func(n sqlexpr.Node) (sqlexpr.Node, error) { return prepare(d, typeOf, n) }
	return d
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

// prepare rewrites the nodes whose Trino spelling depends on more than
// the function table sees:
//
//   - regexp_full_match: the RE2 pattern rewritten into Java syntax with
//     the same meaning (javaRegex) and anchored with \A(?:…)\z, since
//     regexp_like searches; patterns with no exact rewrite are refused.
//   - comparisons of a DOUBLE or REAL operand: Trino's comparisons with
//     NaN are false, while DuckDB (and Spark, hence Glue) order NaN above
//     every number and equal to itself. When either side is NaN (and
//     neither is NULL) the comparison is made on the NaN-ness ranks
//     instead, which is DuckDB's order.
//   - the text of a DOUBLE, REAL or TIMESTAMP column (a cast to VARCHAR):
//     Trino writes 1.0E10 and 2024-01-01 00:00:00.000 where DuckDB writes
//     10000000000.0 and 2024-01-01 00:00:00; no rewrite is exact, so it is
//     refused.
func prepare(d *sqlexpr.Dialect, typeOf func(string) (string, bool), n sqlexpr.Node) (sqlexpr.Node, error) {
	switch n := n.(type) {
	case sqlexpr.Call:
		if n.Fn == sqlexpr.HoursSince && len(n.Args) == 2 {
			if c, ok := n.Args[1].(sqlexpr.Col); ok && typeOf != nil {
				if t, ok := typeOf(c.Name); ok && strings.HasPrefix(strings.ToUpper(t), "TIMESTAMP WITH") {
					return sqlexpr.Call{Fn: n.Fn, Args: []sqlexpr.Node{n.Args[0], sqlexpr.Call{Fn: sqlexpr.UTCTimestamp, Args: []sqlexpr.Node{c}}}}, nil
				}
			}
		}
		if n.Fn == sqlexpr.DuckDBCastSucceeds {
			if m, ok := sqlexpr.CastSucceeds(n, typeOf); ok {
				return m, nil
			}
		}
		if n.Fn != sqlexpr.RegexpFullMatch {
			return n, nil
		}
		if len(n.Args) != 2 {
			return nil, &sqlexpr.Unsupported{Dialect: d.Name, What: "function " + string(n.Fn)}
		}
		pat, ok := n.Args[1].(sqlexpr.Str)
		if !ok {
			return nil, &sqlexpr.Unsupported{Dialect: d.Name, What: "a regular expression that is not a literal"}
		}
		p, err := javaRegex(pat.V)
		if err != nil {
			return nil, &sqlexpr.Unsupported{Dialect: d.Name, What: err.Error()}
		}
		return sqlexpr.Call{Fn: fRegexpLike, Args: []sqlexpr.Node{n.Args[0], sqlexpr.Str{V: `\A(?:` + p + `)\z`}}}, nil
	case sqlexpr.Binary:
		switch n.Op {
		case sqlexpr.Eq, sqlexpr.Ne, sqlexpr.Lt, sqlexpr.Le, sqlexpr.Gt, sqlexpr.Ge:
		default:
			return n, nil
		}
		if !floating(typeOf, n.L) && !floating(typeOf, n.R) {
			return n, nil
		}
		return nanAware(n), nil
	case sqlexpr.Cast:
		if lit, ok := n.X.(sqlexpr.Str); ok && n.To == sqlexpr.TimestampTZ {
			// The planner writes instants '2006-01-02 15:04:05+00'; Trino's
			// documented form names the zone after a space.
			t, err := time.Parse("2006-01-02 15:04:05-07", lit.V)
			if err != nil {
				return nil, &sqlexpr.Unsupported{Dialect: d.Name, What: fmt.Sprintf("the instant %q", lit.V)}
			}
			return sqlexpr.Cast{X: sqlexpr.Str{V: t.UTC().Format("2006-01-02 15:04:05.000000") + " UTC"}, To: n.To}, nil
		}
		if n.To != sqlexpr.Varchar {
			return n, nil
		}
		if c, ok := n.X.(sqlexpr.Col); ok && typeOf != nil {
			if t, ok := typeOf(c.Name); ok && (t == "DOUBLE" || t == "FLOAT" || strings.HasPrefix(t, "TIMESTAMP")) {
				return nil, &sqlexpr.Unsupported{Dialect: d.Name, What: fmt.Sprintf("the text of %s column %q (Trino spells numbers and timestamps differently from DuckDB)", t, c.Name)}
			}
		}
	}
	return n, nil
}

// nanAware is n (a comparison) in DuckDB's order of NaN: above every
// number, equal to itself. A side that is a number literal is folded: x >=
// 0 becomes CASE WHEN is_nan(x) THEN TRUE ELSE (x >= 0) END.
func nanAware(n sqlexpr.Binary) sqlexpr.Node {
	isNaN := func(x sqlexpr.Node) sqlexpr.Node { return sqlexpr.Call{Fn: sqlexpr.IsNaN, Args: []sqlexpr.Node{x}} }
	plain := sqlexpr.Call{Fn: fCmp(n.Op), Args: []sqlexpr.Node{n.L, n.R}}
	lk, lr := literalRank(n.L)
	rk, rr := literalRank(n.R)
	switch {
	case lk && rk:
		if lr == 0 && rr == 0 {
			return plain
		}
		return sqlexpr.Bool{V: cmpRanks(n.Op, lr, rr)}
	case rk && rr == 0:
		return sqlexpr.Case{Whens: []sqlexpr.When{{Cond: isNaN(n.L), Then: sqlexpr.Bool{V: cmpRanks(n.Op, 1, 0)}}}, Else: plain}
	case lk && lr == 0:
		return sqlexpr.Case{Whens: []sqlexpr.When{{Cond: isNaN(n.R), Then: sqlexpr.Bool{V: cmpRanks(n.Op, 0, 1)}}}, Else: plain}
	case rk: // x op NaN
		return sqlexpr.Case{Whens: []sqlexpr.When{{Cond: isNaN(n.L), Then: sqlexpr.Bool{V: cmpRanks(n.Op, 1, 1)}},
			{Cond: sqlexpr.IsNull{X: n.L, Negate: true}, Then: sqlexpr.Bool{V: cmpRanks(n.Op, 0, 1)}}}}
	case lk: // NaN op x
		return sqlexpr.Case{Whens: []sqlexpr.When{{Cond: isNaN(n.R), Then: sqlexpr.Bool{V: cmpRanks(n.Op, 1, 1)}},
			{Cond: sqlexpr.IsNull{X: n.R, Negate: true}, Then: sqlexpr.Bool{V: cmpRanks(n.Op, 1, 0)}}}}
	}
	rank := func(x sqlexpr.Node) sqlexpr.Node {
		return sqlexpr.Case{Whens: []sqlexpr.When{{Cond: isNaN(x), Then: sqlexpr.Num{V: 1}}}, Else: sqlexpr.Num{V: 0}}
	}
	eitherNaN := sqlexpr.AndAll(sqlexpr.Binary{Op: sqlexpr.Or, L: isNaN(n.L), R: isNaN(n.R)},
		sqlexpr.IsNull{X: n.L, Negate: true}, sqlexpr.IsNull{X: n.R, Negate: true})
	return sqlexpr.Case{Whens: []sqlexpr.When{{Cond: eitherNaN, Then: sqlexpr.Call{Fn: fCmp(n.Op), Args: []sqlexpr.Node{rank(n.L), rank(n.R)}}}},
		Else: plain}
}

// literalRank is, for a number literal, 1 when it is NaN and 0 otherwise.
func literalRank(n sqlexpr.Node) (known bool, rank int) {
	if x, ok := n.(sqlexpr.Num); ok {
		if math.IsNaN(x.V) {
			return true, 1
		}
		return true, 0
	}
	return false, 0
}

// cmpRanks compares two NaN-ness ranks with op.
func cmpRanks(op sqlexpr.Op, a, b int) bool {
	switch op {
	case sqlexpr.Eq:
		return a == b
	case sqlexpr.Ne:
		return a != b
	case sqlexpr.Lt:
		return a < b
	case sqlexpr.Le:
		return a <= b
	case sqlexpr.Gt:
		return a > b
	}
	return a >= b
}

// floating reports an operand that is a DOUBLE or REAL value: a column of
// that type, or a cast to DOUBLE.
func floating(typeOf func(string) (string, bool), n sqlexpr.Node) bool {
	switch n := n.(type) {
	case sqlexpr.Cast:
		return n.To == sqlexpr.Double
	case sqlexpr.Col:
		if typeOf == nil {
			return false
		}
		t, ok := typeOf(n.Name)
		return ok && (t == "DOUBLE" || t == "FLOAT")
	case sqlexpr.Num:
		return math.IsNaN(n.V)
	}
	return false
}

// quote renders a string literal.
func quote(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

// integerText is IntegerText with string logic only: after the pattern,
// the digits without sign and leading zeros fit when they are fewer than
// the limit's or, as many, not above it (VARCHAR comparison in Trino is
// by code point, so equal-length digit strings compare as numbers).
func integerText(a []string) string {
	limit, neg := "2147483647", "2147483648"
	if a[1] == "64" {
		limit, neg = "9223372036854775807", "9223372036854775808"
	}
	x := a[0]
	u := "regexp_replace(" + x + ", '^[+-]?0*', '')"
	n := strconv.Itoa(len(limit))
	return "(CASE WHEN regexp_like(" + x + `, '\A[+-]?[0-9]+\z') THEN length(` + u + ") < " + n + " OR (length(" + u + ") = " + n +
		" AND " + u + " <= CASE WHEN substr(" + x + ", 1, 1) = '-' THEN '" + neg + "' ELSE '" + limit + "' END) ELSE FALSE END)"
}

// sparkDateJava is SparkDatePattern anchored, in Java syntax: [0-9] is
// ASCII, RE2's '.' is [^\n] (Java's '.' also stops at \r and U+2028).
const sparkDateJava = `\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z`

// sparkDate is SparkDate: the matched parts as integers, the calendar
// checked by arithmetic (as in the PostgreSQL dialect), and the date
// built from its day number — days_from_civil (H. Hinnant) on the year
// shifted by 400 (146097 days) so that every division is of non-negative
// numbers, where Trino's truncating division is a floor — rather than
// parsed from text, which Trino spells differently beyond year 9999.
func sparkDate(a []string) string {
	g := func(i int, def string) string {
		part := "regexp_extract(" + a[0] + ", '" + sparkDateJava + "', " + strconv.Itoa(i) + ")"
		if def != "" {
			part = "coalesce(nullif(" + part + ", ''), '" + def + "')"
		}
		return "CAST(" + part + " AS BIGINT)"
	}
	y, m, d := g(1, ""), g(2, "1"), g(3, "1")
	valid := sqlexpr.ValidDateSQL(y, m, d)
	yy := "(" + y + " - CASE WHEN " + m + " <= 2 THEN 1 ELSE 0 END + 400)"
	era := "(" + yy + " / 400)"
	yoe := "(" + yy + " - " + era + " * 400)"
	doy := "((153 * ((" + m + " + 9) % 12) + 2) / 5 + " + d + " - 1)"
	doe := "(" + yoe + " * 365 + " + yoe + " / 4 - " + yoe + " / 100 + " + doy + ")"
	epochDay := "(" + era + " * 146097 + " + doe + " - 719468 - 146097)"
	return "(CASE WHEN regexp_like(" + a[0] + ", '" + sparkDateJava + "') THEN CASE WHEN " + valid +
		" THEN date_add('day', " + epochDay + ", DATE '1970-01-01') END END)"
}

// epochMicros is the microseconds since 1970-01-01 00:00 UTC of a
// TIMESTAMP (read as UTC) or TIMESTAMP WITH TIME ZONE, exactly: whole
// seconds by date_diff of the value truncated to the second (a floor,
// also before 1970), plus the six fraction digits of its text at
// microsecond precision (Trino's date_diff stops at milliseconds and
// to_unixtime is a DOUBLE). The text has fixed positions for years 0 to
// 9999 only; other years fail the statement (fail()), and the rule
// ERRORs, rather than compute something else.
func epochMicros(x string) string {
	text := "CAST(CAST(" + x + " AS TIMESTAMP(6)) AS VARCHAR)"
	secs := "date_diff('second', TIMESTAMP '1970-01-01 00:00:00', date_trunc('second', " + x + "))"
	frac := "CAST(substr(" + text + ", 21, 6) AS BIGINT)"
	return "CASE WHEN year(" + x + ") BETWEEN 0 AND 9999 THEN " + secs + " * 1000000 + " + frac +
		" ELSE CAST(fail('DataFreshness: a timestamp outside the years 0 to 9999') AS BIGINT) END"
}

// hoursSince is HoursSince with DuckDB's arithmetic: exact microseconds
// (epochMicros), IEEE doubles, and C's round() (half away from zero)
// spelt with truncate, since Trino's round(double) rounds halves up.
// The timestamp is a TIMESTAMP read as UTC: prepare turns a TIMESTAMP WITH
// TIME ZONE column into its UTC wall-clock time first.
func hoursSince(a []string) string {
	us := epochMicros(a[1])
	v := "(CAST(" + a[0] + " - (" + us + ") AS DOUBLE) / CAST(3600000000 AS DOUBLE) * CAST(100 AS DOUBLE))"
	return "((CASE WHEN abs(" + v + " - truncate(" + v + ")) >= 0.5 THEN truncate(" + v + ") + sign(" + v + ") ELSE truncate(" + v + ") END) / CAST(100 AS DOUBLE))"
}

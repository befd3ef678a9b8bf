package postgres

import (
	"fmt"
	"math"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode"

	"github.com/dqlabs/dq/engine/sqlexpr"
)

// Dialect is PostgreSQL's (tested against PostgreSQL 15). Every entry
// renders what DuckDB computes for the same node, or the node is
// unsupported; the differences this table works around:
//
//   - `/` on two integers divides as integers and x/0 is an error in
//     PostgreSQL; dq's nodes mean DuckDB's `/`: DOUBLE division with IEEE
//     results for a zero divisor (±Infinity, NaN).
//   - stddev_pop, var_pop and corr fail in DuckDB when a standard
//     deviation is not finite (NaN or infinite input) and corr is NaN for
//     a constant input; PostgreSQL returns NaN and NULL. The renderings
//     fail and return NaN the same way.
//   - Regular expressions: DuckDB uses RE2, PostgreSQL its own ARE flavour.
//     A pattern is parsed as RE2 and re-emitted as an ARE in a subset where
//     both mean the same thing (explicit code-point classes, \A…\Z
//     anchors, bounded repeats ≤ 255); anything else (word boundaries,
//     multi-line mode, larger repeats) is unsupported.
//   - TRY_CAST has no PostgreSQL form before pg_input_is_valid (16), so it
//     is unsupported, except where DuckDB's parser is written out as a
//     pattern and arithmetic (parsetext.go: timestamps and numbers in
//     text, decimals narrowed); so are lower/upper: a "C" collation maps ASCII
//     only, and ICU's (COLLATE "und-x-icu") maps ß to SS, İ to i̇ and ﬁ
//     to FI where DuckDB keeps one character (tested).
//   - NaN and ±Infinity are 'NaN'::float8 and '±Infinity'::float8;
//     isnan/isinf/isfinite are comparisons with them (PostgreSQL's NaN
//     equals itself, as in DuckDB).
//
// String literals assume standard_conforming_strings=on, which the
// backend sets on its connections (the default since PostgreSQL 9.1).
func Dialect() *sqlexpr.Dialect { return pgDialect }

// RedshiftDialect is Amazon Redshift's: PostgreSQL 8.0's wire protocol
// and much of its SQL, with these differences from Dialect: no regular
// expression translation is offered (Redshift's POSIX operator is not
// documented to accept AREs' \A, \Z and \u escapes), string literals
// double backslashes too (Redshift reads them as escapes), and TEXT is
// VARCHAR(65535); the float division and special values are spelled the
// same.
// NOT verified against a real Redshift cluster: the spellings follow
// Redshift's SQL reference.
func RedshiftDialect() *sqlexpr.Dialect { return rsDialect }

// Funcs only these tables know, produced by prepare.
const (
	fdiv  sqlexpr.Func = "postgres.float_div"   // DuckDB's `/`
	fregx sqlexpr.Func = "postgres.are_matches" // (value, ARE pattern)
	// fdoubletext is DuckDBCastSucceeds(x, 'DOUBLE' or 'FLOAT') of text.
	fdoubletext sqlexpr.Func = "postgres.double_text"
	// fdecimalfits is DuckDBCastSucceeds(x, 'DECIMAL(p,s)') of a DECIMAL x.
	fdecimalfits sqlexpr.Func = "postgres.decimal_fits"
)

var pgDialect = newDialect("postgresql", "TEXT", true)
var rsDialect = newDialect("redshift", "VARCHAR(65535)", false)

func newDialect(name, text string, regex bool) *sqlexpr.Dialect {
	str := quoteString
	if !regex { // Redshift
		str = quoteStringEscaped
	}
	d := &sqlexpr.Dialect{
		Name:   name,
		Ident:  quoteIdent,
		String: str,
		Special: func(f float64) (string, bool) {
			switch {
			case math.IsNaN(f):
				return "'NaN'::float8", true
			case math.IsInf(f, 1):
				return "'Infinity'::float8", true
			case math.IsInf(f, -1):
				return "'-Infinity'::float8", true
			}
			return "", false
		},
		Types: map[sqlexpr.Type]string{sqlexpr.Double: "DOUBLE PRECISION", sqlexpr.BigInt: "BIGINT",
			sqlexpr.Varchar: text, sqlexpr.Boolean: "BOOLEAN", sqlexpr.Date: "DATE", sqlexpr.Timestamp: "TIMESTAMP",
			sqlexpr.TimestampTZ: "TIMESTAMP WITH TIME ZONE"},
		Funcs: map[sqlexpr.Func]func([]string) string{
			sqlexpr.Count: call("count"), sqlexpr.Sum: call("sum"), sqlexpr.Avg: call("avg"),
			sqlexpr.Min: call("min"), sqlexpr.Max: call("max"),
			sqlexpr.StddevPop: finiteOrError("stddev_pop", "STDDEV_POP"), sqlexpr.VarPop: finiteOrError("var_pop", "VARPOP"),
			sqlexpr.Corr:   corr,
			sqlexpr.Length: call("length"), sqlexpr.Trim: call("btrim"),
			sqlexpr.Coalesce: call("coalesce"), sqlexpr.Greatest: call("greatest"), sqlexpr.Ln: call("ln"),
			sqlexpr.IsNaN: func(a []string) string { return "(" + a[0] + " = 'NaN'::float8)" },
			sqlexpr.IsInf: func(a []string) string {
				return "(" + a[0] + " IN ('Infinity'::float8, '-Infinity'::float8))"
			},
			sqlexpr.IsFinite: func(a []string) string {
				return "(" + a[0] + " NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8))"
			},
			// AT TIME ZONE of a timestamptz is the wall-clock TIMESTAMP
			// there, whatever the session's TimeZone.
			sqlexpr.UTCTimestamp: func(a []string) string { return "(" + a[0] + " AT TIME ZONE 'UTC')" },
			fdiv:                 floatDiv,
			sqlexpr.SparkTrim:    func(a []string) string { return "btrim(" + a[0] + ", " + str(" \t\n\r") + ")" },
		},
		Raw: func(s string) (string, error) { return sqlexpr.SparkIdentifiers(s, `"`), nil },
	}
	// SparkBooleanText: no character outside ASCII lowers into the
	// letters of these words, so lower()'s Unicode tables (collation,
	// Redshift's own) cannot change the answer; "C" keeps PostgreSQL's
	// to ASCII anyway.
	collateC := ""
	if regex {
		collateC = ` COLLATE "C"`
	}
	d.Funcs[sqlexpr.SparkBooleanText] = func(a []string) string {
		return "(lower(" + a[0] + collateC + ") IN ('t', 'true', 'y', 'yes', '1', 'f', 'false', 'n', 'no', '0'))"
	}
	if regex {
		// PostgreSQL only: these use its regular expressions, numeric
		// extract(epoch) (PostgreSQL 14+) and COLLATE "C", none of which
		// Redshift is documented to share.
		d.Funcs[fregx] = func(a []string) string { return "(" + a[0] + " ~ " + a[1] + ")" }
		d.Funcs[sqlexpr.Lower] = func(a []string) string {
			from, to := lowerTable()
			return "translate(" + a[0] + ", " + from + ", " + to + ")"
		}
		d.Funcs[sqlexpr.Upper] = func(a []string) string {
			from, to := upperTable()
			return "translate(" + a[0] + ", " + from + ", " + to + ")"
		}
		d.Funcs[sqlexpr.IntegerText] = integerText
		d.Funcs[sqlexpr.SparkDate] = sparkDate
		d.Funcs[sqlexpr.HoursSince] = hoursSince
		d.Funcs[sqlexpr.DuckDBTimestampText] = timestampTextUTC
		d.Funcs[fdoubletext] = doubleText
		d.Funcs[fdecimalfits] = decimalFits
	}
	d.Prepare = func(n sqlexpr.Node) (sqlexpr.Node, error) { return prepare(d, n) }
	return d
}

// prepare rewrites the nodes whose PostgreSQL spelling depends on more
// than the function table sees.
func prepare(d *sqlexpr.Dialect, n sqlexpr.Node) (sqlexpr.Node, error) {
	switch n := n.(type) {
	case sqlexpr.Binary:
		if n.Op == sqlexpr.Div {
			return sqlexpr.Call{Fn: fdiv, Args: []sqlexpr.Node{n.L, n.R}}, nil
		}
	case sqlexpr.Call:
		if lit, ok := foldCase(d, n); ok {
			return lit, nil
		}
		if m, ok := textCastSucceeds(d, n, nil); ok {
			return m, nil
		}
		if n.Fn == sqlexpr.RegexpFullMatch {
			if _, ok := d.Funcs[fregx]; !ok || len(n.Args) != 2 {
				return nil, &sqlexpr.Unsupported{Dialect: d.Name, What: "function " + string(n.Fn)}
			}
			pat, ok := n.Args[1].(sqlexpr.Str)
			if !ok {
				return nil, &sqlexpr.Unsupported{Dialect: d.Name, What: "a regular expression that is not a literal"}
			}
			are, err := FullMatchARE(pat.V)
			if err != nil {
				return nil, &sqlexpr.Unsupported{Dialect: d.Name, What: fmt.Sprintf("the regular expression %q (%v)", pat.V, err)}
			}
			return sqlexpr.Call{Fn: fregx, Args: []sqlexpr.Node{n.Args[0], sqlexpr.Str{V: are}}}, nil
		}
	}
	return n, nil
}

// notFinite is true for NaN and ±Infinity (x a float8 or numeric).
func notFinite(x string) string {
	return "(" + x + " IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8))"
}

// raise is an expression that fails the statement with msg when
// evaluated. It depends on x so that the planner's constant folding
// cannot raise it for a CASE branch that is never taken.
func raise(msg, x string) string {
	return "CAST(" + quoteString(msg+": ") + " || CAST(" + x + " AS TEXT) AS DOUBLE PRECISION)"
}

// finiteOrError is a dispersion aggregate as DuckDB computes it: DuckDB
// fails the statement ("out of range") when the result is not finite (a
// NaN or infinite input), where PostgreSQL returns NaN.
func finiteOrError(fn, duckName string) func([]string) string {
	return func(a []string) string {
		x := fn + "(" + a[0] + ")"
		return "CASE WHEN " + notFinite(x) + " THEN " + raise(duckName+" is out of range", x) + " ELSE " + x + " END"
	}
}

// corr is DuckDB's: NULL without pairs, an error when either side's
// standard deviation is not finite, NaN for a constant side (0/0) where
// PostgreSQL returns NULL.
func corr(a []string) string {
	x := "CASE WHEN " + a[1] + " IS NOT NULL THEN " + a[0] + " END"
	y := "CASE WHEN " + a[0] + " IS NOT NULL THEN " + a[1] + " END"
	sx, sy := "stddev_pop("+x+")", "stddev_pop("+y+")"
	return "CASE WHEN count(" + x + ") = 0 THEN NULL" +
		" WHEN " + notFinite(sx) + " THEN " + raise("STDDEV_POP for X is out of range", sx) +
		" WHEN " + notFinite(sy) + " THEN " + raise("STDDEV_POP for Y is out of range", sy) +
		" ELSE coalesce(corr(" + a[0] + ", " + a[1] + "), 'NaN'::float8) END"
}

// floatDiv is DuckDB's `/`: DOUBLE division with IEEE results for a zero
// divisor (±Infinity, NaN for 0/0 and NaN/0) where PostgreSQL raises
// "division by zero". The divisor's sign, -0 included, is read from its
// text because -0 = 0.
func floatDiv(a []string) string {
	l := "CAST(" + a[0] + " AS DOUBLE PRECISION)"
	r := "CAST(" + a[1] + " AS DOUBLE PRECISION)"
	return "(CASE WHEN " + r + " = 0 THEN CASE WHEN " + l + " IS NULL THEN NULL" +
		" WHEN " + l + " = 'NaN'::float8 OR " + l + " = 0 THEN 'NaN'::float8" +
		" WHEN (" + l + " > 0) = (CAST(" + r + " AS TEXT) NOT LIKE '-%') THEN 'Infinity'::float8" +
		" ELSE '-Infinity'::float8 END ELSE " + l + " / " + r + " END)"
}

// typedDialect is base for one table: it also knows the table's column
// types (DuckDB spellings, by exact name), which the text of a value
// depends on. PostgreSQL prints a DOUBLE as its shortest round-trip
// digits like DuckDB, but spells integral values without ".0", switches
// to exponents one decade earlier (1e+15 where DuckDB prints
// 1000000000000000.0), and where two shortest forms exist picks the
// other one (9.999999999999999e+22 for DuckDB's 1e+23): no SQL rewrite
// makes that exact, so casting a DOUBLE or FLOAT to text is unsupported
// (ColumnLength and string ColumnValues on number columns).
func typedDialect(base *sqlexpr.Dialect, typeOf func(col string) (string, bool)) *sqlexpr.Dialect {
	d := *base
	d.Prepare = func(n sqlexpr.Node) (sqlexpr.Node, error) {
		if c, ok := n.(sqlexpr.Cast); ok && c.To == sqlexpr.Varchar && !textExact(c.X, typeOf) {
			return nil, &sqlexpr.Unsupported{Dialect: d.Name, What: "the text of a DOUBLE value (PostgreSQL prints floats differently)"}
		}
		if c, ok := n.(sqlexpr.Call); ok && c.Fn == sqlexpr.DuckDBCastSucceeds {
			if m, ok := sqlexpr.CastSucceeds(c, typeOf); ok {
				return m, nil
			}
			if m, ok := textCastSucceeds(&d, c, typeOf); ok {
				return m, nil
			}
			if _, ok := d.Funcs[fdecimalfits]; ok {
				if m, ok := decimalCastSucceeds(c, typeOf); ok {
					return m, nil
				}
			}
		}
		return prepare(&d, n)
	}
	return &d
}

// textExact reports whether x is known not to be a floating-point value,
// whose text PostgreSQL spells differently from DuckDB.
func textExact(x sqlexpr.Node, typeOf func(string) (string, bool)) bool {
	switch x := x.(type) {
	case sqlexpr.Col:
		t, ok := typeOf(x.Name)
		return ok && t != "DOUBLE" && t != "FLOAT"
	case sqlexpr.Str, sqlexpr.Bool, sqlexpr.Null:
		return true
	case sqlexpr.Num:
		return x.V == math.Trunc(x.V) && math.Abs(x.V) < 1<<53
	case sqlexpr.Cast:
		return x.To != sqlexpr.Double
	}
	return false
}

func call(name string) func([]string) string {
	return func(args []string) string { return name + "(" + strings.Join(args, ", ") + ")" }
}

// quoteIdent quotes an identifier; PostgreSQL folds unquoted names to
// lower case, so every name is quoted and kept exactly.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteString is a standard-conforming string literal: only the quote is
// doubled; a backslash is an ordinary character.
func quoteString(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

// quoteStringEscaped is a literal for Redshift, whose string literals
// treat a backslash as an escape character (it predates PostgreSQL's
// standard_conforming_strings): both quote and backslash are doubled.
func quoteStringEscaped(s string) string {
	return `'` + strings.NewReplacer(`'`, `''`, `\`, `\\`).Replace(s) + `'`
}

// FullMatchARE translates an RE2 pattern (DuckDB's regexp_full_match) into
// a PostgreSQL advanced regular expression that matches exactly the same
// whole strings, or explains why it cannot. The result is anchored with
// \A and \Z; classes are spelled as explicit code-point ranges so that no
// locale or class-name difference can creep in.
func FullMatchARE(re2 string) (string, error) {
	re, err := syntax.Parse(re2, syntax.Perl)
	if err != nil {
		return "", fmt.Errorf("not a valid RE2 pattern: %w", err)
	}
	var b strings.Builder
	b.WriteString(`\A(?:`)
	if err := writeARE(&b, re); err != nil {
		return "", err
	}
	b.WriteString(`)\Z`)
	return b.String(), nil
}

// areMaxRepeat is PostgreSQL's RE_DUP_MAX.
const areMaxRepeat = 255

func writeARE(b *strings.Builder, re *syntax.Regexp) error {
	switch re.Op {
	case syntax.OpEmptyMatch:
		b.WriteString(`(?:)`)
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 && unicode.SimpleFold(r) != r {
				b.WriteByte('[')
				for f := r; ; {
					writeRune(b, f)
					if f = unicode.SimpleFold(f); f == r {
						break
					}
				}
				b.WriteByte(']')
				continue
			}
			writeRune(b, r)
		}
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return fmt.Errorf("an empty character class")
		}
		b.WriteByte('[')
		for i := 0; i < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if lo == 0 { // PostgreSQL text holds no NUL and patterns cannot name it
				if hi == 0 {
					continue
				}
				lo = 1
			}
			writeRune(b, lo)
			if hi != lo {
				b.WriteByte('-')
				writeRune(b, hi)
			}
		}
		b.WriteByte(']')
	case syntax.OpAnyCharNotNL:
		b.WriteString(`[^\n]`)
	case syntax.OpAnyChar:
		// Without the newline-sensitive flag, ARE's dot matches newlines.
		b.WriteByte('.')
	case syntax.OpBeginText:
		b.WriteString(`\A`)
	case syntax.OpEndText:
		b.WriteString(`\Z`)
	case syntax.OpCapture:
		b.WriteString(`(?:`)
		if err := writeARE(b, re.Sub[0]); err != nil {
			return err
		}
		b.WriteByte(')')
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		// Greediness does not change whether the whole string matches, so
		// non-greedy operators are written greedy: ARE's rules for mixing
		// them differ from RE2's.
		if err := writeAtom(b, re.Sub[0]); err != nil {
			return err
		}
		b.WriteString(map[syntax.Op]string{syntax.OpStar: "*", syntax.OpPlus: "+", syntax.OpQuest: "?"}[re.Op])
	case syntax.OpRepeat:
		if re.Max > areMaxRepeat || re.Min > areMaxRepeat {
			return fmt.Errorf("a repeat count above PostgreSQL's limit of %d", areMaxRepeat)
		}
		if err := writeAtom(b, re.Sub[0]); err != nil {
			return err
		}
		switch {
		case re.Max == -1:
			fmt.Fprintf(b, "{%d,}", re.Min)
		case re.Max == re.Min:
			fmt.Fprintf(b, "{%d}", re.Min)
		default:
			fmt.Fprintf(b, "{%d,%d}", re.Min, re.Max)
		}
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if err := writeAtomIfAlternate(b, s); err != nil {
				return err
			}
		}
	case syntax.OpAlternate:
		for i, s := range re.Sub {
			if i > 0 {
				b.WriteByte('|')
			}
			if err := writeARE(b, s); err != nil {
				return err
			}
		}
	case syntax.OpBeginLine, syntax.OpEndLine:
		return fmt.Errorf("multi-line anchors ((?m) ^ and $)")
	case syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return fmt.Errorf(`word boundaries (\b, \B): PostgreSQL's \y and \Y use a different word definition`)
	case syntax.OpNoMatch:
		return fmt.Errorf("a pattern that matches nothing")
	default:
		return fmt.Errorf("the construct %v", re.Op)
	}
	return nil
}

// writeAtom writes re as something a quantifier can follow.
func writeAtom(b *strings.Builder, re *syntax.Regexp) error {
	switch re.Op {
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL, syntax.OpCapture:
		return writeARE(b, re)
	case syntax.OpLiteral:
		if len(re.Rune) == 1 {
			return writeARE(b, re)
		}
	}
	b.WriteString(`(?:`)
	if err := writeARE(b, re); err != nil {
		return err
	}
	b.WriteByte(')')
	return nil
}

// writeAtomIfAlternate groups an alternation inside a concatenation.
func writeAtomIfAlternate(b *strings.Builder, re *syntax.Regexp) error {
	if re.Op == syntax.OpAlternate {
		return writeAtom(b, re)
	}
	return writeARE(b, re)
}

// writeRune writes one character as an ARE escape (\uXXXX or
// \UXXXXXXXX) unless it is an ASCII letter or digit, so that no
// character is read as an operator, in or out of brackets.
func writeRune(b *strings.Builder, r rune) {
	switch {
	case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		b.WriteRune(r)
	case r <= 0xFFFF:
		fmt.Fprintf(b, `\u%04x`, r)
	default:
		fmt.Fprintf(b, `\U%08x`, r)
	}
}

// integerText is IntegerText: the pattern, then the value as NUMERIC
// (which takes a sign and leading zeros) within the integer's range; the
// length guard keeps NUMERIC's own limit (131072 digits) out of reach.
// CASE fixes the order of evaluation, so that no other string is cast.
func integerText(a []string) string {
	lo, hi := "-2147483648", "2147483647"
	if a[1] == "64" {
		lo, hi = "-9223372036854775808", "9223372036854775807"
	}
	x := a[0]
	return "(CASE WHEN " + x + ` ~ '\A[+-]?[0-9]+\Z' THEN CASE WHEN length(ltrim(ltrim(` + x + ", '+-'), '0')) <= 19 THEN CAST(" + x +
		" AS NUMERIC) BETWEEN " + lo + " AND " + hi + " ELSE FALSE END ELSE FALSE END)"
}

// sparkDateARE is SparkDatePattern as an anchored ARE with the same
// meaning: [0-9] is ASCII in both, RE2's '.' is [^\n], and the groups
// that capture year, month and day are 1, 2 and 3.
const sparkDateARE = `\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\Z`

// sparkDate is SparkDate: the parts of the match as integers, the
// calendar checked by arithmetic (month, day of month with the Gregorian
// leap rule, DuckDB's last day 5881580-07-10), then make_date — year 0
// is PostgreSQL's 1 BC, and days after PostgreSQL's last date
// (5874897-12-31) are 'infinity', later than every date it holds.
func sparkDate(a []string) string {
	g := func(i int, def string) string {
		part := "(regexp_match(" + a[0] + ", '" + sparkDateARE + "'))[" + fmt.Sprint(i) + "]"
		if def != "" {
			part = "coalesce(" + part + ", '" + def + "')"
		}
		return "CAST(" + part + " AS INTEGER)"
	}
	y, m, d := g(1, ""), g(2, "1"), g(3, "1")
	valid := sqlexpr.ValidDateSQL(y, m, d)
	return "(CASE WHEN " + a[0] + " ~ '" + sparkDateARE + "' THEN CASE WHEN " + valid + " THEN CASE WHEN " + y +
		" > 5874897 THEN 'infinity'::date ELSE make_date(CASE WHEN " + y + " = 0 THEN -1 ELSE " + y + " END, " + m + ", " + d + ") END END END)"
}

// hoursSince is HoursSince with DuckDB's arithmetic: extract(epoch) is
// an exact NUMERIC of seconds (PostgreSQL 14+), so the microseconds are
// exact; the division and scaling are IEEE doubles as in DuckDB, and C's
// round() (half away from zero) is spelled with trunc, since
// PostgreSQL's round(float8) rounds half to even. v - trunc(v) is exact.
//
// DuckDB's epoch_us of ±infinity is NULL, and so is the age; PostgreSQL
// would fail converting an infinite epoch to BIGINT.
//
// An argument longer than a column reference (a timestamp parsed from
// text) is bound once in a scalar subquery (OFFSET 0 keeps PostgreSQL
// from flattening it): the rounding reads the value five times.
func hoursSince(a []string) string {
	if len(a[1]) > 200 {
		return "(SELECT " + hoursSince([]string{a[0], `"_dq_t"`}) + " FROM (SELECT " + a[1] + ` AS "_dq_t" OFFSET 0) AS "_dq_h")`
	}
	us := "CAST(extract(epoch FROM " + a[1] + ") * 1000000 AS BIGINT)"
	v := "(CAST(" + a[0] + " - " + us + " AS DOUBLE PRECISION) / CAST(3600000000 AS DOUBLE PRECISION) * CAST(100 AS DOUBLE PRECISION))"
	return "(CASE WHEN isfinite(" + a[1] + ") THEN (CASE WHEN abs(" + v + " - trunc(" + v + ")) >= 0.5 THEN trunc(" + v + ") + sign(" + v + ") ELSE trunc(" + v + ") END) / CAST(100 AS DOUBLE PRECISION) END)"
}

// DuckDB's lower() and upper() map each code point by Unicode's simple
// case mapping (utf8proc): one character to one, so translate() with
// the tables below computes them exactly, whatever the database's
// collation (PostgreSQL's own lower() follows the collation: a "C" one
// maps ASCII only, ICU's maps ß to SS). The tables are Go's mappings,
// (and ß → ẞ, which DuckDB adds), which TestCaseTablesMatchDuckDB checks against DuckDB code point by code
// point. They assume a UTF8 database. They are built on first use, not at
// package initialisation: walking every code point costs ~20 ms, which
// every dq process would pay at start-up though few render for PostgreSQL.
var (
	lowerTable = sync.OnceValues(func() (string, string) { return caseTable(CaseMapping(false)) })
	upperTable = sync.OnceValues(func() (string, string) { return caseTable(CaseMapping(true)) })
)

func caseTable(to func(rune) rune) (from, into string) {
	var f, t strings.Builder
	for r := rune(1); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		if m := to(r); m != r {
			f.WriteRune(r)
			t.WriteRune(m)
		}
	}
	return quoteString(f.String()), quoteString(t.String())
}

// CaseMapping is the per-code-point mapping dq's PostgreSQL rendering of
// lower (upper false) or upper applies, for the test against DuckDB.
func CaseMapping(upper bool) func(rune) rune {
	if upper {
		return func(r rune) rune {
			if r == 'ß' { // utf8proc's one departure from Go's table
				return 'ẞ'
			}
			return unicode.ToUpper(r)
		}
	}
	return unicode.ToLower
}

// foldCase computes lower or upper of a string literal at render time, by
// the same mapping as the translate() tables.
func foldCase(d *sqlexpr.Dialect, n sqlexpr.Call) (sqlexpr.Node, bool) {
	if (n.Fn != sqlexpr.Lower && n.Fn != sqlexpr.Upper) || len(n.Args) != 1 {
		return nil, false
	}
	if _, ok := d.Funcs[n.Fn]; !ok {
		return nil, false
	}
	lit, ok := n.Args[0].(sqlexpr.Str)
	if !ok {
		return nil, false
	}
	return sqlexpr.Str{V: strings.Map(CaseMapping(n.Fn == sqlexpr.Upper), lit.V)}, true
}

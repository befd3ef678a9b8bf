package postgres

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/dqlabs/dq/engine/sqlexpr"
)

// DuckDB's own parsers of text — TRY_CAST(x AS TIMESTAMP) and TRY_CAST(x
// AS DOUBLE or FLOAT) — written as a validating ARE and arithmetic, so
// that PostgreSQL computes what DuckDB computes for every string and
// never raises a cast error of its own. The grammars are DuckDB 1.5's
// (Date::TryConvertDate, Time::TryConvertInternal,
// Timestamp::TryConvertTimestampTZ and TryParseUTCOffset, non-strict;
// TryDoubleCast over its fast_float), checked string by string against
// DuckDB in TestDialectMatchesDuckDB.

// duckSpace is DuckDB's StringUtil::CharacterIsSpace as an ARE class.
const duckSpace = `[ \t\n\v\f\r]`

// timestampARE is DuckDB's timestamp grammar (group 3 is the date
// separator, which the second must repeat):
//
//   - leading spaces; a year of any length with an optional '-'; month
//     and day of one or two digits after the same separator (' ', '-',
//     '/' or '\'); optionally a space and "(BC)" in any case; then the
//     end, or a 'T' or spaces and a time;
//   - the time: 1–9 hour digits and ':', then optionally 1–2 minute
//     digits, ':' and 1–2 second digits (each may stop after its ':'),
//     a '.' with any number of digits (the first six count: DuckDB
//     truncates to microseconds);
//   - after the seconds only: 'Z', a UTC offset ±HH[[:]MM[:[SS]]] (read
//     and ignored: a TIMESTAMP cast keeps the wall-clock time), or a
//     space and an optional "UTC" in any case; then trailing spaces.
//
// timestampPartsARE is the same without the back reference (the date's
// second separator is any of the four), for reading the groups: 1 year
// sign, 2 year, 3 month, 4 day, 5 " (BC)", 6 hour, 7 minute, 8 second,
// 9 fraction. PostgreSQL tests a match with a back reference quickly,
// but capturing groups with one takes its slow backtracking engine.
var timestampARE, timestampPartsARE = timestampPattern(`([ /\\-])`, `\3`), timestampPattern(`[ /\\-]`, `[ /\\-]`)

func timestampPattern(sep1, sep2 string) string {
	return `\A` + duckSpace + `*(-?)([0-9]+)` + sep1 + `([0-9]{1,2})` + sep2 + `([0-9]{1,2})(` + duckSpace + `\([Bb][Cc]\))?` +
		`(?:(?:T` + duckSpace + `*|` + duckSpace + `+)([0-9]{1,9}):(?:([0-9]{1,2})(?::(?:([0-9]{1,2})(?:\.([0-9]*))?` +
		`(?:(?:Z|[+-][0-9]{2}(?::(?:[0-9]{2}(?::(?:[0-9]{2})?)?)?|[0-9]{2})?| (?:[Uu][Tt][Cc])?)` + duckSpace + `*)?)?)?)?)?\Z`
}

// The special words DuckDB's date parser takes: "inf" exactly or
// "infinity" followed by spaces (either after '-' for -infinity), and
// "epoch" (a '-' before it is ignored).
var (
	infinityARE = `\A` + duckSpace + `*-?(?:[iI][nN][fF]|[iI][nN][fF][iI][nN][iI][tT][yY]` + duckSpace + `*)\Z`
	epochARE    = `\A` + duckSpace + `*-?[eE][pP][oO][cC][hH]` + duckSpace + `*\Z`
)

// duckLastMicros is the time of day of DuckDB's last timestamp,
// 294247-01-10 04:00:54.775806 (2^63-2 microseconds after the epoch;
// 2^63-1 is infinity), in microseconds.
const duckLastMicros = "14454775806"

// timestampText is DuckDBTimestampText: x is matched once (a scalar
// subquery binds the groups), the parts read as numbers, the calendar
// and clock checked by arithmetic (month, day of month with the
// Gregorian leap rule, minutes and seconds below 60, the time at most
// 24:00:00, DuckDB's last instant), then make_date plus microseconds.
// DuckDB's year 0 is 1 BC (PostgreSQL's year -1); " (BC)" turns year y
// into 1-y. A valid timestamp before 4713 BC, PostgreSQL's first, raises
// an error naming it rather than giving another value. The subquery's
// column has dq's own name so that it hides no column x reads; OFFSET 0
// keeps PostgreSQL from flattening it, which would copy the match into
// each of the ~40 places that read a group.
func timestampText(a []string) string {
	x := a[0]
	m := func(i int) string { return `"_dq_m"[` + strconv.Itoa(i) + "]" }
	num := func(i int, ty string) string { return "CAST(" + m(i) + " AS " + ty + ")" }
	// A year of more than seven significant digits is past every limit
	// (and could overflow INTEGER).
	y := "(CASE WHEN length(ltrim(" + m(2) + ", '0')) <= 7 THEN CASE WHEN " + m(5) + " IS NOT NULL THEN 1 - " + num(2, "INTEGER") +
		" WHEN " + m(1) + " = '-' THEN -" + num(2, "INTEGER") + " ELSE " + num(2, "INTEGER") + " END END)"
	mo, d := num(3, "INTEGER"), num(4, "INTEGER")
	mi, s := "coalesce("+num(7, "BIGINT")+", 0)", "coalesce("+num(8, "BIGINT")+", 0)"
	us := "(coalesce(" + num(6, "BIGINT") + ", 0) * 3600000000 + " + mi + " * 60000000 + " + s + " * 1000000" +
		" + CAST(rpad(substr(coalesce(" + m(9) + ", ''), 1, 6), 6, '0') AS BIGINT))"
	valid := mo + " BETWEEN 1 AND 12 AND " + d + " BETWEEN 1 AND " + sqlexpr.DaysInMonthSQL(y, mo) + " AND " + mi + " < 60 AND " + s + " < 60 AND " + us + " <= 86400000000" +
		" AND (" + y + " < 294247 OR (" + y + " = 294247 AND " + mo + " = 1 AND (" + d + " < 10 OR (" + d + " = 10 AND " + us + " <= " + duckLastMicros + "))))" +
		" AND (" + m(5) + " IS NULL OR (" + m(1) + " = '' AND " + y + " <= 0))"
	value := "make_date(CASE WHEN " + y + " <= 0 THEN " + y + " - 1 ELSE " + y + " END, " + mo + ", " + d + ") + " + us + " * INTERVAL '1 microsecond'"
	tooEarly := "CAST(" + quoteString("dq: PostgreSQL cannot hold this timestamp before 4713 BC, which DuckDB reads from the text: ") + " || " + x + " AS TIMESTAMP)"
	return "(CASE WHEN " + x + " ~ " + quoteString(infinityARE) + " THEN CASE WHEN " + x + " ~ " + quoteString(`\A`+duckSpace+`*-`) +
		" THEN '-infinity'::timestamp ELSE 'infinity'::timestamp END" +
		" WHEN " + x + " ~ " + quoteString(epochARE) + " THEN '1970-01-01 00:00:00'::timestamp" +
		" WHEN " + x + " ~ " + quoteString(timestampARE) + ` THEN (SELECT CASE WHEN ` + valid + " THEN CASE WHEN " + y + " < -4712 THEN " + tooEarly + " ELSE " + value + " END END" +
		" FROM (SELECT regexp_match(" + x + ", " + quoteString(timestampPartsARE) + `) AS "_dq_m" OFFSET 0) AS "_dq_r") END)`
}

// timestampTextUTC is timestampText less the text's UTC offset, as the
// DuckDB dialect computes it (sqlexpr.UTCOffsetPattern, within
// sqlexpr.OffsetFrom and OffsetTo).
func timestampTextUTC(a []string) string {
	x := a[0]
	t := timestampText(a)
	p := quoteString(sqlexpr.UTCOffsetPattern)
	m := "(regexp_match(" + x + ", " + p + "))"
	group := func(i int) string {
		return "coalesce(CAST(nullif(" + m + "[" + strconv.Itoa(i) + "], '') AS BIGINT), 0)"
	}
	off := "(CASE WHEN " + x + " ~ " + p + " THEN (CASE WHEN " + m + "[2] = '-' THEN -1 ELSE 1 END) * (" +
		group(3) + " * 3600 + " + group(5) + " * 60 + " + group(7) + ") * INTERVAL '1 second' ELSE INTERVAL '0 second' END)"
	// The parse runs once: a scalar subquery binds it (OFFSET 0, as in
	// timestampText, keeps PostgreSQL from copying it into each use).
	v := `"_dq_ts"`
	return "(SELECT CASE WHEN " + v + " >= " + sqlexpr.OffsetFrom + " AND " + v + " < " + sqlexpr.OffsetTo + " THEN " + v + " - " + off + " ELSE " + v + " END" +
		" FROM (SELECT " + t + " AS " + v + " OFFSET 0) AS \"_dq_tr\")"
}

// doubleARE is what DuckDB's TRY_CAST to DOUBLE or FLOAT accepts:
// spaces, an optional '+', then fast_float's number — an optional '-',
// digits with single underscores between them, an optional fraction
// and exponent; or inf, infinity, nan and nan(chars) in any case — and
// spaces. Values out of range become ±Infinity or 0, never NULL, so the
// grammar alone decides (for FLOAT too).
var doubleARE = func() string {
	d := `[0-9]+(?:_[0-9]+)*`
	return `\A` + duckSpace + `*\+?-?(?:(?:` + d + `(?:\.(?:` + d + `)?)?|\.` + d + `)(?:[eE][+-]?` + d + `)?` +
		`|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN](?:\([A-Za-z0-9_]*\))?)` + duckSpace + `*\Z`
}()

// doubleText is DuckDBCastSucceeds(x, 'DOUBLE' or 'FLOAT') of text:
// FALSE for NULL, as TRY_CAST(NULL AS DOUBLE) IS NOT NULL is.
func doubleText(a []string) string {
	return "coalesce(" + a[0] + " ~ " + quoteString(doubleARE) + ", FALSE)"
}

// textCastSucceeds rewrites DuckDBCastSucceeds(x, type) of a text x into
// the parsers above for the types they cover (TIMESTAMP, DOUBLE, FLOAT).
// x is text when it is a trimming or case call, or a VARCHAR column
// (typeOf, when the column types are known).
func textCastSucceeds(d *sqlexpr.Dialect, c sqlexpr.Call, typeOf func(string) (string, bool)) (sqlexpr.Node, bool) {
	if c.Fn != sqlexpr.DuckDBCastSucceeds || len(c.Args) != 2 {
		return nil, false
	}
	to, ok := c.Args[1].(sqlexpr.Str)
	if !ok {
		return nil, false
	}
	switch x := c.Args[0].(type) {
	case sqlexpr.Call:
		if x.Fn != sqlexpr.SparkTrim && x.Fn != sqlexpr.Trim {
			return nil, false
		}
	case sqlexpr.Col:
		if typeOf == nil {
			return nil, false
		}
		if t, ok := typeOf(x.Name); !ok || !strings.EqualFold(t, "VARCHAR") {
			return nil, false
		}
	default:
		return nil, false
	}
	switch to.V {
	case "TIMESTAMP":
		if _, ok := d.Funcs[sqlexpr.DuckDBTimestampText]; ok {
			return sqlexpr.IsNull{X: sqlexpr.Call{Fn: sqlexpr.DuckDBTimestampText, Args: c.Args[:1]}, Negate: true}, true
		}
	case "DOUBLE", "FLOAT":
		if _, ok := d.Funcs[fdoubletext]; ok {
			return sqlexpr.Call{Fn: fdoubletext, Args: c.Args[:1]}, true
		}
	}
	return nil, false
}

var decimalSpec = regexp.MustCompile(`^DECIMAL\((\d+),\s*(\d+)\)$`)

// decimalCastSucceeds is DuckDBCastSucceeds(x, 'DECIMAL(p,s)') of a
// DECIMAL column x: DuckDB rounds half away from zero to s digits (as
// PostgreSQL's round(numeric, s) does) and succeeds when the result has
// at most p-s integer digits. ok is false for any other use.
func decimalCastSucceeds(c sqlexpr.Call, typeOf func(string) (string, bool)) (sqlexpr.Node, bool) {
	if c.Fn != sqlexpr.DuckDBCastSucceeds || len(c.Args) != 2 || typeOf == nil {
		return nil, false
	}
	x, ok1 := c.Args[0].(sqlexpr.Col)
	to, ok2 := c.Args[1].(sqlexpr.Str)
	if !ok1 || !ok2 {
		return nil, false
	}
	if t, ok := typeOf(x.Name); !ok || decimalSpec.FindStringSubmatch(strings.ToUpper(t)) == nil {
		return nil, false
	}
	m := decimalSpec.FindStringSubmatch(to.V)
	if m == nil {
		return nil, false
	}
	p, _ := strconv.Atoi(m[1])
	sc, _ := strconv.Atoi(m[2])
	if p < sc || p > 38 {
		return nil, false
	}
	return sqlexpr.Call{Fn: fdecimalfits, Args: []sqlexpr.Node{x, sqlexpr.Num{V: float64(sc)}, sqlexpr.Str{V: "1" + strings.Repeat("0", p-sc)}}}, true
}

// decimalFits renders fdecimalfits(x, s, '1000…'): FALSE for NULL, as
// TRY_CAST(NULL AS DECIMAL) IS NOT NULL is.
func decimalFits(a []string) string {
	return "coalesce(abs(round(CAST(" + a[0] + " AS NUMERIC), " + a[1] + ")) < CAST(" + a[2] + " AS NUMERIC), FALSE)"
}

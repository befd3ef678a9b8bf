package sqlexpr

import (
	"math"
	"strconv"
	"strings"
)

// DuckDB is the dialect of dq's embedded engine.
func DuckDB() *Dialect { return duckdb }

var duckdb = &Dialect{
	Name:   "duckdb",
	Ident:  func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` },
	String: func(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` },
	Special: func(f float64) (string, bool) {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return "CAST('" + strconv.FormatFloat(f, 'g', -1, 64) + "' AS DOUBLE)", true
		}
		return "", false
	},
	Types: map[Type]string{Double: "DOUBLE", BigInt: "BIGINT", Varchar: "VARCHAR", Boolean: "BOOLEAN",
		Date: "DATE", Timestamp: "TIMESTAMP", TimestampTZ: "TIMESTAMPTZ"},
	TryCast: func(x, to string) string { return "TRY_CAST(" + x + " AS " + to + ")" },
	Funcs: map[Func]func([]string) string{
		Count: call("count"), Sum: call("sum"), Avg: call("avg"), Min: call("min"), Max: call("max"),
		StddevPop: call("stddev_pop"), VarPop: call("var_pop"), Corr: call("corr"),
		CovarPop: call("covar_pop"), Sqrt: call("sqrt"),
		Length: call("length"), Lower: call("lower"), Upper: call("upper"),
		// trim(x) alone also strips Unicode spaces such as U+00A0; Spark's
		// TRIM, PostgreSQL's btrim and Trino's trim(BOTH ' ') strip U+0020.
		Trim:     func(a []string) string { return "trim(" + a[0] + ", ' ')" },
		Coalesce: call("coalesce"), Greatest: call("greatest"), Ln: call("ln"),
		IsNaN: call("isnan"), IsInf: call("isinf"), IsFinite: call("isfinite"),
		RegexpFullMatch: call("regexp_full_match"),
		UTCTimestamp:    func(a []string) string { return "timezone('UTC', " + a[0] + ")" },
		SparkTrim:       func(a []string) string { return "trim(" + a[0] + ", ' \t\n\r')" },
		SparkDate:       duckSparkDate,
		SparkBooleanText: func(a []string) string {
			return "(lower(" + a[0] + ") IN ('t', 'true', 'y', 'yes', '1', 'f', 'false', 'n', 'no', '0'))"
		},
		IntegerText: func(a []string) string {
			ty := "INTEGER"
			if a[1] == "64" {
				ty = "BIGINT"
			}
			return "(regexp_full_match(" + a[0] + ", '[+-]?[0-9]+') AND TRY_CAST(" + a[0] + " AS " + ty + ") IS NOT NULL)"
		},
		DuckDBCastSucceeds: func(a []string) string {
			return "(TRY_CAST(" + a[0] + " AS " + unquote(a[1]) + ") IS NOT NULL)"
		},
		DuckDBStrptimeSucceeds: func(a []string) string {
			x := a[0]
			if len(a) > 2 && a[2] != "''" {
				x += " || " + a[2]
			}
			return "(TRY_STRPTIME(" + x + ", " + a[1] + ") IS NOT NULL)"
		},
		DuckDBTimestampText: func(a []string) string {
			t := "TRY_CAST(" + a[0] + " AS TIMESTAMP)"
			return "(CASE WHEN " + t + " >= " + OffsetFrom + " AND " + t + " < " + OffsetTo + " THEN " + t + " - " + duckUTCOffset(a[0]) + " ELSE " + t + " END)"
		},
		HoursSince: func(a []string) string {
			return "round((" + a[0] + " - epoch_us(" + a[1] + ")) / 3600000000.0, 2)"
		},
	},
	Raw: func(s string) (string, error) { return SparkIdentifiers(s, `"`), nil },
}

// UTCOffsetPattern finds the UTC offset that ends a timestamp in text
// ("...10:00:00+05:30", "...10:00-0800", "...10:00 +02"), after the
// minutes or seconds of a time, so that a date's "-06" is never one; valid
// RE2 and PostgreSQL ARE alike. Groups: 2 the sign, 3 the hours, 5 the
// minutes, 7 the seconds. DuckDB's cast to TIMESTAMP reads such text but
// drops the offset; Spark, as Glue, honours it, so dq subtracts it.
const UTCOffsetPattern = `[0-9]:[0-9]{1,2}(\.[0-9]*)?[ \t\n\v\f\r]*([+-])([0-9]{2})(:?([0-9]{2}))?(:([0-9]{2}))?[ \t\n\v\f\r]*$`

// OffsetFrom and OffsetTo bound the timestamps whose offset dq applies:
// years 1 to 9999, so that shifting by up to 99 hours never leaves an
// engine's range (DuckDB raises an error there). Beyond them, as before,
// the offset is dropped. Both engines use the same bounds.
const (
	OffsetFrom = "TIMESTAMP '0001-01-01 00:00:00'"
	OffsetTo   = "TIMESTAMP '10000-01-01 00:00:00'"
)

// duckUTCOffset is the INTERVAL by which the timestamp in text s is ahead
// of UTC (zero without an offset).
func duckUTCOffset(s string) string {
	p := "'" + UTCOffsetPattern + "'" // no quote inside
	group := func(i int) string {
		return "coalesce(TRY_CAST(nullif(regexp_extract(" + s + ", " + p + ", " + strconv.Itoa(i) + "), '') AS BIGINT), 0)"
	}
	return "(CASE WHEN regexp_matches(" + s + ", " + p + ") THEN (CASE WHEN regexp_extract(" + s + ", " + p + ", 2) = '-' THEN -1 ELSE 1 END) * (" +
		group(3) + " * 3600 + " + group(5) + " * 60 + " + group(7) + ") * INTERVAL 1 SECOND ELSE INTERVAL 0 SECOND END)"
}

// SparkDatePattern is what Spark's string-to-date conversion accepts (see
// SparkDate), in RE2 syntax: a year of 4 to 7 digits, then optionally
// -[m]m, then optionally -[d]d followed by anything after a space or a 'T'
// (a time, ignored; RE2's '.' stops at a newline).
const SparkDatePattern = `([0-9]{4,7})(-([0-9]{1,2})(-([0-9]{1,2})([ T].*)?)?)?`

// duckSparkDate is SparkDate in DuckDB: the parts extracted by the pattern
// (regexp_extract searches, but the greedy leftmost match of a string the
// pattern fully matches captures the same parts) and cast to DATE, which
// checks the calendar and DuckDB's range. "1" or "42" are not dates
// (DuckDB alone would read them as years).
func duckSparkDate(a []string) string {
	s := a[0]
	p := "'" + SparkDatePattern + "'" // no quote inside
	part := func(i int, def string) string {
		return "coalesce(nullif(regexp_extract(" + s + ", " + p + ", " + strconv.Itoa(i) + "), ''), '" + def + "')"
	}
	return "CASE WHEN regexp_full_match(" + s + ", " + p + ") THEN TRY_CAST(" +
		part(1, "") + " || '-' || " + part(3, "1") + " || '-' || " + part(5, "1") + " AS DATE) END"
}

// unquote undoes String for a rendered literal.
func unquote(lit string) string {
	if len(lit) >= 2 && lit[0] == '\'' && lit[len(lit)-1] == '\'' {
		return strings.ReplaceAll(lit[1:len(lit)-1], "''", "'")
	}
	return lit
}

// SparkIdentifiers rewrites Spark's `backtick` identifiers outside string
// literals into identifiers quoted with q (`"` for DuckDB, Trino and
// PostgreSQL), because Glue users quote awkward column names that way.
func SparkIdentifiers(expr, q string) string {
	if !strings.Contains(expr, "`") {
		return expr
	}
	var b strings.Builder
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch c {
		case '\'', '"':
			j := i + 1
			for j < len(expr) && expr[j] != c {
				j++
			}
			if j >= len(expr) {
				j = len(expr) - 1
			}
			b.WriteString(expr[i : j+1])
			i = j
		case '`':
			j := strings.IndexByte(expr[i+1:], '`')
			if j < 0 {
				b.WriteString(expr[i:])
				return b.String()
			}
			b.WriteString(q + strings.ReplaceAll(expr[i+1:i+1+j], q, q+q) + q)
			i += j + 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

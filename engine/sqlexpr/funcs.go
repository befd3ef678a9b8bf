package sqlexpr

// Func names a function in the neutral language. Each dialect maps the
// functions it can express exactly to a renderer (Dialect.Funcs); one
// table per dialect, no string switches elsewhere.
//
// The comments are the contract a dialect implements: the result for
// every input, NULL, NaN and ±Infinity included. A dialect whose engine
// differs on any input must leave the function out of its table (the
// rules that use it then ERROR on that engine, naming the function)
// rather than render an approximation.
type Func string

// Aggregates. All ignore NULL inputs; over no (non-NULL) input count is 0
// and the others are NULL. The planner casts every result to DOUBLE, so a
// dialect may return any numeric type. DuckDB is the reference for
// non-finite inputs: sum/avg/min/max propagate NaN and ±Infinity the IEEE
// way (NaN sorts above +Infinity for min/max); the planner keeps NaN and
// ±Infinity away from stddev_pop, var_pop and corr itself (see
// engine.nonFinite), so those see finite doubles only.
const (
	// Count: count(Star{}) is the number of rows; count(x) the number of
	// rows where x is not NULL (NaN counts).
	Count Func = "count"
	// Sum: exact for integer inputs (no overflow below 2^63 in the
	// result's type; a dialect whose integer sum overflows earlier must
	// widen), IEEE double sum for DOUBLE inputs.
	Sum Func = "sum"
	// Avg: the arithmetic mean, computed in double precision.
	Avg Func = "avg"
	// Min and Max: the extreme value, in the argument's type (numbers,
	// strings compared by code point, dates, timestamps).
	Min Func = "min"
	Max Func = "max"
	// StddevPop: population standard deviation, sqrt(Σ(x-mean)²/n); 0 for
	// one value.
	StddevPop Func = "stddev_pop"
	// VarPop: population variance, Σ(x-mean)²/n.
	VarPop Func = "var_pop"
	// Corr: Pearson correlation of the pairs where neither argument is
	// NULL; NULL (or NaN) with fewer than two pairs or zero variance — the
	// planner treats both as "no value".
	Corr Func = "corr"
	// CovarPop: population covariance Σ(x-mean_x)(y-mean_y)/n of the pairs
	// where neither argument is NULL. Unlike stddev_pop, var_pop and corr,
	// a result that overflows (finite inputs near ±1e308) is ±Infinity or
	// NaN, not an error: the planner's fallback for moments that overflow
	// (engine.overflowTolerant) relies on that, so a dialect whose
	// covariance raises instead must leave it out.
	CovarPop Func = "covar_pop"
)

// Scalar functions. NULL in gives NULL out unless said otherwise.
const (
	// Length: the number of characters (Unicode code points, not bytes)
	// of a VARCHAR.
	Length Func = "length"
	// Lower and Upper: Unicode case mapping of a VARCHAR.
	Lower Func = "lower"
	Upper Func = "upper"
	// Trim: the VARCHAR without leading and trailing spaces (U+0020 only;
	// tabs and newlines stay).
	Trim Func = "trim"
	// Coalesce: the first non-NULL argument (two or more arguments of one
	// type; BOOLEAN FALSE as the last is how the planner makes a
	// predicate two-valued).
	Coalesce Func = "coalesce"
	// Greatest: the largest of its numeric arguments (never NULL in the
	// planner's uses).
	Greatest Func = "greatest"
	// Ln: natural logarithm of a positive number (the planner guarantees
	// x ≥ 1).
	Ln Func = "ln"
	// Sqrt: square root of a DOUBLE; +Infinity for +Infinity, NaN for NaN
	// (the planner never passes a negative number).
	Sqrt Func = "sqrt"
	// IsNaN: DOUBLE argument; TRUE for NaN, FALSE otherwise.
	IsNaN Func = "isnan"
	// IsInf: DOUBLE argument; TRUE for +Infinity and -Infinity.
	IsInf Func = "isinf"
	// IsFinite: DOUBLE argument (the planner casts to DOUBLE first);
	// TRUE when neither NaN nor ±Infinity.
	IsFinite Func = "isfinite"
	// RegexpFullMatch: (value VARCHAR, pattern VARCHAR literal) — TRUE
	// when the whole value matches the pattern, in RE2 syntax (Go's
	// regexp, which dq validates the pattern with). A dialect whose regex
	// engine differs from RE2 on the pattern's features must not claim it.
	RegexpFullMatch Func = "regexp_full_match"
	// UTCTimestamp: (x TIMESTAMP WITH TIME ZONE) — the TIMESTAMP (without
	// zone) that x's instant shows in UTC, so that casting it to DATE gives
	// the UTC calendar day whatever the session's time zone.
	UTCTimestamp Func = "utc_timestamp"
)

// Spark's conversions of strings, as dq implements them (spec §6.6,
// §18 #29). A dialect renders these exactly or not at all.
const (
	// SparkTrim: the VARCHAR without leading and trailing ' ', '\t',
	// '\n' and '\r' (what Spark trims before parsing a string).
	SparkTrim Func = "spark_trim"
	// SparkDate: (x VARCHAR, already trimmed) — the DATE Spark's
	// CAST(x AS DATE) gives, NULL when x is not a date: x must fully
	// match ([0-9]{4,7})(-([0-9]{1,2})(-([0-9]{1,2})([ T][^\n]*)?)?)?
	// (ASCII digits; a missing month or day is 1; anything after a space
	// or 'T' is ignored), and year-month-day must be a day of the
	// proleptic Gregorian calendar from 0000-01-01 (year 0 is 1 BC, a
	// leap year) to 5881580-07-10, DuckDB's last day. A dialect whose
	// DATE ends earlier (PostgreSQL: 5874897-12-31) returns a date after
	// every date it can hold for the later ones (PostgreSQL's
	// 'infinity'), which orders the same against the planner's literals.
	SparkDate Func = "spark_date"
	// SparkBooleanText: (x VARCHAR, already trimmed) — TRUE when x is
	// one of t, true, y, yes, 1, f, false, n, no, 0 in any ASCII letter
	// case, FALSE otherwise, NULL for NULL. (No non-ASCII character has
	// a lower case among those letters, so DuckDB's Unicode lower() and
	// an ASCII-only one agree here.)
	SparkBooleanText Func = "spark_boolean_text"
	// IntegerText: (x VARCHAR, already trimmed; bits 32 or 64 as a Num)
	// — TRUE when x is [+-]?[0-9]+ (ASCII digits, leading zeros allowed)
	// and its value fits a signed integer of that many bits, FALSE
	// otherwise, NULL included (DuckDB's NULL AND FALSE).
	IntegerText Func = "integer_text"
	// DuckDBCastSucceeds: (x, type as a Str in DuckDB's spelling) — TRUE
	// when DuckDB's TRY_CAST(x AS type) is not NULL. DuckDB's parsing
	// rules (of numbers, timestamps, decimals) are its own; a dialect
	// claims this only for inputs where the cast cannot fail.
	DuckDBCastSucceeds Func = "try_cast (DuckDB's own parsing of text as numbers, decimals and timestamps)"
	// DuckDBStrptimeSucceeds: (x VARCHAR, strptime format as a Str) —
	// TRUE when DuckDB's TRY_STRPTIME(x, format) is not NULL.
	DuckDBStrptimeSucceeds Func = "try_strptime (DuckDB's date formats)"
	// DuckDBTimestampText: (x VARCHAR) — DuckDB's TRY_CAST(x AS
	// TIMESTAMP): its grammar (ISO dates, optional times and UTC offsets,
	// BC years, 'infinity'...) is DuckDB's own; then, for years 1 to 9999,
	// less the UTC offset the text ends with (UTCOffsetPattern), which the
	// cast reads but drops: a naive TIMESTAMP in UTC, the instant Spark
	// reads.
	DuckDBTimestampText Func = "try_cast to TIMESTAMP (DuckDB's own parsing of timestamps in text)"
	// HoursSince: (now as a Num of microseconds since the epoch, x
	// TIMESTAMP — naive, read as UTC — or TIMESTAMP WITH TIME ZONE) — the
	// hours from x to now as DuckDB computes
	// round((now - epoch_us(x)) / 3600000000.0, 2): the microsecond
	// difference converted to DOUBLE, divided by 3.6e9 in IEEE double,
	// then multiplied by 100, rounded half away from zero and divided by
	// 100 (C's round()).
	HoursSince Func = "hours_since"
)

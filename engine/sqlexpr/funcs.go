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

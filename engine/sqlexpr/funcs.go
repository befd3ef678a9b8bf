package sqlexpr

// Func names a function in the neutral language. Each dialect maps the
// functions it can express exactly to a renderer (Dialect.Funcs); one
// table per dialect, no string switches elsewhere.
type Func string

// Aggregates.
const (
	Count     Func = "count"      // count(x) non-NULL values; count(Star{}) rows
	Sum       Func = "sum"        // exact for integers, IEEE for doubles
	Avg       Func = "avg"        //
	Min       Func = "min"        //
	Max       Func = "max"        //
	StddevPop Func = "stddev_pop" // population standard deviation
	VarPop    Func = "var_pop"    // population variance
	Corr      Func = "corr"       // Pearson correlation of two arguments
)

// Scalar functions.
const (
	Length          Func = "length"            // characters (code points), not bytes
	Lower           Func = "lower"             //
	Upper           Func = "upper"             //
	Trim            Func = "trim"              // spaces at both ends
	Coalesce        Func = "coalesce"          //
	Greatest        Func = "greatest"          //
	Ln              Func = "ln"                // natural logarithm
	IsNaN           Func = "isnan"             // DOUBLE argument
	IsInf           Func = "isinf"             // DOUBLE argument
	IsFinite        Func = "isfinite"          // DOUBLE argument: neither NaN nor ±Inf
	RegexpFullMatch Func = "regexp_full_match" // (value, pattern): the whole value matches, RE2 syntax
)

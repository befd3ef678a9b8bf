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
		Length: call("length"), Lower: call("lower"), Upper: call("upper"), Trim: call("trim"),
		Coalesce: call("coalesce"), Greatest: call("greatest"), Ln: call("ln"),
		IsNaN: call("isnan"), IsInf: call("isinf"), IsFinite: call("isfinite"),
		RegexpFullMatch: call("regexp_full_match"),
		UTCTimestamp:    func(a []string) string { return "timezone('UTC', " + a[0] + ")" },
	},
	Raw: func(s string) (string, error) { return SparkIdentifiers(s, `"`), nil },
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

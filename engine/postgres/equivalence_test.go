package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"

	"github.com/dqlabs/dq/engine/sqlexpr"
)

// The dialect's promise is that a node renders, in PostgreSQL, to what
// DuckDB computes for it. This suite loads the engine's crosscheck
// datasets (and a few edge-case ones) into both engines and compares, for
// every metric expression the planner's rules are built from, the values
// the two return (rel. 1e-9; NULL, NaN and ±Inf exactly). An expression
// both engines refuse to run (an error in each) also agrees.

// extraDatasets add what the crosscheck data lacks: newlines, backslashes,
// regex metacharacters, integer division and zero divisors.
var extraDatasets = []struct{ name, sql string }{
	{"text", `SELECT * FROM (VALUES
		(1::BIGINT, 'a' || chr(10) || 'b', 3::BIGINT, 2::BIGINT),
		(2, 'ab' || chr(10), 7, 0),
		(3, 'a\b', -7, 2),
		(4, 'a.b', 0, 0),
		(5, '[x]', 5, -2),
		(6, 'it''s', NULL, 3),
		(7, 'ÉCOLE', 1, NULL),
		(8, 'ß', 9223372036854775807, 2),
		(9, 'a' || chr(13) || chr(10), 4, 4),
		(10, 'aaa', 6, 4),
		(11, 'İstanbul', 1, 1),
		(12, 'ǅ', 1, 1),
		(13, 'ΣΑΣ', 1, 1),
		(14, 'ﬁ', 1, 1)
	) t(id, s, i, k)`},
	// Strings Spark's conversions read: dates (leap days, year 0, 7-digit
	// years around DuckDB's and PostgreSQL's last days, times after a
	// space or 'T', a newline inside), integers (signs, leading zeros,
	// the 32- and 64-bit limits, Unicode digits), booleans (ASCII case,
	// Unicode look-alikes), blanks and NULL.
	{"parsed", `SELECT * FROM (VALUES
		(1::BIGINT, '2024-02-29'), (2, '2023-02-29'), (3, '1900-02-29'), (4, '2000-02-29'), (5, '0000-02-29'),
		(6, '0000-01-01'), (7, '0001-12-31'), (8, '2024'), (9, '2024-2'), (10, '2024-02-3 10:00'),
		(11, '2024-06-01T23:59:59Z'), (12, '2024-06-01 x' || chr(10) || 'y'), (13, '2024-06-01' || chr(10)),
		(14, ' 	2024-06-01 ' || chr(13)), (15, '42'), (16, '2024-13-01'), (17, '2024-00-10'), (18, '2024-04-31'),
		(19, '5874897-12-31'), (20, '5874898-01-01'), (21, '5881580-07-10'), (22, '5881580-07-11'), (23, '9999999-01-01'),
		(24, '２０２４-01-01'), (25, '2024-٠١-01'), (26, '2024-1-1-1'), (27, '2024-06-01T'), (28, '2024/06/01'),
		(29, ''), (30, '   '), (31, NULL), (32, '+12'), (33, '-0'), (34, '000000000000000000000000000042'),
		(35, '2147483647'), (36, '2147483648'), (37, '-2147483648'), (38, '-2147483649'), (39, '9223372036854775807'),
		(40, '9223372036854775808'), (41, '-9223372036854775808'), (42, '-9223372036854775809'), (43, '1.5'), (44, '+-1'),
		(45, '١٢'), (46, 'TRUE'), (47, 'yEs'), (48, 'ﬁ'), (49, 'İ'), (50, ' n '), (51, 'nO'), (52, 'Ｙ'), (53, 'truE '),
		(54, '1_000'), (55, '0x1F'), (56, '123456789012345678901234567890'), (57, 'ΣΑΣ ß ẞ'), (58, '2024-06-01 10:00:00+02'),
		(59, '1999-12-31T23:59:59.999999'), (60, '10000-01-01'), (61, '2024-06-01 11:59:42.5+05:30'),
		(62, '2024-06-01 24:00'), (63, '2024-06-01 10:00:60'), (64, '-infinity'), (65, '2024-06-01 10:00:00 UTC'),
		(66, '1.5e3'), (67, 'nan'), (68, '1_000'), (69, '2024-06-01 11:59:06.123456789'), (70, '0044-03-15 (BC) 12:00')
	) t(id, s)`},
	// DECIMAL values at the rounding edges of casts to narrower decimals
	// (DuckDB rounds half away from zero, then checks the width).
	{"decimals", `SELECT * FROM (VALUES
		(1::BIGINT, 99.95::DECIMAL(6,3)), (2, 99.949), (3, -99.95), (4, 0.995), (5, 0.994), (6, -0.995), (7, 0.125),
		(8, -0.05), (9, 999.999), (10, 0), (11, NULL)
	) t(id, x)`},
	// Instants near a UTC midnight; the PostgreSQL session runs in
	// America/New_York, so the UTC day must not follow the session.
	{"instants", `SELECT * FROM (VALUES
		(1::BIGINT, TIMESTAMPTZ '2024-06-01 00:30:00+00'),
		(2, TIMESTAMPTZ '2024-05-31 23:30:00+00'),
		(3, TIMESTAMPTZ '2024-06-01 03:30:00+05'),
		(4, TIMESTAMPTZ '2024-06-01 22:00:00-04'),
		(5, NULL)
	) t(id, inst)`},
	// Ages around the halves DataFreshness rounds at (now is
	// freshnessNow): 18 s = 0.005 h, 54 s = 0.015 h, 30 min, and
	// microseconds either side; a leap day; the future.
	{"ages", `SELECT * FROM (VALUES
		(1::BIGINT, TIMESTAMP '2024-06-01 11:59:42', TIMESTAMPTZ '2024-06-01 11:59:42+00', DATE '2024-05-31'),
		(2, TIMESTAMP '2024-06-01 11:59:06', TIMESTAMPTZ '2024-06-01 13:59:06+02', DATE '2024-02-29'),
		(3, TIMESTAMP '2024-06-01 11:59:41.999999', TIMESTAMPTZ '2024-06-01 07:59:42.000001-04', DATE '2024-06-01'),
		(4, TIMESTAMP '2024-06-01 11:30:00', TIMESTAMPTZ '2024-06-01 11:30:00+00', DATE '2024-06-02'),
		(5, TIMESTAMP '2024-06-01 12:00:18', TIMESTAMPTZ '2024-06-01 12:00:54+00', DATE '1970-01-01'),
		(6, TIMESTAMP '1999-12-31 23:59:59.5', TIMESTAMPTZ '2000-02-29 12:00:00+00', DATE '0001-01-01'),
		(7, NULL, NULL, NULL)
	) t(id, ts, tz, d)`},
}

// freshnessNow is the run's instant for HoursSince (the crosscheck's
// 2024-06-01 12:00 UTC).
var freshnessNow = float64(time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC).UnixMicro())

// freshness are DataFreshness's expressions on a timestamp: the rounded
// age itself (its sum over the rows compares every value) and
// comparisons at the durations' rounding points.
func freshness(ts sqlexpr.Node) []sqlexpr.Node {
	age := sqlexpr.Call{Fn: sqlexpr.HoursSince, Args: []sqlexpr.Node{sqlexpr.Num{V: freshnessNow}, ts}}
	out := []sqlexpr.Node{sqlexpr.Agg{Fn: sqlexpr.Sum, Args: []sqlexpr.Node{age}}, sqlexpr.Agg{Fn: sqlexpr.Max, Args: []sqlexpr.Node{age}},
		sqlexpr.Agg{Fn: sqlexpr.Min, Args: []sqlexpr.Node{age}}}
	for _, h := range []float64{0, 0.01, 0.02, 0.5, 24, 0.0167} {
		for _, op := range []sqlexpr.Op{sqlexpr.Le, sqlexpr.Gt, sqlexpr.Eq} {
			out = append(out, sqlexpr.Agg{Fn: sqlexpr.Count, Args: []sqlexpr.Node{sqlexpr.Star{}},
				Filter: sqlexpr.AndAll(sqlexpr.IsNull{X: ts, Negate: true}, sqlexpr.Binary{Op: op, L: age, R: sqlexpr.Num{V: h}})})
		}
	}
	return out
}

// parsedCases are Spark's string conversions on a VARCHAR: counts of the
// rows each accepts, and the dates compared with literals on each side
// of the edges (year 0, leap days, PostgreSQL's last date).
func parsedCases(x sqlexpr.Node) []sqlexpr.Node {
	count := func(f sqlexpr.Node) sqlexpr.Node {
		return sqlexpr.Agg{Fn: sqlexpr.Count, Args: []sqlexpr.Node{sqlexpr.Star{}}, Filter: f}
	}
	call := func(fn sqlexpr.Func, xs ...sqlexpr.Node) sqlexpr.Node { return sqlexpr.Call{Fn: fn, Args: xs} }
	t := call(sqlexpr.SparkTrim, x)
	date := call(sqlexpr.SparkDate, t)
	lit := func(d string) sqlexpr.Node { return sqlexpr.Cast{X: sqlexpr.Str{V: d}, To: sqlexpr.Date} }
	out := []sqlexpr.Node{
		count(sqlexpr.Binary{Op: sqlexpr.Eq, L: t, R: sqlexpr.Str{V: ""}}),
		sqlexpr.Agg{Fn: sqlexpr.Sum, Args: []sqlexpr.Node{call(sqlexpr.Length, t)}},
		count(sqlexpr.IsNull{X: date, Negate: true}),
		count(sqlexpr.IsNull{X: call(sqlexpr.SparkDate, x), Negate: true}),
		count(call(sqlexpr.SparkBooleanText, t)), count(sqlexpr.Not{X: call(sqlexpr.SparkBooleanText, t)}),
		count(call(sqlexpr.IntegerText, t, sqlexpr.Num{V: 32})), count(sqlexpr.Not{X: call(sqlexpr.IntegerText, t, sqlexpr.Num{V: 32})}),
		count(call(sqlexpr.IntegerText, t, sqlexpr.Num{V: 64})), count(sqlexpr.Not{X: call(sqlexpr.IntegerText, t, sqlexpr.Num{V: 64})}),
		count(call(sqlexpr.IntegerText, x, sqlexpr.Num{V: 64})),
		count(call(sqlexpr.DuckDBCastSucceeds, t, sqlexpr.Str{V: "TIMESTAMP"})),
		count(call(sqlexpr.DuckDBCastSucceeds, t, sqlexpr.Str{V: "DOUBLE"})),
		count(call(sqlexpr.DuckDBCastSucceeds, t, sqlexpr.Str{V: "FLOAT"})),
	}
	for _, d := range []string{"0001-01-01", "1900-03-01", "2000-02-29", "2024-02-29", "2024-06-01", "2024-06-02", "9999-12-31"} {
		for _, op := range []sqlexpr.Op{sqlexpr.Lt, sqlexpr.Eq, sqlexpr.Gt, sqlexpr.Ne} {
			out = append(out, count(sqlexpr.Binary{Op: op, L: date, R: lit(d)}))
		}
		out = append(out, count(sqlexpr.In{X: date, List: []sqlexpr.Node{lit(d), lit("2024-02-03")}, Negate: true}))
	}
	return out
}

// timestampTextCases are DataFreshness and date conditions with a time
// of day on strings. Each renders the long parser several times, so they
// run on the small extra datasets only; TestParseTextMatchesDuckDB
// compares the parser string by string.
func timestampTextCases(x sqlexpr.Node) []sqlexpr.Node {
	count := func(f sqlexpr.Node) sqlexpr.Node {
		return sqlexpr.Agg{Fn: sqlexpr.Count, Args: []sqlexpr.Node{sqlexpr.Star{}}, Filter: f}
	}
	ts := sqlexpr.Call{Fn: sqlexpr.DuckDBTimestampText, Args: []sqlexpr.Node{x}}
	var out []sqlexpr.Node
	out = append(out, freshness(ts)...)
	for _, d := range []string{"0001-01-01 00:00:00", "2024-06-01 10:00:00", "2024-06-01 11:59:42", "2024-06-02 00:00:00"} {
		lit := sqlexpr.Cast{X: sqlexpr.Str{V: d}, To: sqlexpr.Timestamp}
		for _, op := range []sqlexpr.Op{sqlexpr.Lt, sqlexpr.Eq, sqlexpr.Gt} {
			out = append(out, count(sqlexpr.Binary{Op: op, L: ts, R: lit}))
		}
	}
	return out
}

// nums and strs are the columns an expression family applies to.
func isNum(ty string) bool {
	return ty == "BIGINT" || ty == "INTEGER" || ty == "DOUBLE" || strings.HasPrefix(ty, "DECIMAL")
}

// regexPatterns cover the RE2 constructs FullMatchARE translates.
var regexPatterns = []string{
	`a`, `[a-z]+`, `.*`, `.+`, `\d+`, `-?\d+(\.\d+)?`, `(?i)a`, `(?i)école`, `é.`, `日本語`, `\s*`, `\S+`,
	`.`, `[^x]`, `[^x]*`, `(a|A)?`, `x{1,3}`, `a{2}`, `a{2,}`, `\p{L}+`, `\pL\PL`, `a\\b`, `a\.b`, `\[x\]`,
	`it's`, `a.b`, `(?s)a.b`, `a\nb`, `ab\n`, `ab$`, `^ab`, `a*?b`, `[[:alpha:]]+`, `[\w]+`, `\w+`, `ü|ab`,
	`a|b|`, `()`, `(?:a)(?:b)?`, `[a-c&&]`, `\x{1F600}`, `.*😀`, `\Qa.b\E`,
}

// exprCases are the metric expressions for a dataset with these columns.
func exprCases(cols, types []string) []sqlexpr.Node {
	var out []sqlexpr.Node
	count := func(filter sqlexpr.Node) sqlexpr.Node {
		return sqlexpr.Agg{Fn: sqlexpr.Count, Args: []sqlexpr.Node{sqlexpr.Star{}}, Filter: filter}
	}
	agg := func(fn sqlexpr.Func, x sqlexpr.Node) sqlexpr.Node {
		return sqlexpr.Agg{Fn: fn, Args: []sqlexpr.Node{x}}
	}
	call := func(fn sqlexpr.Func, xs ...sqlexpr.Node) sqlexpr.Node { return sqlexpr.Call{Fn: fn, Args: xs} }
	dbl := func(x sqlexpr.Node) sqlexpr.Node { return sqlexpr.Cast{X: x, To: sqlexpr.Double} }
	bin := func(op sqlexpr.Op, l, r sqlexpr.Node) sqlexpr.Node { return sqlexpr.Binary{Op: op, L: l, R: r} }
	num := func(f float64) sqlexpr.Node { return sqlexpr.Num{V: f} }
	out = append(out, count(nil))
	var numCols []sqlexpr.Node
	for i, c := range cols {
		x := sqlexpr.Col{Name: c}
		switch ty := types[i]; {
		case isNum(ty):
			numCols = append(numCols, x)
			for _, fn := range []sqlexpr.Func{sqlexpr.Count, sqlexpr.Sum, sqlexpr.Avg, sqlexpr.Min, sqlexpr.Max, sqlexpr.StddevPop, sqlexpr.VarPop} {
				out = append(out, agg(fn, x), agg(fn, dbl(x)))
			}
			for _, d := range []string{"DECIMAL(3,1)", "DECIMAL(2,2)", "DECIMAL(18,0)", "DECIMAL(19,0)", "DECIMAL(38,20)", "DECIMAL(10,0)"} {
				out = append(out, count(call(sqlexpr.DuckDBCastSucceeds, x, sqlexpr.Str{V: d})))
			}
			out = append(out,
				count(call(sqlexpr.IsNaN, dbl(x))), count(call(sqlexpr.IsInf, dbl(x))), count(call(sqlexpr.IsFinite, dbl(x))),
				count(sqlexpr.Not{X: call(sqlexpr.IsFinite, dbl(x))}),
				count(bin(sqlexpr.Gt, x, num(2.5))), count(bin(sqlexpr.Le, x, num(3))),
				count(bin(sqlexpr.Eq, dbl(x), num(math.NaN()))), count(bin(sqlexpr.Lt, dbl(x), num(math.Inf(1)))),
				count(bin(sqlexpr.Gt, dbl(x), num(math.Inf(-1)))),
				count(sqlexpr.In{X: dbl(x), List: []sqlexpr.Node{num(1), num(3), num(math.NaN())}}),
				count(sqlexpr.In{X: x, List: []sqlexpr.Node{num(1), num(5)}, Negate: true}),
				agg(sqlexpr.Sum, bin(sqlexpr.Div, x, num(3))),
				agg(sqlexpr.Sum, bin(sqlexpr.Div, x, x)),
				agg(sqlexpr.Max, call(sqlexpr.Greatest, x, num(0))),
				agg(sqlexpr.Sum, sqlexpr.Case{Whens: []sqlexpr.When{{Cond: sqlexpr.IsNull{X: x}, Then: num(1)}}, Else: num(0)}),
				agg(sqlexpr.Sum, call(sqlexpr.Coalesce, x, num(-1))),
				agg(sqlexpr.Avg, bin(sqlexpr.Mul, x, num(0.1))),
				bin(sqlexpr.Div, agg(sqlexpr.Sum, x), count(nil)),
				bin(sqlexpr.Div, count(bin(sqlexpr.Gt, x, num(0))), count(nil)),
			)
		case ty == "VARCHAR":
			l := call(sqlexpr.Length, x)
			out = append(out, agg(sqlexpr.Count, x), agg(sqlexpr.Sum, l), agg(sqlexpr.Min, l), agg(sqlexpr.Max, l),
				agg(sqlexpr.Avg, l), agg(sqlexpr.StddevPop, l),
				count(bin(sqlexpr.Eq, call(sqlexpr.Trim, x), sqlexpr.Str{V: ""})),
				count(sqlexpr.In{X: x, List: []sqlexpr.Node{sqlexpr.Str{V: "a"}, sqlexpr.Str{V: "x"}, sqlexpr.Str{V: "it's"}, sqlexpr.Str{V: `a\b`}, sqlexpr.Str{V: "日本語"}}}),
				count(bin(sqlexpr.Eq, call(sqlexpr.Coalesce, x, sqlexpr.Str{V: "zz"}), sqlexpr.Str{V: "zz"})),
				count(bin(sqlexpr.Lt, x, sqlexpr.Str{V: "b"})),
				agg(sqlexpr.Sum, call(sqlexpr.Length, call(sqlexpr.Lower, x))),
				agg(sqlexpr.Sum, call(sqlexpr.Length, call(sqlexpr.Upper, x))),
				count(bin(sqlexpr.Eq, call(sqlexpr.Lower, x), sqlexpr.Str{V: "école"})),
				count(bin(sqlexpr.Eq, call(sqlexpr.Upper, x), sqlexpr.Str{V: "SS"})),
				count(bin(sqlexpr.Eq, call(sqlexpr.Upper, x), sqlexpr.Str{V: "ÉCOLE"})),
				count(bin(sqlexpr.Eq, call(sqlexpr.Lower, x), x)),
				count(bin(sqlexpr.Eq, call(sqlexpr.Upper, x), x)),
			)
			out = append(out, parsedCases(x)...)
			if c == "s" { // the extra datasets' text column
				out = append(out, timestampTextCases(x)...)
			}
			for _, p := range regexPatterns {
				out = append(out, count(call(sqlexpr.RegexpFullMatch, x, sqlexpr.Str{V: p})))
			}
		case ty == "DATE":
			out = append(out, count(call(sqlexpr.DuckDBCastSucceeds, x, sqlexpr.Str{V: "TIMESTAMP"})))
			out = append(out, freshness(sqlexpr.Cast{X: x, To: sqlexpr.Timestamp})...)
			out = append(out, agg(sqlexpr.Count, x),
				count(bin(sqlexpr.Gt, x, sqlexpr.Cast{X: sqlexpr.Str{V: "2024-05-31"}, To: sqlexpr.Date})),
				count(bin(sqlexpr.Ge, sqlexpr.Cast{X: x, To: sqlexpr.Timestamp}, sqlexpr.Cast{X: sqlexpr.Str{V: "2024-06-01 00:00:00"}, To: sqlexpr.Timestamp})))
		case ty == "TIMESTAMP":
			out = append(out, count(call(sqlexpr.DuckDBCastSucceeds, x, sqlexpr.Str{V: "DATE"})))
			out = append(out, freshness(x)...)
			out = append(out, agg(sqlexpr.Count, x),
				count(bin(sqlexpr.Ge, x, sqlexpr.Cast{X: sqlexpr.Str{V: "2024-06-01 00:00:00"}, To: sqlexpr.Timestamp})),
				count(bin(sqlexpr.Lt, sqlexpr.Cast{X: x, To: sqlexpr.Date}, sqlexpr.Cast{X: sqlexpr.Str{V: "2024-06-01"}, To: sqlexpr.Date})))
		case ty == "TIMESTAMP WITH TIME ZONE":
			out = append(out, freshness(x)...)
			utcDay := sqlexpr.Cast{X: call(sqlexpr.UTCTimestamp, x), To: sqlexpr.Date}
			out = append(out, agg(sqlexpr.Count, x),
				count(bin(sqlexpr.Eq, utcDay, sqlexpr.Cast{X: sqlexpr.Str{V: "2024-06-01"}, To: sqlexpr.Date})),
				count(bin(sqlexpr.Ge, x, sqlexpr.Cast{X: sqlexpr.Str{V: "2024-06-01 00:00:00+00"}, To: sqlexpr.TimestampTZ})),
				count(bin(sqlexpr.Lt, call(sqlexpr.UTCTimestamp, x), sqlexpr.Cast{X: sqlexpr.Str{V: "2024-06-01 12:00:00"}, To: sqlexpr.Timestamp})))
		case ty == "BOOLEAN":
			out = append(out, count(bin(sqlexpr.Eq, x, sqlexpr.Bool{V: true})), count(sqlexpr.Not{X: x}),
				count(call(sqlexpr.Coalesce, x, sqlexpr.Bool{V: false})), count(sqlexpr.IsNull{X: x, Negate: true}))
		}
	}
	for i := 0; i+1 < len(numCols); i++ {
		out = append(out, sqlexpr.Agg{Fn: sqlexpr.Corr, Args: []sqlexpr.Node{dbl(numCols[i]), dbl(numCols[i+1])}},
			sqlexpr.Agg{Fn: sqlexpr.Corr, Args: []sqlexpr.Node{numCols[i], numCols[i+1]}, Filter: sqlexpr.IsNull{X: numCols[0], Negate: true}},
			sqlexpr.Agg{Fn: sqlexpr.Sum, Args: []sqlexpr.Node{bin(sqlexpr.Div, numCols[i], numCols[i+1])}},
			sqlexpr.Agg{Fn: sqlexpr.Max, Args: []sqlexpr.Node{call(sqlexpr.Greatest, numCols[i], numCols[i+1])}})
	}
	return out
}

func TestDialectMatchesDuckDB(t *testing.T) {
	c := shared.Cluster(t)
	db := c.NewDB(t)
	conn := c.Conn(t, db)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "SET standard_conforming_strings = on; SET TimeZone = 'America/New_York'"); err != nil {
		t.Fatal(err)
	}
	var compared, bothErr, unsupported int
	unsupportedWhat := map[string]bool{}
	for _, ds := range append(crosscheckDatasets(t), extraDatasets...) {
		l := loadBoth(t, conn, ds.name, ds.sql)
		from := " FROM " + quoteIdent(ds.name)
		pg := typedDialect(Dialect(), func(c string) (string, bool) {
			for i, n := range l.cols {
				if n == c {
					return l.types[i], true
				}
			}
			return "", false
		})
		// Render every expression; run them all in one statement per
		// engine, and one by one only when that statement fails.
		var dqs, pqs []string
		for _, n := range exprCases(l.cols, l.types) {
			dq, err := sqlexpr.DuckDB().Render(n)
			if err != nil {
				t.Fatalf("DuckDB render: %v", err)
			}
			pq, err := pg.Render(n)
			if err != nil {
				if _, ok := err.(*sqlexpr.Unsupported); !ok {
					t.Errorf("%s: PostgreSQL render of %s: %v", ds.name, dq, err)
				}
				unsupported++
				unsupportedWhat[err.Error()] = true
				continue
			}
			dqs, pqs = append(dqs, dq), append(pqs, pq)
		}
		dvs, derr := duckValues(l.duck, "SELECT "+strings.Join(dqs, ", ")+from)
		pvs, perr := pgValues(ctx, conn, "SELECT "+strings.Join(pqs, ", ")+from)
		if derr != nil || perr != nil {
			t.Logf("%s: comparing one by one (DuckDB: %v; PostgreSQL: %v)", ds.name, derr, perr)
		}
		for i := range dqs {
			var dv, pv value
			if derr == nil && perr == nil {
				dv, pv = dvs[i], pvs[i]
			} else {
				var de, pe error
				dv, de = duckValue(l.duck, "SELECT "+dqs[i]+from)
				pv, pe = pgValue(ctx, conn, "SELECT "+pqs[i]+from)
				switch {
				case de != nil && pe != nil:
					bothErr++
					continue
				case de != nil || pe != nil:
					t.Errorf("%s: only one engine failed\n DuckDB     %s: %v\n PostgreSQL %s: %v", ds.name, dqs[i], de, pqs[i], pe)
					continue
				}
			}
			compared++
			if !same(dv, pv) {
				t.Errorf("%s: values differ\n DuckDB     %s = %v\n PostgreSQL %s = %v", ds.name, dqs[i], show(dv), pqs[i], show(pv))
			}
		}
	}
	t.Logf("%d expressions agree, %d fail in both engines, %d unsupported in PostgreSQL", compared, bothErr, unsupported)
	for w := range unsupportedWhat {
		t.Logf("unsupported: %s", w)
	}
	if compared < 500 {
		t.Errorf("only %d expressions compared", compared)
	}
}

// value is a result: NULL is Valid false.
type value = sql.NullFloat64

func show(v value) string {
	if !v.Valid {
		return "NULL"
	}
	return fmt.Sprint(v.Float64)
}

func same(a, b value) bool {
	if a.Valid != b.Valid {
		return false
	}
	if !a.Valid {
		return true
	}
	x, y := a.Float64, b.Float64
	switch {
	case math.IsNaN(x) || math.IsNaN(y):
		return math.IsNaN(x) && math.IsNaN(y)
	case math.IsInf(x, 0) || math.IsInf(y, 0):
		return x == y
	case x == y:
		return true
	}
	return math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))
}

func duckValues(db *sql.DB, q string) ([]value, error) {
	rows, err := db.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		return nil, fmt.Errorf("no row: %v", rows.Err())
	}
	raw := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	out := make([]value, len(raw))
	for i, v := range raw {
		if out[i], err = duckConv(v); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

func pgValues(ctx context.Context, conn *pgx.Conn, q string) ([]value, error) {
	rows, err := conn.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, fmt.Errorf("no row: %v", rows.Err())
	}
	vals, err := rows.Values()
	if err != nil {
		return nil, err
	}
	out := make([]value, len(vals))
	for i, v := range vals {
		f, ok, err := toFloat(v)
		if err != nil {
			return nil, err
		}
		out[i] = value{Float64: f, Valid: ok}
	}
	rows.Close()
	return out, rows.Err()
}

func duckValue(db *sql.DB, q string) (value, error) {
	var v any
	if err := db.QueryRow(q).Scan(&v); err != nil {
		return value{}, err
	}
	return duckConv(v)
}

func duckConv(v any) (value, error) {
	switch v := v.(type) {
	case *big.Int:
		f, _ := new(big.Float).SetInt(v).Float64()
		return value{Float64: f, Valid: true}, nil
	case duckdb.Decimal:
		return value{Float64: v.Float64(), Valid: true}, nil
	}
	f, ok, err := toFloat(v)
	return value{Float64: f, Valid: ok}, err
}

func pgValue(ctx context.Context, conn *pgx.Conn, q string) (value, error) {
	rows, err := conn.Query(ctx, q)
	if err != nil {
		return value{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		return value{}, fmt.Errorf("no row: %v", rows.Err())
	}
	vals, err := rows.Values()
	if err != nil {
		return value{}, err
	}
	f, ok, err := toFloat(vals[0])
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	return value{Float64: f, Valid: ok}, err
}

// The translate() tables of lower and upper are DuckDB's mapping, code
// point by code point (every Unicode scalar value).
func TestCaseTablesMatchDuckDB(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, upper := range []bool{false, true} {
		fn := "lower"
		if upper {
			fn = "upper"
		}
		rows, err := db.Query("SELECT i, " + fn + "(chr(i::INTEGER)) FROM range(1, 1114112) t(i) WHERE i NOT BETWEEN 55296 AND 57343")
		if err != nil {
			t.Fatal(err)
		}
		m := CaseMapping(upper)
		var n, bad int
		for rows.Next() {
			var i int64
			var got string
			if err := rows.Scan(&i, &got); err != nil {
				t.Fatal(err)
			}
			n++
			if want := string(m(rune(i))); got != want {
				if bad++; bad <= 10 {
					t.Errorf("%s(U+%04X): DuckDB %q, dq's table %q", fn, i, got, want)
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if n < 1100000 || bad > 0 {
			t.Errorf("%s: %d code points, %d differ", fn, n, bad)
		}
	}
}

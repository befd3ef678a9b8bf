package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"

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
	// Instants near a UTC midnight; the PostgreSQL session runs in
	// America/New_York, so the UTC day must not follow the session.
	{"instants", `SELECT * FROM (VALUES
		(1::BIGINT, TIMESTAMPTZ '2024-06-01 00:30:00+00'),
		(2, TIMESTAMPTZ '2024-05-31 23:30:00+00'),
		(3, TIMESTAMPTZ '2024-06-01 03:30:00+05'),
		(4, TIMESTAMPTZ '2024-06-01 22:00:00-04'),
		(5, NULL)
	) t(id, inst)`},
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
			for _, p := range regexPatterns {
				out = append(out, count(call(sqlexpr.RegexpFullMatch, x, sqlexpr.Str{V: p})))
			}
		case ty == "DATE":
			out = append(out, agg(sqlexpr.Count, x),
				count(bin(sqlexpr.Gt, x, sqlexpr.Cast{X: sqlexpr.Str{V: "2024-05-31"}, To: sqlexpr.Date})),
				count(bin(sqlexpr.Ge, sqlexpr.Cast{X: x, To: sqlexpr.Timestamp}, sqlexpr.Cast{X: sqlexpr.Str{V: "2024-06-01 00:00:00"}, To: sqlexpr.Timestamp})))
		case ty == "TIMESTAMP":
			out = append(out, agg(sqlexpr.Count, x),
				count(bin(sqlexpr.Ge, x, sqlexpr.Cast{X: sqlexpr.Str{V: "2024-06-01 00:00:00"}, To: sqlexpr.Timestamp})),
				count(bin(sqlexpr.Lt, sqlexpr.Cast{X: x, To: sqlexpr.Date}, sqlexpr.Cast{X: sqlexpr.Str{V: "2024-06-01"}, To: sqlexpr.Date})))
		case ty == "TIMESTAMP WITH TIME ZONE":
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
	pg := Dialect()
	var compared, bothErr, unsupported int
	unsupportedWhat := map[string]bool{}
	for _, ds := range append(crosscheckDatasets(t), extraDatasets...) {
		l := loadBoth(t, conn, ds.name, ds.sql)
		from := " FROM " + quoteIdent(ds.name)
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

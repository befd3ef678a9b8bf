package engine

import (
	"database/sql"
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// The crosscheck datasets. Each is a DuckDB SELECT written to Parquet and
// read back row by row, so that the oracle sees exactly the values (and
// the types) the engine reads, but computes every metric in plain Go.

// cxSchema is the column list of the "mixed" family of datasets; the
// empty and one-row datasets reuse it so that every rule applies to all.
const cxMixedRows = `SELECT * FROM (VALUES
	(1::BIGINT, 1.5::DOUBLE, 5::BIGINT, 'a', 'x', 1.10::DECIMAL(10,2), DATE '2024-05-30', TIMESTAMP '2024-06-01 11:30:00', true, '1', '2024-01-01', 1.0::DOUBLE, 'p', 10::BIGINT, 'ü'),
	(2, NULL, 5, 'A', 'y', 2.25, DATE '2024-06-01', TIMESTAMP '2024-06-01 06:00:00', false, '2', '2024-1-5', 2.0, 'q', 10, 'ü'),
	(3, 3.0, NULL, '', 'x', NULL, NULL, NULL, NULL, 'x', '2024-13-01', 2.0, NULL, NULL, NULL),
	(4, 3.0, 9223372036854775807, '   ', NULL, 2.25, DATE '2024-01-01', TIMESTAMP '2024-05-31 12:00:00', true, NULL, '2024', 4.0, 'p', 20, '日本語'),
	(5, 'NaN', 0, chr(9), 'z', -3.50, DATE '2023-12-31', TIMESTAMP '2024-05-01 00:00:00', true, ' 42 ', '2024-02', 5.0, 'r', 30, 'é😀'),
	(6, -2.0, -7, 'é😀', 'x', 0.00, DATE '2024-06-02', TIMESTAMP '2024-06-02 00:00:00', false, '1.5', '01-02-2024', 6.5, 'p', 40, 'ab'),
	(7, NULL, 5, '日本語', 'y', 100.01, DATE '2024-05-31', TIMESTAMP '2024-06-01 11:59:00', true, '-3', NULL, 7.0, 's', 50, ''),
	(8, 10.0, 1, NULL, NULL, NULL, DATE '2024-05-25', TIMESTAMP '2024-05-29 23:59:59', true, 'true', 'x', 9.0, 't', NULL, 'ab')
) t(id, n, i, s, c, "dec", d, ts, b, sn, sd, y, "my col", "q""t.x", "ünï")`

// cxDatasets returns the SQL of every dataset, by name.
func cxDatasets() []struct{ name, sql string } {
	return []struct{ name, sql string }{
		{"mixed", cxMixedRows},
		{"empty", `SELECT * FROM (` + cxMixedRows + `) WHERE false`},
		{"one", `SELECT * FROM (` + cxMixedRows + `) WHERE id = 1`},
		{"allnull", `SELECT range + 1 AS id, NULL::DOUBLE AS n, NULL::BIGINT AS i, NULL::VARCHAR AS s, NULL::VARCHAR AS c,
			NULL::DECIMAL(10,2) AS "dec", NULL::DATE AS d, NULL::TIMESTAMP AS ts, NULL::BOOLEAN AS b, NULL::VARCHAR AS sn,
			NULL::VARCHAR AS sd, NULL::DOUBLE AS y, NULL::VARCHAR AS "my col", NULL::BIGINT AS "q""t.x", NULL::VARCHAR AS "ünï"
			FROM range(4)`},
		{"naninf", `SELECT * FROM (VALUES
			(1::BIGINT, 1.0::DOUBLE, 1.0::DOUBLE, 'k', 'a'),
			(2, 'inf', 2.0, 'k', 'a'),
			(3, '-inf', 3.0, 'k', NULL),
			(4, 'nan', 4.0, 'k', NULL),
			(5, 'nan', 5.0, 'k', 'b'),
			(6, NULL, 6.0, 'k', 'b')
		) t(id, n, y, s, c)`},
		{"finite", `SELECT * FROM (VALUES
			(1::BIGINT, 2.0::DOUBLE, 1.0::DOUBLE, 'x', 'a'),
			(2, 4.0, 3.0, 'y', 'a'),
			(3, 4.0, 2.0, 'x', NULL),
			(4, 5.0, 5.0, 'z', 'b'),
			(5, 5.0, NULL, 'x', 'c'),
			(6, 7.0, 4.0, 'w', 'c'),
			(7, 9.0, 8.0, 'x', NULL)
		) t(id, n, y, s, c)`},
		{"const", `SELECT range + 1 AS id, 3.0::DOUBLE AS n, (range % 2)::DOUBLE AS y, 'same' AS s, 'same' AS c FROM range(5)`},
		{"dups", `SELECT * FROM (VALUES
			(1::BIGINT, 'x', 1::BIGINT), (2, 'x', 1), (3, 'x', NULL), (4, NULL, NULL), (5, NULL, NULL),
			(6, 'y', NULL), (7, NULL, 2), (8, 'z', 3), (9, 'y', NULL)
		) t(id, a, k)`},
	}
}

type cxCol struct{ name, typ string }

// cxData is a dataset as the oracle sees it: the column types DuckDB reads
// from the Parquet file and every row's values.
type cxData struct {
	name string
	path string
	cols []cxCol
	rows [][]any
}

func (d *cxData) idx(name string) int {
	for i, c := range d.cols {
		if c.name == name {
			return i
		}
	}
	return -1
}

func (d *cxData) has(name string) bool { return d.idx(name) >= 0 }

// hasFold reports whether a column equals name ignoring case.
func (d *cxData) hasFold(name string) bool {
	for _, c := range d.cols {
		if strings.EqualFold(c.name, name) {
			return true
		}
	}
	return false
}

func (d *cxData) typ(name string) string { return d.cols[d.idx(name)].typ }

// loadCx writes a dataset to Parquet and reads it back with database/sql.
func loadCx(t *testing.T, name, query string) *cxData {
	t.Helper()
	p := writeParquet(t, name, query)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d := &cxData{name: name, path: p}
	rows, err := db.Query("DESCRIBE SELECT * FROM read_parquet(" + QuoteString(p) + ")")
	if err != nil {
		t.Fatalf("describing %s: %v", name, err)
	}
	for rows.Next() {
		var cn, ct string
		var x1, x2, x3, x4 any
		if err := rows.Scan(&cn, &ct, &x1, &x2, &x3, &x4); err != nil {
			t.Fatal(err)
		}
		d.cols = append(d.cols, cxCol{cn, ct})
	}
	rows.Close()
	rows, err = db.Query("SELECT * FROM read_parquet(" + QuoteString(p) + ") ORDER BY 1")
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	defer rows.Close()
	for rows.Next() {
		vals := make([]any, len(d.cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		d.rows = append(d.rows, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return d
}

// cxNum converts a numeric cell to float64 (Deequ casts to double).
func cxNum(v any) (float64, bool) {
	switch x := v.(type) {
	case nil:
		return 0, false
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case int16:
		return float64(x), true
	case int8:
		return float64(x), true
	case uint64:
		return float64(x), true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	case duckdb.Decimal:
		return x.Float64(), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	panic(fmt.Sprintf("cxNum: unexpected %T", v))
}

// cxStr is a cell as Spark's CAST(... AS STRING) prints it (for the
// types the datasets use).
func cxStr(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case int64:
		return fmt.Sprint(x), true
	case bool:
		return fmt.Sprint(x), true
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN", true
		case math.IsInf(x, 1):
			return "Infinity", true
		case math.IsInf(x, -1):
			return "-Infinity", true
		}
		return javaDouble(x), true
	case duckdb.Decimal:
		// Spark prints a decimal with all its scale digits: 1.10, 0.00.
		digits := new(big.Int).Abs(x.Value).String()
		for len(digits) <= int(x.Scale) {
			digits = "0" + digits
		}
		out := digits
		if x.Scale > 0 {
			out = digits[:len(digits)-int(x.Scale)] + "." + digits[len(digits)-int(x.Scale):]
		}
		if x.Value.Sign() < 0 {
			out = "-" + out
		}
		return out, true
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 {
			return x.Format("2006-01-02"), true
		}
		return x.Format("2006-01-02 15:04:05"), true
	}
	panic(fmt.Sprintf("cxStr: unexpected %T", v))
}

// cxKey is a grouping key: equal values (Spark's GROUP BY equality,
// where all NaNs are one group and -0.0 = 0.0) give equal keys.
func cxKey(v any) string {
	switch x := v.(type) {
	case nil:
		return "\x00NULL"
	case float64, float32, duckdb.Decimal, *big.Int:
		f, _ := cxNum(x)
		if f == 0 {
			f = 0
		}
		if math.IsNaN(f) {
			return "n:NaN"
		}
		return "n:" + fmt.Sprint(f)
	case int64:
		return "n:" + fmt.Sprint(x)
	case time.Time:
		return "t:" + x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%T:%v", v, v)
}

package engine

import (
	"database/sql"
	"math"
	"strings"
	"testing"

	"github.com/dqlabs/dq/engine/sqlexpr"
)

// TestListMembershipMatchesIn runs listMembership's range form and the
// plain IN list side by side in DuckDB, on every integer type, with NULLs
// and each type's extremes, and requires the same three-valued answer on
// every row.
func TestListMembershipMatchesIn(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Candidate values as text, cast to each type with TRY_CAST: the ones a
	// type cannot hold become NULLs, which the test wants too.
	vals := []string{"NULL", "-170141183460469231731687303715884105728", "-9223372036854775808",
		"-9007199254740993", "-9007199254740992", "-9007199254740991", "-129", "-128", "-4", "-3", "-2",
		"-1", "0", "1", "2", "3", "4", "5", "6", "7", "127", "128", "254", "255", "256", "257",
		"65535", "65536", "4294967295", "9007199254740990", "9007199254740991", "9007199254740992",
		"9007199254740993", "9223372036854775807", "18446744073709551615",
		"170141183460469231731687303715884105727", "340282366920938463463374607431768211455"}
	lists := [][]float64{
		{0, 1, 2, 3, 4, 5, 6},
		{6, 4, 5, 0, 2, 1, 3}, // unsorted
		{1, 1, 2, 2, 3, 1},    // repeats
		{-3, -2, -1, 0},       // negative, below unsigned types
		{254, 255, 256, 257},  // across UTINYINT's top
		{127, 128},            // across TINYINT's top
		{-129, -128},          // across TINYINT's bottom
		{9007199254740989, 9007199254740990, 9007199254740991}, // up to 2^53-1
		{-9007199254740991, -9007199254740990},
		{9007199254740990, 9007199254740991, 9007199254740992}, // 2^53 renders as a DOUBLE: stays IN
		{-9007199254740992, -9007199254740991},
		{9007199254740992, 9007199254740993},
		{1, 3},     // not consecutive: stays IN
		{1.5, 2.5}, // not whole: stays IN
		{2, 2.5, 3},
		{5},
		{math.Inf(1), math.Inf(-1)},
	}
	types := []string{"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
		"USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}
	ranges := 0
	for _, typ := range types {
		rows := make([]string, len(vals))
		for i, v := range vals {
			rows[i] = "(TRY_CAST(" + QuoteString(v) + " AS " + typ + "))"
		}
		if _, err := db.Exec("CREATE OR REPLACE TABLE t AS SELECT * FROM (VALUES " + strings.Join(rows, ", ") + ") v(x)"); err != nil {
			t.Fatal(err)
		}
		for _, xs := range lists {
			for _, negated := range []bool{false, true} {
				lits := make([]expr, len(xs))
				for i, x := range xs {
					lits[i] = num(x)
				}
				plain := duck(sqlexpr.In{X: col("x"), List: lits, Negate: negated})
				got := duck(listMembership(col("x"), xs, integerType(typ), negated))
				if strings.Contains(got, ">=") {
					ranges++
				}
				want, wantErr := answers(db, plain)
				have, haveErr := answers(db, got)
				// DuckDB refuses some pairs of type and literal (UHUGEINT
				// with negative numbers): then both forms must fail.
				if (wantErr == nil) != (haveErr == nil) || len(want) != len(have) {
					t.Errorf("%s %v negated=%v: %s gives %v (error %v), %s gives %v (error %v)", typ, xs, negated, plain, want, wantErr, got, have, haveErr)
					continue
				}
				if wantErr == nil && len(want) != len(vals) {
					t.Errorf("%s: %d rows", typ, len(want))
				}
				for i := range want {
					if want[i] != have[i] {
						t.Errorf("%s %v negated=%v, row %d: %s gives %v, %s gives %v", typ, xs, negated, i, plain, want[i], got, have[i])
					}
				}
			}
		}
	}
	// 9 lists per type are consecutive whole numbers within ±2^53.
	if want := 9 * 2 * len(types); ranges != want {
		t.Errorf("%d range forms, want %d", ranges, want)
	}
}

// TestListMembershipForms pins which lists become ranges.
func TestListMembershipForms(t *testing.T) {
	for _, c := range []struct {
		xs      []float64
		whole   bool
		negated bool
		want    string
	}{
		{[]float64{0, 1, 2, 3, 4, 5, 6}, true, false, `(("p" >= 0) AND ("p" <= 6))`},
		{[]float64{3, 2, 2, 1}, true, true, `(NOT (("p" >= 1) AND ("p" <= 3)))`},
		{[]float64{0, 1, 2}, false, false, `("p" IN (0, 1, 2))`}, // a DOUBLE column holds 0.5
		{[]float64{1, 2, 4}, true, false, `("p" IN (1, 2, 4))`},
		{[]float64{7}, true, false, `("p" IN (7))`},
	} {
		if got := duck(listMembership(col("p"), c.xs, c.whole, c.negated)); got != c.want {
			t.Errorf("listMembership(%v, whole=%v, negated=%v) = %s, want %s", c.xs, c.whole, c.negated, got, c.want)
		}
	}
	// A computed value would be computed twice: it stays IN.
	l := call(sqlexpr.Length, col("s"))
	if got, want := duck(listMembership(l, []float64{0, 1}, true, false)), `(length("s") IN (0, 1))`; got != want {
		t.Errorf("listMembership(length) = %s, want %s", got, want)
	}
	for typ, want := range map[string]bool{"BIGINT": true, "int4": true, "UHUGEINT": true,
		"DOUBLE": false, "DECIMAL(10,0)": false, "FLOAT": false, "VARCHAR": false} {
		if integerType(typ) != want {
			t.Errorf("integerType(%q) = %v", typ, !want)
		}
	}
}

// answers is the predicate p's value on every row of t, in order.
func answers(db *sql.DB, p string) ([]sql.NullBool, error) {
	rows, err := db.Query("SELECT " + p + " FROM t ORDER BY rowid")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sql.NullBool
	for rows.Next() {
		var b sql.NullBool
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

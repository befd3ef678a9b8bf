// Package scalegen writes inputs that stress dq's planning at scale rather
// than its scan speed: rulesets with thousands of rules whose where clauses
// all differ, and CSV files with thousands of columns. Both are
// deterministic, so a measurement can be repeated.
package scalegen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

// ruleKinds are the rule shapes ManyWhereRules cycles through, on columns of
// the taxi schema (testdata/taxi/sample.parquet). %s is the where clause.
// They cover the fused aggregate (counts, moments, min/max of lengths), the
// grouping scans (Uniqueness, DistinctValuesCount) and string predicates.
var ruleKinds = []string{
	`Completeness "passenger_count" > 0.5 where "%s"`,
	`ColumnValues "fare_amount" >= -1000 where "%s"`,
	`Mean "tip_amount" between -1000 and 1000 where "%s"`,
	`IsComplete "VendorID" where "%s"`,
	`ColumnValues "store_and_fwd_flag" in ["Y", "N"] where "%s" with threshold >= 0.5`,
	`StandardDeviation "fare_amount" < 100000 where "%s"`,
	`Sum "total_amount" > -1000000000 where "%s"`,
	`ColumnLength "store_and_fwd_flag" <= 1 where "%s"`,
	`Uniqueness "PULocationID" >= 0 where "%s"`,
	`DistinctValuesCount "payment_type" >= 0 where "%s"`,
}

// ManyWhereRules returns a DQDL ruleset of n rules over the taxi schema in
// which no two rules share a where clause.
func ManyWhereRules(n int) string {
	var b strings.Builder
	b.WriteString("Rules = [\n")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		// Thresholds spread over the fare range, so that filters select
		// different (and sometimes no) rows.
		where := fmt.Sprintf("fare_amount > %d.%02d", i/100-5, i%100)
		if i%3 == 1 {
			where = fmt.Sprintf("trip_distance < %d.%02d OR PULocationID = %d", i/100, i%100, i%265)
		}
		b.WriteString("    ")
		fmt.Fprintf(&b, ruleKinds[i%len(ruleKinds)], where)
	}
	b.WriteString("\n]\n")
	return b.String()
}

// WideCSV writes a CSV file of cols columns and rows rows: integers,
// decimals, low-cardinality strings, dates and free text in turn, with
// some empty fields, so that profiling and recommending see every kind of
// column. The same seed always gives the same file.
func WideCSV(w io.Writer, cols, rows int, seed uint64) error {
	bw := bufio.NewWriter(w)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for c := 0; c < cols; c++ {
		if c > 0 {
			bw.WriteByte(',')
		}
		fmt.Fprintf(bw, "c%04d", c)
	}
	bw.WriteByte('\n')
	words := []string{"alpha", "beta", "gamma", "delta", "epsilon"}
	for i := 0; i < rows; i++ {
		for c := 0; c < cols; c++ {
			if c > 0 {
				bw.WriteByte(',')
			}
			if c%7 == 3 && r.IntN(10) == 0 {
				continue // an empty field: NULL
			}
			switch c % 5 {
			case 0:
				fmt.Fprintf(bw, "%d", i*(c+1))
			case 1:
				fmt.Fprintf(bw, "%.2f", r.Float64()*1000)
			case 2:
				bw.WriteString(words[(i+c)%len(words)])
			case 3:
				fmt.Fprintf(bw, "2024-%02d-%02d", 1+(i+c)%12, 1+(i*c)%28)
			case 4:
				fmt.Fprintf(bw, "id-%d-%d", c, r.IntN(1_000_000))
			}
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

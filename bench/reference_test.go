package bench

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
)

// BenchmarkReference times the cross-dataset rules on a 10M-row primary
// (orders) against a 1M-row reference, in process, against hand-written
// DuckDB SQL computing the same numbers on a fresh DuckDB (so both sides
// pay for opening a database and reading the Parquet files):
//
//	go test -tags duckdb_arrow -run '^$' -bench Reference -benchtime 3x ./bench
//
// It reports ns/op (dq), hand-ns/op and dq/hand.
func BenchmarkReference(b *testing.B) {
	primary, customers, copyOf := referenceData(b)
	cases := []struct {
		name, rule, hand string
		want             float64
	}{{
		name: "ReferentialIntegrity",
		rule: `ReferentialIntegrity "customer_id" "customers.customer_id" >= 0.99`,
		// The obvious query: the share of orders whose customer exists.
		hand: `SELECT 1 - (SELECT count(*) FROM read_parquet($1) o ANTI JOIN read_parquet($2) c ON o.customer_id = c.customer_id)
		             / (SELECT count(*) FROM read_parquet($1))`,
		want: 1 - 10000.0/10_000_000,
	}, {
		name: "DatasetMatch",
		rule: `DatasetMatch "copy" "order_id" >= 0.09`,
		// Matched rows over primary rows, with the key-uniqueness checks
		// DatasetMatch's definition requires.
		hand: `SELECT CASE WHEN (SELECT count(*) - count(DISTINCT order_id) FROM read_parquet($1)) > 0
		                  OR (SELECT count(*) - count(DISTINCT order_id) FROM read_parquet($3)) > 0 THEN NULL
		  ELSE (SELECT count(*) FROM read_parquet($1) o JOIN read_parquet($3) c USING (order_id)
		        WHERE o.customer_id IS NOT DISTINCT FROM c.customer_id AND o.amount IS NOT DISTINCT FROM c.amount
		          AND o.status IS NOT DISTINCT FROM c.status)
		       / (SELECT count(*) FROM read_parquet($1)) END`,
		want: (1_000_000 - 2000.0) / 10_000_000,
	}}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			rs, err := dqdl.Parse("bench.dqdl", "Rules = [ "+c.rule+" ]")
			if err != nil {
				b.Fatal(err)
			}
			opts := engine.Options{References: map[string]engine.Source{
				"customers": engine.Files(customers, engine.FileOptions{}),
				"copy":      engine.Files(copyOf, engine.FileOptions{}),
			}}
			dq := func() float64 {
				res, err := engine.Evaluate(context.Background(), rs, engine.Files(primary, engine.FileOptions{}), opts)
				if err != nil {
					b.Fatal(err)
				}
				rr := res.RuleResults[0]
				for _, v := range rr.EvaluatedMetrics {
					return v
				}
				b.Fatalf("%s: %s %s", rr.Description, rr.Result, rr.EvaluationMessage)
				return 0
			}
			hand := func() float64 {
				db, err := sql.Open("duckdb", "")
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				var v float64
				q := strings.NewReplacer("$1", engine.QuoteString(primary), "$2", engine.QuoteString(customers), "$3", engine.QuoteString(copyOf)).Replace(c.hand)
				if err := db.QueryRow(q).Scan(&v); err != nil {
					b.Fatal(err)
				}
				return v
			}
			// Both must compute the designed value, or the timing is moot.
			if got, h := dq(), hand(); got != c.want || h != c.want {
				b.Fatalf("dq %v, hand-written %v, want %v", got, h, c.want)
			}
			var handTotal time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				dq()
				b.StopTimer()
				start := time.Now()
				hand()
				handTotal += time.Since(start)
				b.StartTimer()
			}
			b.StopTimer()
			dqPerOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			handPerOp := float64(handTotal.Nanoseconds()) / float64(b.N)
			b.ReportMetric(handPerOp, "hand-ns/op")
			b.ReportMetric(dqPerOp/handPerOp, "dq/hand")
		})
	}
}

// referenceData generates, once, into the gitignored bench cache:
//
//   - orders (10M): order_id 0..9,999,999; customer_id cycles over the 1M
//     customers, except every 1000th order, whose customer does not exist
//     (10,000 dangling keys); amount and status derived from order_id;
//   - customers (1M): customer_id 0..999,999;
//   - a copy of the first 1M orders in which every 500th amount differs
//     (2,000 mismatched rows).
func referenceData(b *testing.B) (primary, customers, copyOf string) {
	b.Helper()
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		b.Fatal(err)
	}
	files := []struct{ name, query string }{
		{"ref-orders-10M.parquet", `SELECT i AS order_id,
			CASE WHEN i % 1000 = 999 THEN 2000000 + i ELSE (i * 7919) % 1000000 END AS customer_id,
			CAST((i % 9973) * 1.25 AS DECIMAL(12,2)) AS amount,
			['Shipped', 'Cancelled', 'On Hold', 'Resolved'][1 + i % 4] AS status
			FROM range(10000000) t(i)`},
		{"ref-customers-1M.parquet", `SELECT i AS customer_id, 'Customer ' || i AS customer_name FROM range(1000000) t(i)`},
		{"ref-orders-copy-1M.parquet", `SELECT order_id, customer_id,
			CASE WHEN order_id % 500 = 0 THEN amount + 1 ELSE amount END AS amount, status
			FROM read_parquet(ORDERS) WHERE order_id < 1000000`},
	}
	var paths []string
	db, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, f := range files {
		p := filepath.Join(cacheDir, f.name)
		paths = append(paths, p)
		if _, err := os.Stat(p); err == nil {
			continue
		}
		q := f.query
		if len(paths) == 3 {
			q = strings.Replace(q, "ORDERS", engine.QuoteString(paths[0]), 1)
		}
		start := time.Now()
		tmp := p + ".tmp"
		if _, err := db.Exec("COPY (" + q + ") TO " + engine.QuoteString(tmp) + " (FORMAT parquet)"); err != nil {
			os.Remove(tmp)
			b.Fatalf("generating %s: %v", p, err)
		}
		if err := os.Rename(tmp, p); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %s in %s", p, time.Since(start).Round(time.Millisecond))
	}
	return paths[0], paths[1], paths[2]
}

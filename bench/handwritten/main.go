// Command handwritten computes, with SQL written by hand, every metric that
// testdata/taxi/taxi.dqdl needs, and prints them as JSON. It is the baseline
// that the bench package compares `dq eval` against: the best a person could
// do with DuckDB directly, paying the same process start and file open.
//
//	go run -tags duckdb_arrow ./bench/handwritten [-threads N] data.parquet
//
// -threads sets DuckDB's worker threads (default: DuckDB's, one per core),
// so that the benchmark can compare it with dq eval --threads N.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

// aggregates is one scan computing every non-grouping metric, including
// the two CustomSql statements, which a person would fold in here.
const aggregates = `
SELECT
  count(*)                                                          AS row_count,
  count(VendorID)                                                   AS vendor_nonnull,
  count(passenger_count)                                            AS pc_nonnull,
  count(*) FILTER (passenger_count IS NOT NULL)                     AS cong_where_rows,
  count(congestion_surcharge) FILTER (passenger_count IS NOT NULL)  AS cong_where_nonnull,
  count(*) FILTER (VendorID IN (1, 2, 6))                           AS vendor_in,
  count(*) FILTER (payment_type IN (0, 1, 2, 3, 4, 5, 6))           AS payment_in,
  min(fare_amount)                                                  AS fare_min,
  count(fare_amount)                                                AS fare_nonnull,
  count(*) FILTER (passenger_count > 0 AND passenger_count < 7)     AS pc_between,
  count(*) FILTER (store_and_fwd_flag IN ('Y', 'N'))                AS sf_in,
  count(*) FILTER (fare_amount < 0)                                 AS negative_fares,
  avg(CASE WHEN tpep_dropoff_datetime < tpep_pickup_datetime THEN 1.0 ELSE 0.0 END) AS dropoff_before_ratio,
  avg(trip_distance)                                                AS trip_distance_mean,
  stddev_pop(fare_amount)                                           AS fare_stddev,
  sum(total_amount)                                                 AS total_sum,
  avg(tip_amount)                                                   AS tip_mean,
  count(DISTINCT PULocationID) + (count(*) > count(PULocationID))::INT AS pu_distinct,
  min(length(store_and_fwd_flag)) FILTER (store_and_fwd_flag IS NOT NULL) AS sf_minlen,
  max(length(store_and_fwd_flag)) FILTER (store_and_fwd_flag IS NOT NULL) AS sf_maxlen
FROM read_parquet($1)`

// uniqueness: tuples seen exactly once over rows with any non-NULL key.
const uniqueness = `
SELECT coalesce(count(*) FILTER (c = 1) / sum(c), 0) AS uniqueness
FROM (SELECT count(*) AS c FROM read_parquet($1)
      WHERE VendorID IS NOT NULL OR tpep_pickup_datetime IS NOT NULL OR PULocationID IS NOT NULL
      GROUP BY VendorID, tpep_pickup_datetime, PULocationID)`

// entropy: natural-log entropy of payment_type over non-NULL values.
const entropy = `
SELECT coalesce(-sum(c / n * ln(c / n)), 0) AS entropy
FROM (SELECT count(*)::DOUBLE AS c, sum(count(*)) OVER () AS n
      FROM read_parquet($1) WHERE payment_type IS NOT NULL GROUP BY payment_type)`

const schema = `SELECT count(*), count(*) FILTER (column_name = 'airport_fee') FROM (DESCRIBE SELECT * FROM read_parquet($1))`

func main() {
	threads := flag.Int("threads", 0, "DuckDB worker threads; 0 = DuckDB's default")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: handwritten [-threads N] data.parquet")
		os.Exit(2)
	}
	m, err := metrics(context.Background(), flag.Arg(0), *threads)
	if err != nil {
		fmt.Fprintln(os.Stderr, "handwritten:", err)
		os.Exit(2)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		fmt.Fprintln(os.Stderr, "handwritten:", err)
		os.Exit(2)
	}
}

func metrics(ctx context.Context, path string, threads int) (map[string]float64, error) {
	dsn := "?autoinstall_known_extensions=false&autoload_known_extensions=false"
	if threads > 0 {
		dsn += fmt.Sprintf("&threads=%d", threads)
	}
	db, err := sql.Open("duckdb", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening duckdb: %w", err)
	}
	defer db.Close()
	out := map[string]float64{}
	for _, q := range []string{schema, aggregates, uniqueness, entropy} {
		if err := scanInto(ctx, db, q, path, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scanInto runs a one-row query and stores each column under its name
// (schema's unnamed columns get fixed names).
func scanInto(ctx context.Context, db *sql.DB, q, path string, out map[string]float64) error {
	rows, err := db.QueryContext(ctx, q, path)
	if err != nil {
		return fmt.Errorf("query %s: %w", firstLine(q), err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	if q == schema {
		cols = []string{"column_count", "airport_fee_exists"}
	}
	if !rows.Next() {
		return fmt.Errorf("query %s: no row", firstLine(q))
	}
	vals := make([]sql.NullFloat64, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return fmt.Errorf("scanning %s: %w", firstLine(q), err)
	}
	for i, c := range cols {
		// NULL or non-finite values would make encoding/json fail; the
		// consumer only compares timings, so dropping them is harmless.
		if vals[i].Valid && !math.IsNaN(vals[i].Float64) && !math.IsInf(vals[i].Float64, 0) {
			out[c] = vals[i].Float64
		}
	}
	return rows.Err()
}

func firstLine(q string) string {
	q = strings.TrimSpace(q)
	if i := strings.IndexByte(q, '\n'); i >= 0 {
		return q[:i]
	}
	return q
}

// Command footerquery computes, with one hand-written DuckDB statement,
// the metrics of testdata/taxi/footer.dqdl, and prints them as JSON. It is
// the baseline of the metadata benchmark (bench/metadata_test.go): DuckDB
// answers these plain aggregates from the Parquet footer statistics
// itself, so this is what "no scan" costs as a whole process.
//
//	go run -tags duckdb_arrow ./bench/footerquery data.parquet
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

const metrics = `
SELECT
  count(*)                       AS row_count,
  (SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet($1))) AS column_count,
  count(VendorID)                AS vendor_nonnull,
  count(fare_amount)             AS fare_nonnull,
  count(passenger_count)         AS pc_nonnull,
  min(VendorID)                  AS vendor_min,
  max(VendorID)                  AS vendor_max,
  min(PULocationID)              AS pu_min,
  max(PULocationID)              AS pu_max,
  max(DOLocationID)              AS do_max,
  count(DOLocationID)            AS do_nonnull,
  min(payment_type)              AS payment_min,
  count(payment_type)            AS payment_nonnull,
  min(fare_amount)               AS fare_min,
  min(total_amount)              AS total_min,
  count(total_amount)            AS total_nonnull,
  min(mta_tax)                   AS mta_min,
  count(mta_tax)                 AS mta_nonnull,
  max(tpep_pickup_datetime)      AS pickup_max,
  count(tpep_pickup_datetime)    AS pickup_nonnull
FROM read_parquet($1)`

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: footerquery data.parquet")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "footerquery:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(context.Background(), metrics, path)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	if !rows.Next() {
		return fmt.Errorf("no row: %v", rows.Err())
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return err
	}
	out := map[string]any{}
	for i, c := range cols {
		out[c] = vals[i]
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

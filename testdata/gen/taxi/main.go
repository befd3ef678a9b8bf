// Command taxi writes deterministic NYC-yellow-taxi-shaped trip data with
// planted data-quality problems (see package taxigen for the rates).
//
//	go run -tags duckdb_arrow ./testdata/gen/taxi -rows 1000000 -seed 42 -o out.parquet
//	go run -tags duckdb_arrow ./testdata/gen/taxi -rows 1000 -format csv -o out.csv
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/dqlabs/dq/testdata/gen/taxigen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "taxi:", err)
		os.Exit(1)
	}
}

func run() error {
	rows := flag.Int64("rows", 1_000_000, "number of trips to generate")
	seed := flag.Int64("seed", 42, "seed; the same rows and seed always give the same data")
	out := flag.String("o", "", "output file (required)")
	format := flag.String("format", "parquet", "parquet, csv or json (newline-delimited)")
	threads := flag.Int("threads", 0, "DuckDB threads (0 = DuckDB default); does not change the output")
	printSQL := flag.Bool("print-sql", false, "print the COPY statement instead of running it")
	flag.Parse()
	if *out == "" && !*printSQL {
		flag.Usage()
		return fmt.Errorf("-o is required")
	}
	opts := taxigen.Options{Rows: *rows, Seed: *seed, Format: *format}
	if *printSQL {
		stmt, err := taxigen.CopyStatement(*out, opts)
		if err != nil {
			return err
		}
		fmt.Println(stmt)
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	if err := taxigen.GenerateFile(ctx, *out, opts, *threads); err != nil {
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return fmt.Errorf("checking output: %w", err)
	}
	fmt.Fprintf(os.Stderr, "wrote %d rows (%s, seed %d) to %s: %d bytes in %s\n",
		*rows, *format, *seed, *out, st.Size(), time.Since(start).Round(time.Millisecond))
	return nil
}

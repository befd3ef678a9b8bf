package parquetstats

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"
)

// BenchmarkFooters compares reading footers with arrow-go (what Read does)
// with DuckDB's parquet_metadata() on an open connection, for 1 and 30
// files of 200,000 rows, 8 columns and 2 row groups each.
func BenchmarkFooters(b *testing.B) {
	db, err := openDuck()
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	dir := b.TempDir()
	var paths []string
	for i := 0; i < 30; i++ {
		p := filepath.Join(dir, fmt.Sprintf("f%02d.parquet", i))
		q := `COPY (SELECT r AS a, r * 2 AS b, r / 3.0 AS c, 'v' || r AS d, r % 7 AS e, CAST(r AS DECIMAL(12,2)) AS f,
			DATE '2024-01-01' + CAST(r % 1000 AS INTEGER) AS g, r % 2 = 0 AS h FROM range(200000) t(r)) TO '` + p + `' (FORMAT parquet, ROW_GROUP_SIZE 100000)`
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, p)
	}
	for _, n := range []int{1, 30} {
		files := paths[:n]
		b.Run(fmt.Sprintf("arrow-go/files=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Read(context.Background(), files); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("duckdb/files=%d", n), func(b *testing.B) {
			list := "['" + strings.Join(files, "', '") + "']"
			for i := 0; i < b.N; i++ {
				rows, err := db.Query("SELECT row_group_num_rows, stats_null_count, stats_min_value, stats_max_value FROM parquet_metadata(" + list + ")")
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
					var a, c any
					var d, e any
					if err := rows.Scan(&a, &c, &d, &e); err != nil {
						b.Fatal(err)
					}
				}
				rows.Close()
			}
		})
	}
}

// taxiSQL has the columns of the NYC taxi files the benchmarks use (19:
// integers, timestamps, doubles with NULLs and a one-letter string).
const taxiSQL = `SELECT CAST(1 + r % 6 AS BIGINT) AS VendorID,
  TIMESTAMP '2022-01-01' + r * INTERVAL 2 SECOND AS tpep_pickup_datetime,
  TIMESTAMP '2022-01-01' + r * INTERVAL 2 SECOND + INTERVAL 600 SECOND AS tpep_dropoff_datetime,
  CASE WHEN r % 50 = 0 THEN NULL ELSE CAST(r % 7 AS DOUBLE) END AS passenger_count,
  r % 97 / 7.0 AS trip_distance, CAST(1 + r % 6 AS DOUBLE) AS RatecodeID,
  CASE WHEN r % 50 = 0 THEN NULL WHEN r % 9 = 0 THEN 'Y' ELSE 'N' END AS store_and_fwd_flag,
  CAST(1 + r % 265 AS BIGINT) AS PULocationID, CAST(1 + r * 7 % 265 AS BIGINT) AS DOLocationID,
  CAST(r % 5 AS BIGINT) AS payment_type, r % 301 / 3.0 - 2 AS fare_amount, r % 3 / 2.0 AS extra,
  0.5 AS mta_tax, r % 41 / 4.0 AS tip_amount, r % 11 / 2.0 AS tolls_amount, 0.3 AS improvement_surcharge,
  r % 499 / 3.0 AS total_amount, 2.5 * (r % 2) AS congestion_surcharge,
  CASE WHEN r % 50 = 0 THEN NULL ELSE 1.25 * (r % 2) END AS airport_fee
FROM range(9 * 2048) t(r)`

// BenchmarkSummary measures what a run that plans from cached footer
// summaries pays per file and for a dataset of 31 daily files: encoding
// and decoding one summary of a taxi-shaped file (19 columns, 9 row
// groups, as the 1M-row daily files), and combining 31 of them as
// ReadCached does from a cache.
func BenchmarkSummary(b *testing.B) {
	db, err := openDuck()
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	p := filepath.Join(b.TempDir(), "taxi.parquet")
	if _, err := db.Exec("SET threads = 1"); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec("COPY (" + taxiSQL + ") TO '" + p + "' (FORMAT parquet, ROW_GROUP_SIZE 2048)"); err != nil {
		b.Fatal(err)
	}
	r, err := file.OpenParquetFile(p, false)
	if err != nil {
		b.Fatal(err)
	}
	f := Summarize(r.MetaData())
	r.Close()
	if len(f.RowGroups) != 9 || len(f.Columns) != 19 {
		b.Fatalf("%d row groups, %d columns: want 9 and 19", len(f.RowGroups), len(f.Columns))
	}
	enc, err := f.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := f.MarshalBinary(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(enc)))
		for i := 0; i < b.N; i++ {
			if _, err := UnmarshalFile(enc); err != nil {
				b.Fatal(err)
			}
		}
	})
	const files = 31
	paths := make([]string, files)
	for i := range paths {
		paths[i] = fmt.Sprintf("day%02d.parquet", i+1)
	}
	b.Run("cached/files=31", func(b *testing.B) {
		b.ReportAllocs()
		c := bytesCache{}
		for _, p := range paths {
			c[p] = enc
		}
		for i := 0; i < b.N; i++ {
			d, err := ReadCached(context.Background(), paths, c)
			if err != nil {
				b.Fatal(err)
			}
			if d.RowGroups != 9*files {
				b.Fatalf("%d row groups", d.RowGroups)
			}
		}
	})
	// The state-cache benchmark's ruleset uses 8 of the 19 columns: the
	// plan reads their statistics only.
	used := map[string]bool{"vendorid": true, "passenger_count": true, "trip_distance": true, "payment_type": true,
		"tip_amount": true, "total_amount": true, "fare_amount": true, "store_and_fwd_flag": true}
	keep := func(name string) bool { return used[strings.ToLower(name)] }
	b.Run("decode/columns=8", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := UnmarshalFileColumns(enc, keep); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached/files=31/columns=8", func(b *testing.B) {
		b.ReportAllocs()
		c := partialCache{bytesCache{}, keep}
		for _, p := range paths {
			c.c[p] = enc
		}
		for i := 0; i < b.N; i++ {
			d, err := ReadCachedColumns(context.Background(), paths, c, keep)
			if err != nil {
				b.Fatal(err)
			}
			if len(d.Columns) != 8 {
				b.Fatalf("%d columns", len(d.Columns))
			}
		}
	})
}

// bytesCache holds encoded summaries in memory: Get decodes, as a cache
// on disk does after reading.
type bytesCache map[string][]byte

func (c bytesCache) Get(path string) *File {
	f, err := UnmarshalFile(c[path])
	if err != nil {
		return nil
	}
	return f
}

func (c bytesCache) Put(string, *File) {}

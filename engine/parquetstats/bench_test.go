package parquetstats

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
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

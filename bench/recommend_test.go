package bench

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/recommend"
)

// profileTargetRatio is the team's target for recommend.Profile against
// DuckDB's own SUMMARIZE of the same file: no more than 1.5× its time,
// while computing more (exact distinct counts, histograms, string types).
const profileTargetRatio = 1.5

// summarize runs DuckDB's SUMMARIZE on a fresh in-memory database, as
// ProfileSource runs on a fresh session, and reads every row.
func summarize(ctx context.Context, path string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SUMMARIZE SELECT * FROM read_parquet('"+path+"')")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

// BenchmarkProfile times the exact profile (ns/op) and, in the same run and
// on the same file, the --approx profile and SUMMARIZE, reporting
// profile/summarize (the target is <= 1.5 at 10M rows).
func BenchmarkProfile(b *testing.B) {
	for _, size := range []struct {
		name string
		rows int64
	}{{"rows=1M", 1_000_000}, {"rows=10M", 10_000_000}} {
		b.Run(size.name, func(b *testing.B) {
			if testing.Short() && size.rows > 1_000_000 {
				b.Skip("-short: skipping 10M rows")
			}
			data := dataset(b, size.rows)
			ctx := context.Background()
			profile := func(approx bool) {
				p, err := recommend.ProfileSource(ctx, engine.Files(data, engine.FileOptions{}), recommend.ProfileOptions{Approx: approx})
				if err != nil {
					b.Fatal(err)
				}
				if p.Rows != size.rows || len(p.Columns) != 19 {
					b.Fatalf("profiled %d rows × %d columns", p.Rows, len(p.Columns))
				}
			}
			// Warm the page cache for both sides.
			if err := summarize(ctx, data); err != nil {
				b.Fatal(err)
			}
			var sumTotal, approxTotal time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				profile(false)

				b.StopTimer()
				start := time.Now()
				if err := summarize(ctx, data); err != nil {
					b.Fatal(err)
				}
				sumTotal += time.Since(start)
				start = time.Now()
				profile(true)
				approxTotal += time.Since(start)
				b.StartTimer()
			}
			b.StopTimer()
			perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			sumPerOp := float64(sumTotal.Nanoseconds()) / float64(b.N)
			approxPerOp := float64(approxTotal.Nanoseconds()) / float64(b.N)
			b.ReportMetric(sumPerOp, "summarize-ns/op")
			b.ReportMetric(approxPerOp, "approx-ns/op")
			b.ReportMetric(perOp/sumPerOp, "profile/summarize")
			b.ReportMetric(approxPerOp/sumPerOp, "approx/summarize")
			if size.rows >= 10_000_000 && perOp/sumPerOp > profileTargetRatio {
				b.Logf("MISSED TARGET: profile is %.2fx SUMMARIZE (target <= %.2fx)", perOp/sumPerOp, profileTargetRatio)
			}
		})
	}
}

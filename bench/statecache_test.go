package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dqlabs/dq/testdata/gen/taxigen"
)

// stateRules are rules whose metrics all merge per file (counts,
// compliance, sums, means, variances, lengths, a correlation) and pass on
// generated taxi data, so no failing rule's sample query reads the data
// again.
const stateRules = `Rules = [
    RowCount > 10000,
    IsComplete "VendorID",
    Completeness "passenger_count" >= 0.9,
    ColumnValues "passenger_count" between -1 and 10 with threshold >= 0.9,
    ColumnValues "trip_distance" >= 0 with threshold >= 0.9,
    ColumnValues "payment_type" in [0,1,2,3,4,5,6],
    Mean "trip_distance" between 1 and 10,
    Mean "tip_amount" between 0 and 10,
    Sum "total_amount" > 0,
    StandardDeviation "fare_amount" < 50,
    Variance "tip_amount" >= 0,
    ColumnLength "store_and_fwd_flag" <= 1,
    ColumnCorrelation "fare_amount" "total_amount" > 0.5
]
`

const dailyFiles = 31

// daily returns the 31 cached daily taxi files of 1M rows (different
// seeds), generating the missing ones.
func daily(b *testing.B) []string {
	b.Helper()
	dir := filepath.Join(cacheDir, "daily")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	var out []string
	for i := range dailyFiles {
		p := filepath.Join(dir, fmt.Sprintf("day%02d-1M.parquet", i+1))
		if _, err := os.Stat(p); err != nil {
			start := time.Now()
			tmp := p + ".tmp"
			if err := taxigen.GenerateFile(context.Background(), tmp, taxigen.Options{Rows: 1_000_000, Seed: int64(1000 + i)}, 0); err != nil {
				os.Remove(tmp)
				b.Fatalf("generating %s: %v", p, err)
			}
			if err := os.Rename(tmp, p); err != nil {
				b.Fatal(err)
			}
			b.Logf("generated %s in %s", p, time.Since(start).Round(time.Millisecond))
		}
		out = append(out, p)
	}
	return out
}

// BenchmarkStateCacheDay31 is issue 14's incremental benchmark: a
// dataset of 30 daily files of 1M rows whose states are cached gains its
// 31st file; dq eval with the state cache (reading one file) is timed
// against dq eval --no-state-cache (reading all 31), alternated in each
// iteration. Reported: inc/cold, the ratio of wall times (target <= 0.1),
// and inc/cold-cpu, of user+system CPU times (steadier on a busy machine);
// also same/cold-cpu, a run right after the incremental one, with nothing
// new to read: the fixed cost of a run over 31 cached files.
func BenchmarkStateCacheDay31(b *testing.B) {
	files := daily(b)
	binaries.once.Do(build)
	if binaries.dqErr != nil {
		b.Skipf("dq does not build: %v", binaries.dqErr)
	}
	work := b.TempDir()
	data := filepath.Join(work, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		b.Fatal(err)
	}
	// Hard links: the reader skips symbolic links, and copies would cost
	// 31 files of disk.
	for _, f := range files[:dailyFiles-1] {
		if err := os.Link(f, filepath.Join(data, filepath.Base(f))); err != nil {
			b.Skipf("hard links unavailable: %v", err)
		}
	}
	rules := filepath.Join(work, "state.dqdl")
	if err := os.WriteFile(rules, []byte(stateRules), 0o644); err != nil {
		b.Fatal(err)
	}
	cache := filepath.Join(work, "cache")
	b.Setenv("XDG_CACHE_HOME", cache) // dq's state cache goes under the benchmark's directory
	args := []string{"eval", "--no-history", "--format", "json", rules, data}
	eval := func(extra ...string) run {
		r, err := execute(binaries.dq, false, append(append([]string{args[0]}, extra...), args[1:]...)...)
		if err != nil || r.code != 0 {
			b.Fatalf("dq eval %v failed (exit %d, %v): %s", extra, r.code, err, r.stderr)
		}
		return r
	}
	// Cache the 30 days' states (and warm the page cache).
	eval()
	last := filepath.Join(data, filepath.Base(files[dailyFiles-1]))

	var inc, cold, same, incCPU, coldCPU, sameCPU time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		// Day 31 arrives (again: a new link changes the file's ctime, so
		// its cached states, if any, no longer match).
		os.Remove(last)
		if err := os.Link(files[dailyFiles-1], last); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		r := eval()
		b.StopTimer()
		inc += r.wall
		incCPU += r.cpu
		c := eval("--no-state-cache")
		cold += c.wall
		coldCPU += c.cpu
		u := eval()
		same += u.wall
		sameCPU += u.cpu
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(inc.Nanoseconds())/float64(b.N), "inc-ns/op")
	b.ReportMetric(float64(cold.Nanoseconds())/float64(b.N), "cold-ns/op")
	ratio := float64(inc) / float64(cold)
	b.ReportMetric(ratio, "inc/cold")
	b.ReportMetric(float64(incCPU)/float64(coldCPU), "inc/cold-cpu")
	b.ReportMetric(float64(same.Nanoseconds())/float64(b.N), "same-ns/op")
	b.ReportMetric(float64(sameCPU)/float64(coldCPU), "same/cold-cpu")
	if ratio > 0.1 {
		b.Logf("MISSED TARGET: the incremental run took %.3fx the cold run (target <= 0.1x)", ratio)
	}
}

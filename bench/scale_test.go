package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/recommend"
	"github.com/dqlabs/dq/testdata/gen/scalegen"
	"github.com/dqlabs/dq/testdata/gen/taxigen"
)

// BenchmarkManyWhereRules evaluates rulesets in which every rule has its
// own where clause on the shipped 20k-row sample, in process (parse
// excluded). BenchmarkScaleProcess reports the peak RSS of the same as a
// process.
func BenchmarkManyWhereRules(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			rs, err := dqdl.Parse("many.dqdl", scalegen.ManyWhereRules(n))
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			for b.Loop() {
				res, err := engine.Evaluate(ctx, rs, engine.Files(samplePath, engine.FileOptions{}), engine.Options{Session: engine.SessionOptions{MemoryLimit: "500MB"}})
				if err != nil {
					b.Fatal(err)
				}
				if len(res.RuleResults) != n {
					b.Fatalf("got %d rule results, want %d", len(res.RuleResults), n)
				}
			}
		})
	}
}

// wideCSV writes the wide scale-test CSV (scalegen.WideCSV) into a
// temporary directory.
func wideCSV(tb testing.TB, cols, rows int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), fmt.Sprintf("wide-%dx%d.csv", cols, rows))
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := scalegen.WideCSV(f, cols, rows, seed); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkWide profiles a 3,000-column, 50-row CSV, recommends a ruleset
// from the profile, and evaluates that ruleset on the same file, each as a
// sub-benchmark, in process. For peak RSS, run `dq profile`, `dq recommend`
// and `dq eval` under /usr/bin/time -v on the file testdata/gen/scale
// writes.
func BenchmarkWide(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: skipping the 3,000-column file")
	}
	const cols, rows = 3000, 50
	data := wideCSV(b, cols, rows)
	ctx := context.Background()
	opts := engine.SessionOptions{MemoryLimit: "1GB"}
	profile := func(b *testing.B) *recommend.Profile {
		p, err := recommend.ProfileSource(ctx, engine.Files(data, engine.FileOptions{}), recommend.ProfileOptions{Session: opts})
		if err != nil {
			b.Fatal(err)
		}
		if p.Rows != rows || len(p.Columns) != cols {
			b.Fatalf("profiled %d rows × %d columns", p.Rows, len(p.Columns))
		}
		return p
	}
	b.Run("profile", func(b *testing.B) {
		for b.Loop() {
			profile(b)
		}
	})
	rec, err := recommend.Recommend(profile(b), recommend.Options{})
	if err != nil {
		b.Fatal(err)
	}
	rs, err := dqdl.Parse("recommended.dqdl", rec.Text)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("evaluate-recommended", func(b *testing.B) {
		b.ReportMetric(float64(len(rs.Rules)), "rules")
		for b.Loop() {
			res, err := engine.Evaluate(ctx, rs, engine.Files(data, engine.FileOptions{}), engine.Options{Session: opts})
			if err != nil {
				b.Fatal(err)
			}
			if len(res.RuleResults) != len(rs.Rules) {
				b.Fatalf("got %d rule results, want %d", len(res.RuleResults), len(rs.Rules))
			}
		}
	})
}

// BenchmarkScaleProcess runs `dq eval` as a process on 10,000 rules with
// distinct where clauses over the shipped sample and reports its peak RSS
// (the target is < 1 GiB and < 30 s).
func BenchmarkScaleProcess(b *testing.B) {
	binaries.once.Do(build)
	if binaries.dqErr != nil {
		b.Fatal(binaries.dqErr)
	}
	rules := filepath.Join(b.TempDir(), "many.dqdl")
	if err := os.WriteFile(rules, []byte(scalegen.ManyWhereRules(10_000)), 0o644); err != nil {
		b.Fatal(err)
	}
	var rss int64
	var cpu time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := execute(binaries.dq, false, "eval", "--no-history", "--no-state-cache", "--format", "json", "--memory-limit", "500MB", rules, samplePath)
		if err != nil || (r.code != 0 && r.code != 1) {
			b.Fatalf("dq eval failed (exit %d, %v): %s", r.code, err, r.stderr)
		}
		rss = max(rss, r.maxRSS)
		cpu += r.cpu
	}
	b.ReportMetric(float64(rss), "maxrss-KB")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	if rss >= targetRSSKB {
		b.Logf("MISSED TARGET: peak RSS %d KB (target < %d KB)", rss, targetRSSKB)
	}
}

// BenchmarkEval100M evaluates the benchmark ruleset on 100M generated taxi
// rows (ten 10M-row Parquet files of different seeds, about 2 GB, written
// under testdata/bench/taxi-100M/ on first use and kept) as a process: with
// the default memory limit, whose peak RSS must stay within 2 GiB, and with
// --memory-limit 1GB, which must spill rather than fail. It takes many
// minutes, so it runs only when DQ_BENCH_100M=1:
//
//	DQ_BENCH_100M=1 go test -tags duckdb_arrow -run '^$' -bench Eval100M -benchtime 1x -timeout 2h ./bench
func BenchmarkEval100M(b *testing.B) {
	if os.Getenv("DQ_BENCH_100M") != "1" {
		b.Skip("set DQ_BENCH_100M=1 to run (writes ~2 GB of data and takes many minutes)")
	}
	dir := filepath.Join(cacheDir, "taxi-100M")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range 10 {
		path := filepath.Join(dir, fmt.Sprintf("part-%d.parquet", i))
		if _, err := os.Stat(path); err == nil {
			continue
		}
		tmp := path + ".tmp"
		if err := taxigen.GenerateFile(context.Background(), tmp, taxigen.Options{Rows: 10_000_000, Seed: seed + 100 + int64(i)}, 0); err != nil {
			os.Remove(tmp)
			b.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	binaries.once.Do(build)
	if binaries.dqErr != nil {
		b.Fatal(binaries.dqErr)
	}
	for _, limit := range []string{"", "1GB"} {
		name := "memory-limit=default"
		args := []string{"eval", "--no-history", "--no-state-cache", "--format", "json"}
		if limit != "" {
			name = "memory-limit=" + limit
			args = append(args, "--memory-limit", limit)
		}
		b.Run(name, func(b *testing.B) {
			var rss int64
			for b.Loop() {
				r, err := execute(binaries.dq, false, append(args, rulesPath, dir)...)
				if err != nil || (r.code != 0 && r.code != 1) {
					b.Fatalf("dq eval failed (exit %d, %v): %s", r.code, err, r.stderr)
				}
				rss = max(rss, r.maxRSS)
			}
			b.ReportMetric(float64(rss)/1024, "maxrss-MiB")
			if rss > 2<<20 {
				b.Logf("MISSED TARGET: peak RSS %d MiB (target <= 2048 MiB)", rss/1024)
			}
		})
	}
}

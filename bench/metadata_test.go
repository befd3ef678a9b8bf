package bench

import (
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// footerRulesPath holds only rules that Parquet footer statistics answer.
const footerRulesPath = "../testdata/taxi/footer.dqdl"

// footerQuery is the hand-written statement computing footer.dqdl's
// metrics (bench/footerquery), built once like the other binaries.
var footerQuery struct {
	once sync.Once
	bin  string
	err  error
}

func buildFooterQuery(b *testing.B) string {
	b.Helper()
	binaries.once.Do(build)
	if binaries.dqErr != nil {
		b.Skipf("dq does not build: %v", binaries.dqErr)
	}
	footerQuery.once.Do(func() {
		footerQuery.bin = filepath.Join(binaries.dir, "footerquery")
		cmd := exec.Command("go", "build", "-tags", "duckdb_arrow", "-o", footerQuery.bin, "./bench/footerquery")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			footerQuery.err = err
			b.Logf("%s", out)
		}
	})
	if footerQuery.err != nil {
		b.Fatalf("footerquery does not build: %v", footerQuery.err)
	}
	return footerQuery.bin
}

// pair times two process invocations alternated b.N times and reports the
// first's wall and CPU time relative to the second's.
func pair(b *testing.B, first, second []string, firstOK, secondOK func(code int) bool, unit string) {
	b.Helper()
	var wall, cpu [2]time.Duration
	for i := 0; i < b.N; i++ {
		for k, argv := range [][]string{first, second} {
			r, err := execute(argv[0], false, argv[1:]...)
			ok := []func(int) bool{firstOK, secondOK}[k]
			if err != nil || !ok(r.code) {
				b.Fatalf("%s failed (exit %d, %v): %s", argv[0], r.code, err, r.stderr)
			}
			wall[k] += r.wall
			cpu[k] += r.cpu
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(wall[0].Nanoseconds())/n, "first-ns/op")
	b.ReportMetric(float64(wall[1].Nanoseconds())/n, "second-ns/op")
	b.ReportMetric(float64(wall[0])/float64(wall[1]), unit)
	b.ReportMetric(float64(cpu[0])/float64(cpu[1]), unit+"-cpu")
}

// BenchmarkFooterRules compares `dq eval` of a ruleset the footers answer
// whole (no scan) with the hand-written statement computing its metrics,
// as whole processes, alternated on the 10M-row taxi file (target: dq
// within 3x). "first" is dq, "second" the statement.
func BenchmarkFooterRules(b *testing.B) {
	data := dataset(b, 10_000_000)
	fq := buildFooterQuery(b)
	ok0 := func(code int) bool { return code == 0 }
	// Warm the page cache for both.
	if r, err := execute(fq, false, data); err != nil || r.code != 0 {
		b.Fatalf("footerquery failed (exit %d, %v): %s", r.code, err, r.stderr)
	}
	b.Run("dq-vs-hand", func(b *testing.B) {
		pair(b, []string{binaries.dq, "eval", "--no-history", "--no-state-cache", footerRulesPath, data}, []string{fq, data}, ok0, ok0, "dq/hand")
	})
	// What the footers save dq itself on the same ruleset.
	b.Run("metadata-vs-scan", func(b *testing.B) {
		pair(b, []string{binaries.dq, "eval", "--no-history", "--no-state-cache", footerRulesPath, data},
			[]string{binaries.dq, "eval", "--no-history", "--no-state-cache", "--no-metadata", footerRulesPath, data}, ok0, ok0, "meta/scan")
	})
}

// BenchmarkMixedMetadata is what the footers save on the mixed benchmark
// ruleset (taxi.dqdl), which still needs one scan: dq with answers from
// metadata ("first") against --no-metadata ("second"), alternated.
func BenchmarkMixedMetadata(b *testing.B) {
	data := dataset(b, 10_000_000)
	binaries.once.Do(build)
	if binaries.dqErr != nil {
		b.Skipf("dq does not build: %v", binaries.dqErr)
	}
	ok01 := func(code int) bool { return code == 0 || code == 1 } // planted failures
	args := dqArgs(data)                                          // "eval", flags..., rules, data
	noMeta := append([]string{binaries.dq, args[0], "--no-metadata"}, args[1:]...)
	pair(b, append([]string{binaries.dq}, args...), noMeta, ok01, ok01, "meta/scan")
}

// BenchmarkRowGroupSkipping: on the 10M-row taxi data sorted by fare
// (82 row groups; the negative fares in the first), rowgroups.dqdl's
// compliance counts are decided by the statistics for 81 row groups, and
// the scan reads one. dq ("first") against --no-metadata ("second"), which
// reads all of them, alternated.
func BenchmarkRowGroupSkipping(b *testing.B) {
	data := dataset(b, 10_000_000)
	sorted := filepath.Join(cacheDir, "taxi-10000000-seed42-by-fare.parquet")
	if _, err := os.Stat(sorted); err != nil {
		db, err := sql.Open("duckdb", "")
		if err != nil {
			b.Fatal(err)
		}
		_, err = db.Exec("SET preserve_insertion_order = false; COPY (SELECT * FROM read_parquet('" + data + "') ORDER BY fare_amount) TO '" + sorted + ".tmp' (FORMAT parquet)")
		db.Close()
		if err == nil {
			err = os.Rename(sorted+".tmp", sorted)
		}
		if err != nil {
			b.Fatalf("sorting the taxi data: %v", err)
		}
	}
	binaries.once.Do(build)
	if binaries.dqErr != nil {
		b.Skipf("dq does not build: %v", binaries.dqErr)
	}
	const rules = "../testdata/taxi/rowgroups.dqdl"
	ok0 := func(code int) bool { return code == 0 }
	pair(b, []string{binaries.dq, "eval", "--no-history", "--no-state-cache", rules, sorted},
		[]string{binaries.dq, "eval", "--no-history", "--no-state-cache", "--no-metadata", rules, sorted}, ok0, ok0, "skip/scan")
}

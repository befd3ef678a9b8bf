package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dqlabs/dq/testdata/gen/taxigen"
)

const (
	seed      = 42
	rulesPath = "../testdata/taxi/taxi.dqdl"
	cacheDir  = "../testdata/bench"
	// rulesInRuleset is how many results a working dq must report for
	// taxi.dqdl; anything else means the output is not what we timed.
	rulesInRuleset = 20
	targetRSSKB    = 1 << 20
)

// binaries are built once per test process, on first use, so that plain
// `go test ./...` (no -bench) never pays for two DuckDB links. The state
// is package-level only because testing offers no per-process fixture
// other than TestMain, which would build eagerly.
var binaries struct {
	once     sync.Once
	dir      string
	dq, hand string
	dqErr    error
	handErr  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaries.dir != "" {
		os.RemoveAll(binaries.dir)
	}
	os.Exit(code)
}

func build() {
	dir, err := os.MkdirTemp("", "dq-bench-")
	if err != nil {
		binaries.dqErr, binaries.handErr = err, err
		return
	}
	binaries.dir = dir
	gobuild := func(out, pkg string) error {
		cmd := exec.Command("go", "build", "-tags", "duckdb_arrow", "-o", out, pkg)
		cmd.Dir = ".."
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
		}
		return nil
	}
	binaries.dq = filepath.Join(dir, "dq")
	binaries.dqErr = gobuild(binaries.dq, "./cmd/dq")
	binaries.hand = filepath.Join(dir, "handwritten")
	binaries.handErr = gobuild(binaries.hand, "./bench/handwritten")
}

// dataset returns the cached taxi file with rows rows, generating it first
// if needed. Generation writes to a temporary name and renames, so an
// interrupted run never leaves a truncated file behind to be benchmarked.
func dataset(tb testing.TB, rows int64) string {
	tb.Helper()
	path := filepath.Join(cacheDir, fmt.Sprintf("taxi-%d-seed%d.parquet", rows, seed))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		tb.Fatalf("creating cache dir: %v", err)
	}
	tmp := path + ".tmp"
	start := time.Now()
	if err := taxigen.GenerateFile(context.Background(), tmp, taxigen.Options{Rows: rows, Seed: seed}, 0); err != nil {
		os.Remove(tmp)
		tb.Fatalf("generating %s: %v", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatalf("caching %s: %v", path, err)
	}
	tb.Logf("generated %d rows into %s in %s", rows, path, time.Since(start).Round(time.Millisecond))
	return path
}

// run is one process execution: its wall time, peak RSS and exit code.
type run struct {
	wall   time.Duration
	cpu    time.Duration // user + system: less sensitive than wall time to a busy machine
	maxRSS int64         // KB, as Linux reports ru_maxrss
	code   int
	stdout []byte
	stderr []byte
}

// execute runs bin with args. Stdout goes to /dev/null unless capture is
// set: the timed runs must not pay for buffering a large JSON document in
// the parent.
func execute(bin string, capture bool, args ...string) (run, error) {
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stderr = &errb
	if capture {
		cmd.Stdout = &out
	} else {
		devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			return run{}, err
		}
		defer devnull.Close()
		cmd.Stdout = devnull
	}
	start := time.Now()
	err := cmd.Run()
	r := run{wall: time.Since(start), stdout: out.Bytes(), stderr: errb.Bytes()}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return r, fmt.Errorf("running %s: %w", filepath.Base(bin), err)
	}
	r.code = cmd.ProcessState.ExitCode()
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = int64(ru.Maxrss)
	}
	return r, nil
}

// dqArgs is dq eval of the benchmark ruleset with history off, the
// comparison with hand-written SQL being about evaluation alone; withHistory
// records into (and first opens) the store at history, as a scheduled dq
// does. threads > 0 passes --threads. The state cache is off: the
// comparison is of full scans, and a re-run of an unchanged file would
// take the cached states of its aggregates (BenchmarkStateCacheDay31
// measures that).
func dqArgs(data string) []string {
	return []string{"eval", "--no-history", "--no-state-cache", "--format", "json", rulesPath, data}
}

func dqArgsWith(data, history string, threads int) []string {
	args := []string{"eval", "--no-state-cache", "--format", "json"}
	if history == "" {
		args = append(args, "--no-history")
	} else {
		args = append(args, "--history", history)
	}
	if threads > 0 {
		args = append(args, "--threads", strconv.Itoa(threads))
	}
	return append(args, rulesPath, data)
}

func handArgs(data string, threads int) []string {
	if threads > 0 {
		return []string{"-threads", strconv.Itoa(threads), data}
	}
	return []string{data}
}

// checkDQ runs dq once, untimed, and skips the benchmark when dq cannot
// evaluate yet. Exit 1 is success here: taxi.dqdl has planted failures.
func checkDQ(b *testing.B, data string) {
	b.Helper()
	binaries.once.Do(build)
	if binaries.dqErr != nil {
		b.Skipf("dq does not build: %v", binaries.dqErr)
	}
	if binaries.handErr != nil {
		b.Fatalf("handwritten baseline does not build: %v", binaries.handErr)
	}
	r, err := execute(binaries.dq, true, dqArgs(data)...)
	if err != nil {
		b.Fatal(err)
	}
	if r.code != 0 && r.code != 1 {
		b.Skipf("dq eval cannot evaluate yet (exit %d); skipping until it can:\n%s", r.code, r.stderr)
	}
	// A local shape rather than engine.Result: this checks the CLI's JSON
	// contract, and keeps the process benchmark independent of engine's Go API.
	var res struct {
		RuleResults []struct{ Name, Result, EvaluationMessage string }
	}
	if err := json.Unmarshal(r.stdout, &res); err != nil {
		b.Fatalf("dq eval --format json printed something that is not a result: %v\n%.500s", err, r.stdout)
	}
	if len(res.RuleResults) != rulesInRuleset {
		b.Fatalf("dq eval reported %d rule results, want %d", len(res.RuleResults), rulesInRuleset)
	}
	for _, rr := range res.RuleResults {
		if rr.Result == "ERROR" {
			// An erroring rule may be skipping its work, which would make
			// the timing flattering; say so rather than hide it.
			b.Logf("warning: %s errored: %s", rr.Name, rr.EvaluationMessage)
		}
	}
}

// BenchmarkEndToEnd times three processes per iteration, alternated so
// that a busy machine slows all of them alike: dq eval with history (a
// store in a temporary directory, growing by one run per iteration), dq
// eval --no-history, and the hand-written statement. Each starts first in
// turn. Ratios are of medians, which one stalled run does not move.
func BenchmarkEndToEnd(b *testing.B) {
	for _, size := range []struct {
		name   string
		rows   int64
		target float64 // dq (history on) / hand-written, wall time
	}{{"rows=2.5M", 2_500_000, 1.15}, {"rows=10M", 10_000_000, 1.10}} {
		for _, threads := range []int{2, 1} {
			b.Run(fmt.Sprintf("%s/threads=%d", size.name, threads), func(b *testing.B) {
				if testing.Short() && (size.rows > 2_500_000 || threads != 2) {
					b.Skip("-short: only 2.5M rows at 2 threads")
				}
				endToEnd(b, dataset(b, size.rows), threads, size.target)
			})
		}
	}
}

func endToEnd(b *testing.B, data string, threads int, target float64) {
	checkDQ(b, data)
	history := filepath.Join(b.TempDir(), "history.duckdb")
	type side struct {
		name string
		bin  string
		args []string
		runs []run
	}
	sides := []*side{
		{name: "dq", bin: binaries.dq, args: dqArgsWith(data, history, threads)},
		{name: "dq-nohist", bin: binaries.dq, args: dqArgsWith(data, "", threads)},
		{name: "hand", bin: binaries.hand, args: handArgs(data, threads)},
	}
	exec1 := func(sd *side) run {
		r, err := execute(sd.bin, false, sd.args...)
		if err != nil || (r.code != 0 && (sd.name == "hand" || r.code != 1)) {
			b.Fatalf("%s failed (exit %d, %v): %s", sd.name, r.code, err, r.stderr)
		}
		return r
	}
	// Warm the page cache, DuckDB's first-run costs and the history store
	// for every side, so that none is measured cold.
	for _, sd := range sides {
		exec1(sd)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range sides {
			sd := sides[(i+j)%len(sides)]
			sd.runs = append(sd.runs, exec1(sd))
		}
	}
	b.StopTimer()
	med := func(sd *side, f func(run) float64) float64 {
		v := make([]float64, len(sd.runs))
		for i, r := range sd.runs {
			v[i] = f(r)
		}
		slices.Sort(v)
		if n := len(v); n%2 == 0 {
			return (v[n/2-1] + v[n/2]) / 2
		}
		return v[len(v)/2]
	}
	wall := func(r run) float64 { return float64(r.wall.Nanoseconds()) }
	cpu := func(r run) float64 { return float64(r.cpu.Nanoseconds()) }
	hand := sides[2]
	for _, sd := range sides {
		b.ReportMetric(med(sd, wall)/1e6, sd.name+"-ms")
		var rss int64
		for _, r := range sd.runs {
			rss = max(rss, r.maxRSS)
		}
		b.ReportMetric(float64(rss)/1024, sd.name+"-maxrss-MiB")
		if sd != hand {
			b.ReportMetric(med(sd, wall)/med(hand, wall), sd.name+"/hand")
			b.ReportMetric(med(sd, cpu)/med(hand, cpu), sd.name+"/hand-cpu")
		}
	}
	if ratio := med(sides[0], wall) / med(hand, wall); ratio > target {
		b.Logf("MISSED TARGET: dq (history on) takes %.2fx the hand-written statement (target <= %.2fx)", ratio, target)
	}
}

// BenchmarkHandwritten1M times only the baseline, so its cost can be
// tracked while dq eval is unavailable.
func BenchmarkHandwritten1M(b *testing.B) {
	data := dataset(b, 1_000_000)
	binaries.once.Do(build)
	if binaries.handErr != nil {
		b.Fatal(binaries.handErr)
	}
	var rss int64
	b.ResetTimer() // the build above is not the baseline's cost
	for i := 0; i < b.N; i++ {
		h, err := execute(binaries.hand, false, data)
		if err != nil || h.code != 0 {
			b.Fatalf("handwritten baseline failed (exit %d, %v): %s", h.code, err, h.stderr)
		}
		rss = max(rss, h.maxRSS)
	}
	b.ReportMetric(float64(rss), "maxrss-KB")
}

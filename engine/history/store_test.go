package history

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
)

var day0 = time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) }

func openStore(t *testing.T, path string) *DuckDB {
	t.Helper()
	s, err := Open(context.Background(), path, Options{Now: fixedClock, LockTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func run(id, dataset string, at time.Time, metrics ...any) Run {
	r := Run{ResultID: id, DatasetID: dataset, RulesetName: "rules", At: at}
	for i := 0; i < len(metrics); i += 2 {
		r.Metrics = append(r.Metrics, Metric{Name: metrics[i].(string), Value: metrics[i+1].(float64), Source: "Rule_0"})
	}
	return r
}

func record(t *testing.T, s Store, runs ...Run) {
	t.Helper()
	for _, r := range runs {
		if err := s.Record(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRecordSnapshotAndView(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "h.duckdb"))
	const rc = "Dataset.*.RowCount"
	for i := range 5 {
		record(t, s, run(fmt.Sprintf("r%d", i), "trips", day0.AddDate(0, 0, i), rc, float64(10*(i+1)), "Column.c.Completeness", 1.0))
	}
	record(t, s, run("other", "zones", day0, rc, 999.0))

	// As of day 4 (the current run's instant): days 0..3, newest first;
	// the current run and other datasets are not history.
	v := NewView(s, "trips", day0.AddDate(0, 0, 4))
	last, err := v.Last(ctx, rc, 10)
	if err != nil || !slices.Equal(last, []float64{40, 30, 20, 10}) {
		t.Fatalf("Last = %v, %v", last, err)
	}
	if last, _ := v.Last(ctx, rc, 2); !slices.Equal(last, []float64{40, 30}) {
		t.Errorf("Last(2) = %v", last)
	}
	pts, _ := v.Points(ctx, rc, 1)
	if len(pts) != 1 || !pts[0].At.Equal(day0.AddDate(0, 0, 3)) || pts[0].At.Location() != time.UTC {
		t.Errorf("Points(1) = %v", pts)
	}
	if last, _ := v.Last(ctx, "Column.nope.Completeness", 3); len(last) != 0 {
		t.Errorf("unknown metric: %v", last)
	}

	// Excluding a point takes it out of later views only.
	if n, err := s.SetExcluded(ctx, "r3", []string{rc}, true); err != nil || n != 1 {
		t.Fatalf("exclude: %d, %v", n, err)
	}
	if n, _ := s.SetExcluded(ctx, "r3", []string{rc}, true); n != 0 {
		t.Errorf("excluding twice changed %d points", n)
	}
	if last, _ := v.Last(ctx, rc, 10); !slices.Equal(last, []float64{40, 30, 20, 10}) {
		t.Errorf("a loaded view must not change: %v", last)
	}
	v = NewView(s, "trips", day0.AddDate(0, 0, 5))
	if last, _ := v.Last(ctx, rc, 3); !slices.Equal(last, []float64{50, 30, 20}) {
		t.Errorf("with r3 excluded: %v", last)
	}
	if last, _ := v.Last(ctx, "Column.c.Completeness", 10); len(last) != 5 {
		t.Errorf("exclusion is per metric: %v", last)
	}
	if _, err := s.SetExcluded(ctx, "r3", []string{"Column.zz.Mean"}, true); err == nil || !strings.Contains(err.Error(), "has no metric Column.zz.Mean") {
		t.Errorf("unknown metric: %v", err)
	}
	if _, err := s.SetExcluded(ctx, "nope", nil, true); err == nil {
		t.Error("unknown run must be an error")
	}
	if n, _ := s.SetExcluded(ctx, "r3", nil, false); n != 1 {
		t.Errorf("include again: %d", n)
	}

	// Runs, newest first, with metrics and exclusion flags.
	s.SetExcluded(ctx, "r1", nil, true)
	runs, err := s.Runs(ctx, RunQuery{DatasetID: "trips", WithMetrics: true, Limit: 4})
	if err != nil || len(runs) != 4 || runs[0].ResultID != "r4" || runs[3].ResultID != "r1" {
		t.Fatalf("Runs = %+v, %v", runs, err)
	}
	if m := runs[3].Metrics; len(m) != 2 || !m[0].Excluded || !m[1].Excluded || runs[0].Metrics[1].Value != 50 {
		t.Errorf("metrics of r1: %+v; r4: %+v", m, runs[0].Metrics)
	}
	runs, _ = s.Runs(ctx, RunQuery{Since: day0.AddDate(0, 0, 3)})
	if len(runs) != 2 {
		t.Errorf("since day 3: %d runs", len(runs))
	}
}

func TestFromResult(t *testing.T) {
	score := 0.5
	res := &engine.Result{ResultID: "dqresult-1", RulesetName: "rs", Score: &score,
		RuleResults: []engine.RuleResult{
			{Name: "Rule_0", Result: engine.Fail, EvaluatedMetrics: map[string]float64{"Dataset.*.RowCount": 5}},
			{Name: "Rule_1", Result: engine.Error, EvaluatedMetrics: map[string]float64{"Column.a.Mean": 1}},
			{Name: "Rule_2", Result: engine.Pass, EvaluatedMetrics: map[string]float64{"Dataset.*.RowCount": 3, "Column.b.Completeness": 1}},
		},
		AnalyzerResults: []engine.AnalyzerResult{{Name: "Analyzer_0", EvaluatedMetrics: map[string]float64{"Column.a.Mean": 2}}},
	}
	r := FromResult(res, "ds", day0.In(time.FixedZone("X", 3600)))
	want := []Metric{{"Dataset.*.RowCount", 5, "Rule_0", false}, {"Column.b.Completeness", 1, "Rule_2", false}, {"Column.a.Mean", 2, "Analyzer_0", false}}
	if !slices.Equal(r.Metrics, want) || r.At != day0 || r.DatasetID != "ds" || *r.Score != 0.5 {
		t.Errorf("FromResult = %+v", r)
	}
	// Every rule's outcome, errored ones too, in ruleset order.
	if got := fmt.Sprint(r.Rules); got != "[{Rule_0  FAIL} {Rule_1  ERROR} {Rule_2  PASS}]" {
		t.Errorf("rules = %s", got)
	}
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "h.duckdb"))
	for i := range 4 {
		record(t, s, run(fmt.Sprintf("a%d", i), "a", day0.AddDate(0, 0, i), "m", 1.0), run(fmt.Sprintf("b%d", i), "b", day0.AddDate(0, 0, i), "m", 1.0))
	}
	s.SetExcluded(ctx, "a0", nil, true)
	if n, err := s.Prune(ctx, "a", day0.AddDate(0, 0, 2)); err != nil || n != 2 {
		t.Fatalf("prune a: %d, %v", n, err)
	}
	if n, _ := s.Prune(ctx, "", day0.AddDate(0, 0, 1)); n != 1 { // b0
		t.Errorf("prune all datasets: %d", n)
	}
	runs, _ := s.Runs(ctx, RunQuery{WithMetrics: true})
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.ResultID)
	}
	if !slices.Equal(ids, []string{"b3", "a3", "b2", "a2", "b1"}) {
		t.Errorf("after prune: %v", ids)
	}
	pts, _ := s.Snapshot(ctx, "a", day0.AddDate(1, 0, 0), 10)
	if len(pts["m"]) != 2 {
		t.Errorf("metrics of pruned runs remain: %v", pts)
	}
}

// Two stores on one file, each with its own connections, record at the
// same time: every run must arrive whole.
func TestConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.duckdb")
	const perWriter = 10
	var wg sync.WaitGroup
	errs := make(chan error, 2*perWriter)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(context.Background(), path, Options{LockTimeout: 30 * time.Second})
			if err != nil {
				errs <- err
				return
			}
			for i := range perWriter {
				id := fmt.Sprintf("w%d-%d", w, i)
				errs <- s.Record(context.Background(), run(id, "d", day0.Add(time.Duration(w*perWriter+i)*time.Minute), "x", float64(i), "y", float64(w)))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	checkRuns(t, path, 2*perWriter)
}

func checkRuns(t *testing.T, path string, want int) {
	t.Helper()
	runs, err := openStore(t, path).Runs(context.Background(), RunQuery{WithMetrics: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != want {
		t.Fatalf("%d runs recorded, want %d", len(runs), want)
	}
	for _, r := range runs {
		if len(r.Metrics) != 2 {
			t.Errorf("run %s has %d metrics, want 2", r.ResultID, len(r.Metrics))
		}
	}
}

// TestHelperRecorder is not a test: TestConcurrentProcesses runs the test
// binary with it as a second writing process.
func TestHelperRecorder(t *testing.T) {
	path := os.Getenv("DQ_HISTORY_HELPER_PATH")
	if path == "" {
		t.Skip("helper process only")
	}
	s, err := Open(context.Background(), path, Options{LockTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(os.Getenv("DQ_HISTORY_HELPER_RUNS"))
	for i := range n {
		if err := s.Record(context.Background(), run(fmt.Sprintf("p%s-%d", os.Getenv("DQ_HISTORY_HELPER_ID"), i), "d", day0, "x", 1.0, "y", 2.0)); err != nil {
			t.Fatal(err)
		}
	}
}

// Separate processes contend for DuckDB's one-writer-per-file lock.
func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := filepath.Join(t.TempDir(), "h.duckdb")
	const procs, perProc = 3, 5
	cmds := make([]*exec.Cmd, procs)
	outs := make([]*bytes.Buffer, procs)
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^TestHelperRecorder$")
		outs[i] = &bytes.Buffer{}
		cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
		cmds[i].Env = append(os.Environ(), "DQ_HISTORY_HELPER_PATH="+path, "DQ_HISTORY_HELPER_ID="+strconv.Itoa(i), "DQ_HISTORY_HELPER_RUNS="+strconv.Itoa(perProc))
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("writer %d: %v\n%s", i, err, outs[i])
		}
	}
	checkRuns(t, path, procs*perProc)
}

func TestLockTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.duckdb")
	openStore(t, path)
	f, err := os.OpenFile(path+".lock", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if ok, err := tryLock(f); !ok || err != nil {
		t.Fatalf("taking the lock: %v %v", ok, err)
	}
	s, _ := Open(context.Background(), filepath.Join(t.TempDir(), "other.duckdb"), Options{})
	s.path, s.opts.LockTimeout = path, 150*time.Millisecond
	start := time.Now()
	err = s.Record(context.Background(), run("r", "d", day0))
	if !errors.Is(err, ErrLocked) || time.Since(start) > 5*time.Second {
		t.Fatalf("Record on a locked store: %v after %s", err, time.Since(start))
	}
	unlock(f)
	if err := s.Record(context.Background(), run("r", "d", day0)); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
}

// A version-1 store (before exclusions) is migrated in place and keeps its
// runs.
func TestMigrationFromV1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.duckdb")
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, c, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExecContext(ctx, `INSERT INTO runs VALUES ('old', 'd', 'rs', TIMESTAMP '2025-12-31 06:00:00', 1.0, TIMESTAMP '2025-12-31 06:00:01');
		INSERT INTO metrics VALUES ('old', 'd', TIMESTAMP '2025-12-31 06:00:00', 'Dataset.*.RowCount', 42, 'Rule_0')`); err != nil {
		t.Fatal(err)
	}
	c.Close()
	db.Close()

	s := openStore(t, path)
	if v := version(t, path); v != len(migrations) {
		t.Fatalf("schema version %d after Open, want %d", v, len(migrations))
	}
	last, err := NewView(s, "d", day0).Last(ctx, "Dataset.*.RowCount", 5)
	if err != nil || !slices.Equal(last, []float64{42}) {
		t.Fatalf("old run after migration: %v, %v", last, err)
	}
	if n, err := s.SetExcluded(ctx, "old", nil, true); n != 1 || err != nil {
		t.Errorf("exclusions on a migrated store: %d, %v", n, err)
	}
	// The old run has no rule outcomes; a new one keeps them.
	rules := []RuleOutcome{{Name: "Rule_0", Description: `IsComplete "ü"`, Result: engine.Fail}, {Name: "Rule_1", Description: "RowCount > 0", Result: engine.Pass}}
	r := run("new", "d", day0.AddDate(0, 0, 1), "Dataset.*.RowCount", 43.0)
	r.Rules = rules
	record(t, s, r)
	runs, err := s.Runs(ctx, RunQuery{DatasetID: "d"})
	if err != nil || len(runs) != 2 || !slices.Equal(runs[0].Rules, rules) || runs[1].Rules != nil {
		t.Errorf("runs after migration: %+v, %v", runs, err)
	}
}

func version(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow("SELECT version FROM dq_schema").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.duckdb")
	openStore(t, path)
	db, _ := sql.Open("duckdb", path)
	if _, err := db.Exec("UPDATE dq_schema SET version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err := Open(context.Background(), path, Options{})
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "schema version 99; this dq reads up to version 3") {
		t.Fatalf("newer store: %v", err)
	}
	if v := version(t, path); v != 99 {
		t.Errorf("version changed to %d", v)
	}
}

// A damaged store is reported and left byte for byte as it was.
func TestCorruptStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.duckdb")
	garbage := bytes.Repeat([]byte("not a database "), 1000)
	if err := os.WriteFile(path, garbage, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path, Options{})
	if err == nil || !strings.Contains(err.Error(), "cannot be opened; it is not a DuckDB database or it is damaged") {
		t.Fatalf("corrupt store: %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, garbage) {
		t.Error("the damaged store was modified")
	}

	// A real database that is not ours is refused, not extended.
	other := filepath.Join(t.TempDir(), "mine.duckdb")
	db, _ := sql.Open("duckdb", other)
	db.Exec("CREATE TABLE sales (x INT)")
	db.Close()
	if _, err := Open(context.Background(), other, Options{}); err == nil || !strings.Contains(err.Error(), "not a dq history store") {
		t.Fatalf("foreign database: %v", err)
	}
}

func TestMustExistAndDefaultPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "h.duckdb")
	if _, err := Open(context.Background(), path, Options{MustExist: true}); !errors.Is(err, ErrNotExist) {
		t.Errorf("missing store: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Error("MustExist created the store")
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_DATA_HOME": "/x/data", "HOME": "/home/u"}, "/x/data/dq/history.duckdb"},
		{map[string]string{"XDG_DATA_HOME": "relative", "HOME": "/home/u"}, "/home/u/.local/share/dq/history.duckdb"},
		{map[string]string{"HOME": "/home/u"}, "/home/u/.local/share/dq/history.duckdb"},
	} {
		if got, err := DefaultPath(env(c.env)); err != nil || got != c.want {
			t.Errorf("DefaultPath(%v) = %q, %v", c.env, got, err)
		}
	}
	if _, err := DefaultPath(env(nil)); err == nil {
		t.Error("no HOME: want an error")
	}
}

func TestBacktestFromStore(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "h.duckdb"))
	for i, v := range []float64{100, 102, 98, 101, 99, 103, 100, 50, 101, 99} {
		record(t, s, run(fmt.Sprintf("r%d", i), "trips", day0.AddDate(0, 0, i), "Dataset.*.RowCount", v))
	}
	rs, err := dqdl.Parse("t", `Rules = [ RowCount > avg(last(5)) * 0.9, DetectAnomalies "RowCount", RowCount > 1 ]`)
	if err != nil {
		t.Fatal(err)
	}
	bts, err := Backtest(context.Background(), s, "trips", rs, day0.AddDate(0, 0, 3))
	if err != nil || len(bts) != 2 {
		t.Fatalf("Backtest: %v, %v", bts, err)
	}
	for _, bt := range bts {
		if len(bt.Runs) != 7 || bt.Failed != 1 || bt.Runs[4].ResultID != "r7" || bt.Runs[4].Result != engine.Fail {
			t.Errorf("%s: %d runs, %d failed: %+v", bt.Rule, len(bt.Runs), bt.Failed, bt.Runs)
		}
	}
}

// A store cut short (a full disk, an interrupted copy) or with a damaged
// block is reported as damaged when it is opened — not when a run is
// recorded after its result was printed — and never as "locked by another
// process": only DuckDB's lock conflict means wait (issue 15 #8).
func TestDamagedStoreDetectedAtOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.duckdb")
	s := openStore(t, path)
	for i := 0; i < 4; i++ {
		r := run(fmt.Sprintf("r%d", i), "trips", day0.AddDate(0, 0, i), "Dataset.*.RowCount", float64(i)+0.5)
		for j := 0; j < 5000; j++ {
			m := r.Metrics[0]
			m.Name = fmt.Sprintf("Column.c%d.Completeness", j)
			r.Metrics = append(r.Metrics, m)
		}
		record(t, s, r)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	damaged := map[string][]byte{"truncated": good[:len(good)/2]}
	flipped := append([]byte(nil), good...)
	for i := 3*4096 + 8; i < len(flipped); i += 64 {
		flipped[i] ^= 0xff
	}
	damaged["flipped"] = flipped
	for name, b := range damaged {
		p := filepath.Join(dir, name+".duckdb")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(context.Background(), p, Options{LockTimeout: time.Minute})
		if err == nil || errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "is damaged") {
			t.Errorf("%s store: %v, want a damaged-store error", name, err)
		}
		// DuckDB opens a truncated file happily; only reading it back
		// finds the missing blocks.
		if name == "truncated" && !strings.Contains(fmt.Sprint(err), "is damaged (truncated or corrupt)") {
			t.Errorf("truncated store not found by verify: %v", err)
		}
		if got, _ := os.ReadFile(p); !bytes.Equal(got, b) {
			t.Errorf("%s store was modified", name)
		}
	}
	// The intact copy still opens.
	if _, err := Open(context.Background(), path, Options{}); err != nil {
		t.Fatalf("intact store: %v", err)
	}
}

func TestIsLockConflict(t *testing.T) {
	for msg, want := range map[string]bool{
		`IO Error: Could not set lock on file "/x/h.duckdb": Conflicting lock is held in /usr/bin/dq (PID 12). See also https://duckdb.org/docs/stable/connect/concurrency`: true,
		`Corrupt database file: computed checksum 1 does not match stored checksum 2 in block at location 3`:                                                                false,
		`IO Error: Could not read enough bytes from file "/x/block.duckdb": attempted to read 262144 bytes`:                                                                 false,
		`Catalog Error: Table with name unlock does not exist`:                                                                                                              false,
	} {
		if got := isLockConflict(errors.New(msg)); got != want {
			t.Errorf("isLockConflict(%q) = %t, want %t", msg, got, want)
		}
	}
	if isLockConflict(nil) {
		t.Error("nil is not a lock conflict")
	}
}

// TestPathIsPlain: the store path is a file name, whatever it contains. A
// "?" once made the rest DuckDB connection options (issue 15 #13), and
// ":memory:" meant no file at all.
func TestPathIsPlain(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, name := range []string{"h.duckdb?access_mode=read_only", ":memory:", "a#b%zz.duckdb"} {
		p := filepath.Join(dir, name)
		s, err := Open(ctx, p, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		at := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
		if err := s.Record(ctx, Run{ResultID: "r1", DatasetID: "d", RulesetName: "rs", At: at, Metrics: []Metric{{Name: "Dataset.*.RowCount", Value: 3, Source: "RowCount"}}}); err != nil {
			t.Fatalf("%s: record: %v", name, err)
		}
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Fatalf("%s: the store is not the named file: %v", name, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "h.duckdb")); err == nil {
			t.Fatalf("%s: a store was created at the path before the ?", name)
		}
		// Reopened, the run is there: the file is a real, writable store.
		s2, err := Open(ctx, p, Options{MustExist: true})
		if err != nil {
			t.Fatal(err)
		}
		runs, err := s2.Runs(ctx, RunQuery{})
		if err != nil || len(runs) != 1 || runs[0].ResultID != "r1" {
			t.Fatalf("%s: runs = %v, %v", name, runs, err)
		}
	}
}

// TestStoreFileIsWholeHistory: while a store is in use (one DuckDB for all
// of a run's operations, not yet closed), every recorded run, exclusion
// and prune is already in the store file itself, with no write-ahead log
// beside it, so that a copy of the file alone (a backup, a CI cache) is
// the whole history. And the file is not held between operations: an
// independent DuckDB can open it read-write.
func TestStoreFileIsWholeHistory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "h.duckdb")
	s := openStore(t, path)
	defer s.Close()
	ctx := context.Background()
	// The reads a dq eval makes around its recording share the store.
	if _, err := NewView(s, "trips", day0.AddDate(0, 0, 9)).Last(ctx, "Dataset.*.RowCount", 3); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		record(t, s, run(fmt.Sprint("r", i), "trips", day0.AddDate(0, 0, i), "Dataset.*.RowCount", float64(10+i), "Column.x.Completeness", 1.0))
	}
	if _, err := s.SetExcluded(ctx, "r1", []string{"Dataset.*.RowCount"}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(ctx, "trips", day0); err != nil { // nothing older
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a write-ahead log is left beside the store (%v): a copy of the file alone would lack runs", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(dir, "copy.duckdb")
	if err := os.WriteFile(cp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// Plain SQL on the copy, read-write (so nothing holds the original's
	// lock either: the copy shares no lock, but the original is opened
	// below the same way).
	for _, p := range []string{cp, path} {
		db, err := sql.Open("duckdb", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("ATTACH " + engine.QuoteString(p) + " AS h"); err != nil {
			db.Close()
			t.Fatalf("%s: %v", p, err)
		}
		var runs, metrics, excluded int
		var sum float64
		err = db.QueryRow(`SELECT (SELECT count(*) FROM h.runs), (SELECT count(*) FROM h.metrics),
			(SELECT sum(value) FROM h.metrics WHERE metric = 'Dataset.*.RowCount'), (SELECT count(*) FROM h.exclusions)`).Scan(&runs, &metrics, &sum, &excluded)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if runs != 3 || metrics != 6 || sum != 10+11+12 || excluded != 1 {
			t.Errorf("%s holds %d runs, %d metrics (RowCounts summing to %g), %d exclusions; want 3, 6, 33, 1", filepath.Base(p), runs, metrics, sum, excluded)
		}
	}
	// The store works on after another DuckDB had the file.
	record(t, s, run("r3", "trips", day0.AddDate(0, 0, 3), "Dataset.*.RowCount", 13.0))
	pts, err := NewView(s, "trips", day0.AddDate(0, 0, 9)).Last(ctx, "Dataset.*.RowCount", 10)
	if err != nil || !slices.Equal(pts, []float64{13, 12, 10}) {
		t.Errorf("after another reader: %v, %v; want [13 12 10] (r1's point excluded)", pts, err)
	}
}

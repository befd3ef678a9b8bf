package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/dqlabs/dq/cmd/internal/scheduler"
	"github.com/dqlabs/dq/engine/history"
	"github.com/dqlabs/dq/sinks/sinktest"
)

// TestSoak runs 20 checks on 1-second schedules against a flaky results
// sink (S3 that fails a third of its requests). Every due run must end
// accounted for (evaluated, undelivered and spooled, skipped, or failed
// to run), the history must hold exactly the evaluated runs, and
// goroutines and the Go heap must come back down. It runs 5 s by
// default; DQ_SOAK=2m runs the two minutes.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test skipped in -short mode")
	}
	dur := 5 * time.Second
	if v := os.Getenv("DQ_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("DQ_SOAK=%q: %v", v, err)
		}
		dur = d
	}
	var reqs atomic.Int64
	var healthy atomic.Bool
	fake := gofakes3.New(s3mem.New()).Server()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && !healthy.Load() && reqs.Add(1)%3 == 0 {
			http.Error(w, "flaky", http.StatusServiceUnavailable)
			return
		}
		fake.ServeHTTP(w, r)
	}))
	defer ts.Close()
	fakeAWSEnv(t, &sinktest.FakeAWS{URL: ts.URL})
	client := s3.NewFromConfig(sinktest.AWSConfig(ts.URL), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("soak-results")}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "r.dqdl"), []byte("Rules = [ RowCount > 10, IsComplete \"orderNumber\" ]\n"), 0o644)
	data, _ := filepath.Abs("../../testdata/retail/orders.parquet")
	var b strings.Builder
	b.WriteString("server:\n  maxConcurrentRuns: 2\n  gracePeriod: 20s\n  runsKept: 100000\n  history: history.duckdb\n")
	b.WriteString("publish:\n  results: s3://soak-results/dq/\n  spool: spool\n  maxAttempts: 1\n  timeout: 5s\n")
	b.WriteString("checks:\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, "  - name: c%02d\n    ruleset: r.dqdl\n    dataset: %s\n    schedule: rate(1 second)\n    memoryLimit: 256MB\n", i, data)
	}
	cfg := filepath.Join(dir, "dq.yaml")
	os.WriteFile(cfg, []byte(b.String()), 0o644)

	runtime.GC()
	baseGoroutines := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := newServer(ctx, &ServeCmd{Config: cfg}, newLogger(io.Discard, "text", "info"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.sched.Run(ctx); close(done) }()

	// Sample goroutines and heap at a third of the time and at the end.
	time.Sleep(dur / 3)
	var m1, m2 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m1)
	g1 := runtime.NumGoroutine()
	time.Sleep(dur - dur/3)
	runtime.GC()
	runtime.ReadMemStats(&m2)
	g2 := runtime.NumGoroutine()
	cancel()
	<-done
	stopAt := time.Now()
	if !s.sched.Shutdown(30 * time.Second) {
		t.Error("runs were still going after the grace period")
	}

	// Bounds: the goroutines in flight are the scheduler's, at most one run
	// per check plus HTTP clients; the heap must not grow by more than
	// 64 MiB between the samples.
	if g2 > g1+40 {
		t.Errorf("goroutines grew from %d to %d", g1, g2)
	}
	if grow := int64(m2.HeapAlloc) - int64(m1.HeapAlloc); grow > 64<<20 {
		t.Errorf("heap grew by %d MiB", grow>>20)
	}
	client.Options() // keep the client alive until here

	st, err := s.historyStore()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[scheduler.Status]int{}
	total := 0
	for _, cs := range s.sched.Status() {
		runs := cs.Runs
		total += len(runs)
		// Every due second from the first to the last appears exactly once.
		var dates []time.Time
		evaluated := 0
		for _, r := range runs {
			counts[r.Status]++
			dates = append(dates, r.Date)
			switch r.Status {
			case scheduler.Passed, scheduler.Undelivered:
				evaluated++
			case scheduler.Skipped, scheduler.Cancelled:
			default:
				t.Errorf("%s: run %s ended %s: %s", cs.Check.Name, r.ID, r.Status, r.Error)
			}
		}
		sort.Slice(dates, func(i, j int) bool { return dates[i].Before(dates[j]) })
		for i := 1; i < len(dates); i++ {
			if d := dates[i].Sub(dates[i-1]); d != time.Second {
				t.Errorf("%s: due times %s and %s are %s apart: a run is unaccounted for or doubled", cs.Check.Name, dates[i-1].Format("15:04:05"), dates[i].Format("15:04:05"), d)
			}
		}
		hist, err := st.Runs(context.Background(), history.RunQuery{DatasetID: cs.Check.Name})
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != evaluated {
			t.Errorf("%s: %d runs evaluated, %d in the history", cs.Check.Name, evaluated, len(hist))
		}
	}
	spooled := spoolItems(t, filepath.Join(dir, "spool"))
	t.Logf("shutdown took %s", time.Since(stopAt).Round(time.Millisecond))
	t.Logf("%s: %d due runs: %v; %d spool entries; goroutines %d→%d→%d; heap %d→%d MiB",
		dur, total, counts, len(spooled), baseGoroutines, g1, g2, m1.HeapAlloc>>20, m2.HeapAlloc>>20)
	if counts[scheduler.Passed] == 0 || counts[scheduler.Skipped] == 0 {
		t.Errorf("expected both evaluated and skipped runs: %v", counts)
	}
	if counts[scheduler.Undelivered] > 0 && len(spooled) == 0 {
		t.Errorf("%d undelivered runs but nothing spooled", counts[scheduler.Undelivered])
	}
	st.Close()

	// The sink recovers; a restarted server re-sends the spool at start.
	healthy.Store(true)
	s2, err := newServer(context.Background(), &ServeCmd{Config: cfg}, newLogger(io.Discard, "text", "info"))
	if err != nil {
		t.Fatal(err)
	}
	s2.sched.Shutdown(0)
	if st2, err := s2.historyStore(); err == nil {
		st2.Close()
	}
	if items := spoolItems(t, filepath.Join(dir, "spool")); len(items) > 0 {
		t.Errorf("still spooled after a restart with a healthy sink: %v", items)
	}
}

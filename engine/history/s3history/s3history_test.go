package s3history

import (
	"context"
	"fmt"
	"math"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/history"
	"github.com/dqlabs/dq/sinks/sinktest"
)

// newStore is a Store on gofakes3 behind httptest, spoken to by the real SDK.
func newStore(tb testing.TB, location string) (*Store, *s3.Client) {
	tb.Helper()
	ts := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	tb.Cleanup(ts.Close)
	client := s3.NewFromConfig(sinktest.AWSConfig(ts.URL), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("dq-history")}); err != nil {
		tb.Fatal(err)
	}
	s, err := New(client, location)
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Check(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return s, client
}

func score(v float64) *float64 { return &v }

var t0 = time.Date(2025, 1, 1, 6, 0, 0, 0, time.UTC)

func run(ds string, i int) history.Run {
	return history.Run{
		ResultID: fmt.Sprintf("dqresult-%s-%03d", ds, i), DatasetID: ds, RulesetName: "orders",
		At: t0.Add(time.Duration(i) * time.Hour), Score: score(float64(i%4) / 4),
		Metrics: []history.Metric{
			{Name: "Dataset.*.RowCount", Value: float64(100 + i), Source: "Rule_0"},
			{Name: "Column.a.Completeness", Value: 1 - float64(i)/1000, Source: "Rule_1"},
		},
		// Rule outcomes; run 2 has none (recorded before dq kept them).
		Rules: map[bool][]history.RuleOutcome{false: {
			{Name: "Rule_0", Description: "RowCount > 100", Result: []engine.Outcome{engine.Pass, engine.Fail}[i%2]},
			{Name: "Rule_1", Description: `ColumnValues "é" in ["a\"b"]`, Result: engine.Error},
		}}[i == 2],
	}
}

func TestParseLocation(t *testing.T) {
	for in, want := range map[string][2]string{
		"s3://b":      {"b", ""},
		"s3://b/":     {"b", ""},
		"s3://b/p/q/": {"b", "p/q/"},
		"s3://b/p":    {"b", "p/"},
	} {
		b, p, err := ParseLocation(in)
		if err != nil || b != want[0] || p != want[1] {
			t.Errorf("ParseLocation(%q) = %q %q %v", in, b, p, err)
		}
	}
	for _, bad := range []string{"s3://", "s3:///p", "/tmp/x", "gs://b"} {
		if _, _, err := ParseLocation(bad); err == nil {
			t.Errorf("ParseLocation(%q) accepted", bad)
		}
	}
}

// The S3 store answers every query as the DuckDB store does for the same
// runs: the DuckDB store is the reference implementation.
func TestMatchesDuckDBStore(t *testing.T) {
	ctx := context.Background()
	s3s, _ := newStore(t, "s3://dq-history/history/")
	ref, err := history.Open(ctx, filepath.Join(t.TempDir(), "h.duckdb"), history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	// Unicode and slashes in dataset ids, NaN and a missing score.
	// Few runs: the DuckDB store opens its file per call, which is slow.
	datasets := []string{"/data/orders", "s3://bucket/événements/"}
	for _, ds := range datasets {
		for i := 0; i < 6; i++ {
			r := run(ds, i)
			if i == 5 {
				r.Metrics[1].Value = math.NaN()
			}
			if i == 7 {
				r.Score = nil
			}
			for _, st := range []history.Store{s3s, ref} {
				if err := st.Record(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, st := range []history.Store{s3s, ref} {
		if n, err := st.SetExcluded(ctx, "dqresult-/data/orders-004", []string{"Dataset.*.RowCount"}, true); err != nil || n != 1 {
			t.Fatalf("SetExcluded = %d, %v", n, err)
		}
	}
	queries := []history.RunQuery{
		{DatasetID: "/data/orders", WithMetrics: true},
		{DatasetID: "s3://bucket/événements/", Limit: 3},
		{Since: t0.Add(4 * time.Hour)},
		{ResultID: "dqresult-s3://bucket/événements/-004", WithMetrics: true},
		{DatasetID: "nope"},
	}
	// Both stores give back each run's rule outcomes as recorded.
	for _, st := range []history.Store{s3s, ref} {
		for _, i := range []int{2, 3} {
			want := run("/data/orders", i)
			got, err := st.Runs(ctx, history.RunQuery{ResultID: want.ResultID})
			if err != nil || len(got) != 1 || !slices.Equal(got[0].Rules, want.Rules) {
				t.Errorf("%T: rules of run %d = %+v, %v; want %+v", st, i, got, err, want.Rules)
			}
		}
	}
	for _, q := range queries {
		a, err := s3s.Runs(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ref.Runs(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !sameRuns(a, b) {
			t.Errorf("Runs(%+v):\n s3     %v\n duckdb %v", q, summarize(a), summarize(b))
		}
	}
	for _, ds := range datasets {
		for _, per := range []int{1, 3, 100} {
			before := t0.Add(5 * time.Hour)
			a, err := s3s.Snapshot(ctx, ds, before, per)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := ref.Snapshot(ctx, ds, before, per)
			if fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("Snapshot(%s, %d):\n s3     %v\n duckdb %v", ds, per, a, b)
			}
		}
	}
	for _, st := range []history.Store{s3s, ref} {
		n, err := st.Prune(ctx, "/data/orders", t0.Add(3*time.Hour))
		if err != nil || n != 3 {
			t.Errorf("Prune = %d, %v; want 3", n, err)
		}
	}
	a, _ := s3s.Runs(ctx, history.RunQuery{})
	b, _ := ref.Runs(ctx, history.RunQuery{})
	if len(a) != 9 || !sameRuns(a, b) {
		t.Errorf("after prune: %d runs, %v vs %v", len(a), summarize(a), summarize(b))
	}
}

func summarize(rs []history.Run) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s@%s", r.ResultID, r.At.Format("02T15")))
	}
	return out
}

func sameRuns(a, b []history.Run) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.ResultID != y.ResultID || x.DatasetID != y.DatasetID || !x.At.Equal(y.At) || x.RulesetName != y.RulesetName ||
			(x.Score == nil) != (y.Score == nil) || (x.Score != nil && *x.Score != *y.Score) || len(x.Metrics) != len(y.Metrics) {
			return false
		}
		// Metric order is not part of the contract.
		mx, my := map[string]history.Metric{}, map[string]history.Metric{}
		for _, m := range x.Metrics {
			mx[m.Name] = m
		}
		for _, m := range y.Metrics {
			my[m.Name] = m
		}
		if fmt.Sprint(mx) != fmt.Sprint(my) || !slices.Equal(x.Rules, y.Rules) {
			return false
		}
	}
	return true
}

// Many writers at once, some at the same instant: every run is kept.
func TestConcurrentWritersLoseNothing(t *testing.T) {
	ctx := context.Background()
	s, client := newStore(t, "s3://dq-history/")
	other, _ := New(client, "s3://dq-history/")
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			st := s
			if w%2 == 1 {
				st = other // a second process
			}
			for i := 0; i < 25; i++ {
				r := run("ds", i) // eight writers record runs at the same instants
				r.ResultID = fmt.Sprintf("w%d-%d", w, i)
				if err := st.Record(ctx, r); err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	runs, err := s.Runs(ctx, history.RunQuery{DatasetID: "ds"})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 200 {
		t.Fatalf("%d runs, want 200", len(runs))
	}
	seen := map[string]bool{}
	for _, r := range runs {
		seen[r.ResultID] = true
	}
	if len(seen) != 200 {
		t.Errorf("%d distinct runs", len(seen))
	}
}

func TestEmptyAndErrors(t *testing.T) {
	ctx := context.Background()
	s, client := newStore(t, "s3://dq-history/p")
	if runs, err := s.Runs(ctx, history.RunQuery{}); err != nil || len(runs) != 0 {
		t.Errorf("empty store: %v %v", runs, err)
	}
	if snap, err := s.Snapshot(ctx, "x", time.Now(), 10); err != nil || len(snap) != 0 {
		t.Errorf("empty snapshot: %v %v", snap, err)
	}
	if err := s.Record(ctx, history.Run{DatasetID: "x"}); err == nil {
		t.Error("a run without a result id was recorded")
	}
	missing, _ := New(client, "s3://no-such-bucket/")
	if err := missing.Check(ctx); err == nil {
		t.Error("a missing bucket passed Check")
	}
}

// BenchmarkRead1000 reads 1,000 runs of one dataset with their metrics,
// as the check page and dynamic rules do (the bound is 2 s).
func BenchmarkRead1000(b *testing.B) {
	ctx := context.Background()
	s, _ := newStore(b, "s3://dq-history/")
	for i := 0; i < 1000; i++ {
		if err := s.Record(ctx, run("ds", i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runs, err := s.Runs(ctx, history.RunQuery{DatasetID: "ds", WithMetrics: true})
		if err != nil || len(runs) != 1000 {
			b.Fatalf("%d runs, %v", len(runs), err)
		}
	}
}

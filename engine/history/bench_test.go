package history

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkEvalHistoryOverhead is what dq eval adds to a run: open (and
// check) the store, load the dataset's history for dynamic rules, record
// the run's metrics. The store already holds 100 runs of 30 metrics.
func BenchmarkEvalHistoryOverhead(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "h.duckdb")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	mk := func(id string, at time.Time) Run {
		r := Run{ResultID: id, DatasetID: "taxi", RulesetName: "taxi", At: at}
		for m := range 30 {
			r.Metrics = append(r.Metrics, Metric{Name: fmt.Sprintf("Column.c%d.Completeness", m), Value: 0.99, Source: "Rule_0"})
		}
		return r
	}
	for i := range 100 {
		if err := s.Record(ctx, mk(fmt.Sprint("seed", i), day0.AddDate(0, 0, i))); err != nil {
			b.Fatal(err)
		}
	}
	i := 0
	for b.Loop() {
		at := day0.AddDate(0, 0, 100+i)
		s, err := Open(ctx, path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := NewView(s, "taxi", at).Last(ctx, "Column.c0.Completeness", 10); err != nil {
			b.Fatal(err)
		}
		if err := s.Record(ctx, mk(fmt.Sprint("run", i), at)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

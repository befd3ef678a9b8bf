package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/engine/history"
)

// TestEvalTruncatedStoreStopsBeforeTheScan: a history store cut to half
// its size is reported as damaged before the data is read — no result is
// printed, nothing is recorded — and is never blamed on another process
// holding a lock (issue 15 #8).
func TestEvalTruncatedStoreStopsBeforeTheScan(t *testing.T) {
	dir, data := fixture(t)
	store := filepath.Join(dir, "h.duckdb")
	ctx := context.Background()
	s, err := history.Open(ctx, store, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		run := history.Run{ResultID: fmt.Sprintf("r%d", i), DatasetID: data, RulesetName: "r", At: day.AddDate(0, 0, i)}
		for j := range 5000 {
			run.Metrics = append(run.Metrics, history.Metric{Name: fmt.Sprintf("Column.c%d.Completeness", j), Value: float64(j) + 0.25, Source: "rule"})
		}
		if err := s.Record(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(store)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(store, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	rules := writeFile(t, dir, "r.dqdl", rulesPass, 0o644)
	r := runDQ(t, "", "eval", "--format", "json", "--history", store, rules, data)
	if r.code != exitInvalid || r.stdout != "" {
		t.Fatalf("exit %d, want 2 with no result printed\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "is damaged (truncated or corrupt)") || strings.Contains(r.stderr, "lock") {
		t.Errorf("stderr should call the store damaged, not locked:\n%s", r.stderr)
	}
}

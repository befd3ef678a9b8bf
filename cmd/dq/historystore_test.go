package main

import (
	"bytes"
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
// its size is reported as damaged when it is opened, before the data is
// read, and is never blamed on another process holding a lock (issue 15
// #8); the run then goes on without recording (issue 11 #13).
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
	// Found when the store is opened, before the scan; since issue 11
	// point 13 a store that cannot be opened does not stop a run whose
	// rules do not read history: one warning, the verdict, nothing recorded.
	if r.code != exitOK || r.stdout == "" {
		t.Fatalf("exit %d, want 0 with the result printed\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "dq: warning: metric history unavailable, so this run is not recorded: ") ||
		!strings.Contains(r.stderr, "is damaged (truncated or corrupt)") || strings.Contains(r.stderr, "lock") {
		t.Errorf("stderr should call the store damaged, not locked:\n%s", r.stderr)
	}
	if got, _ := os.ReadFile(store); !bytes.Equal(got, b[:len(b)/2]) {
		t.Error("the damaged store was modified")
	}
}

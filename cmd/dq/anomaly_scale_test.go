package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/history"
)

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestDetectAnomaliesTimeScale records the same ten-run series of row
// counts seconds apart and days apart, then judges an eleventh run: a
// normal count passes and a spike fails in both, with identical messages,
// and the same inputs give byte-identical observations.
func TestDetectAnomaliesTimeScale(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	rules := writeFile(t, dir, "r.dqdl", "Rules = [ DetectAnomalies \"RowCount\" ]\n", 0o644)
	counts := []int{100, 102, 98, 101, 99, 100, 103, 97, 100, 101}
	data := map[int]string{}
	for _, n := range append(counts, 150) {
		if data[n] == "" {
			data[n] = filepath.Join(dir, fmt.Sprintf("n%d.parquet", n))
			duck(t, fmt.Sprintf("COPY (SELECT range AS id FROM range(%d)) TO '%s' (FORMAT parquet)", n, data[n]))
		}
	}
	start := time.Date(2026, 3, 2, 12, 0, 5, 0, time.UTC)

	type verdict struct {
		result  engine.Outcome
		message string
		obs     string
	}
	// judge records the ten runs step apart, by dq eval or (faster)
	// straight into the store, and judges the eleventh run.
	judge := func(name string, step time.Duration, byEval bool) map[int]verdict {
		store := filepath.Join(dir, name+".duckdb")
		if byEval {
			for i, n := range counts {
				now := start.Add(time.Duration(i) * step).Format(time.RFC3339Nano)
				evalJSON(t, exitOK, "--history", store, "--dataset-id", "s", "--now", now, "--observations", rules, data[n])
			}
		} else {
			s, err := history.Open(context.Background(), store, history.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for i, n := range counts {
				run := history.Run{ResultID: fmt.Sprintf("r%d", i), DatasetID: "s", RulesetName: "r", At: start.Add(time.Duration(i) * step),
					Metrics: []history.Metric{{Name: "Dataset.*.RowCount", Value: float64(n), Source: "Rule_1"}}}
				if err := s.Record(context.Background(), run); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
		b, err := os.ReadFile(store)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int]verdict{}
		for _, n := range []int{100, 150} {
			code := exitOK
			if n == 150 {
				code = exitFailed
			}
			var first string
			for k := 0; k < 1+btoi(byEval && n == 150); k++ {
				// Each judgement on a fresh copy of the ten-run store, so that
				// the two runs see the same inputs.
				cp := filepath.Join(dir, fmt.Sprintf("%s-%d-%d.duckdb", name, n, k))
				if err := os.WriteFile(cp, b, 0o644); err != nil {
					t.Fatal(err)
				}
				// The eleventh run's instant: one step after the tenth. For
				// runs seconds apart, now() is truncated to the minute and so
				// precedes the last recorded runs.
				now := start.Add(time.Duration(len(counts)) * step).Format(time.RFC3339Nano)
				res, _ := evalJSON(t, code, "--history", cp, "--dataset-id", "s", "--now", now, "--observations", rules, data[n])
				obs, err := json.Marshal(res.Observations)
				if err != nil {
					t.Fatal(err)
				}
				if k == 0 {
					first = string(obs)
					out[n] = verdict{res.RuleResults[0].Result, res.RuleResults[0].EvaluationMessage, first}
				} else if string(obs) != first {
					t.Errorf("%s, %d rows: observations differ between identical runs:\n%s\n%s", name, n, first, obs)
				}
			}
		}
		return out
	}

	days := judge("days", 24*time.Hour, false)
	if v := days[100]; v.result != engine.Pass || v.obs != "null" {
		t.Errorf("days apart, 100 rows: %+v", v)
	}
	// Band: median 100, MAD 1, σ = 1.4826, so [95.5522, 104.448].
	want := "Value: 150.0 of Dataset.*.RowCount is outside the expected range [95.5522, 104.448] (expected 100.0 from 10 previous values)"
	if v := days[150]; v.result != engine.Fail || v.message != want {
		t.Errorf("days apart, 150 rows: %+v\nwant message %q", v, want)
	}
	for _, sc := range []struct {
		name   string
		step   time.Duration
		byEval bool
	}{{"seconds", 5 * time.Second, true}, {"milliseconds", 7 * time.Millisecond, false}} {
		got := judge(sc.name, sc.step, sc.byEval)
		for _, n := range []int{100, 150} {
			if got[n] != days[n] {
				t.Errorf("%s apart, %d rows: %+v\nwant (as days apart) %+v", sc.name, n, got[n], days[n])
			}
		}
	}
}

package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestRowGroupSkipping: rules the footers decide for most row groups but
// not for all scan only the undecided row groups, and give exactly the
// results, messages, metrics and failure details of a full scan.
func TestRowGroupSkipping(t *testing.T) {
	dir := t.TempDir()
	// Two files of 10 row groups of 2048 rows, in time order: v is
	// negative in the first row group only, ts crosses "24 hours before
	// now" in one row group, k has NULLs in every row group, d is a
	// DOUBLE (maximum never from the footers).
	for f := 0; f < 2; f++ {
		duckExec(t, fmt.Sprintf(`COPY (SELECT r AS id, CASE WHEN r < 2048 THEN r - 100 ELSE r END AS v,
			CASE WHEN r %% 7 = 0 THEN NULL ELSE r END AS k, r * 0.5 AS d,
			TIMESTAMP '2024-05-25 12:00:00' + r * INTERVAL 30 SECOND AS ts
			FROM range(%d, %d) t(r) ORDER BY r) TO %s (FORMAT parquet, ROW_GROUP_SIZE 2048)`,
			f*20480, (f+1)*20480, QuoteString(filepath.Join(dir, fmt.Sprintf("p%d.parquet", f)))))
	}
	src := Files(filepath.Join(dir, "*.parquet"), FileOptions{})
	for _, tc := range []struct {
		rules   []string
		scanned int // row groups read of 20; -1 = no skipping
	}{
		// Row group 0 breaks the bound: it alone is read.
		{[]string{`ColumnValues "v" >= 0`, `ColumnValues "v" > -500`, `RowCount > 0`}, 1},
		// With a threshold (compliance count) and as an analyzer (min, max).
		{[]string{`ColumnValues "v" >= 0 with threshold > 0.5`, `ColumnValues "v" between 100 and 100000`}, 1},
		// Freshness: only the row group crossing the 24-hour age is read
		// (the run's now is 2024-06-01 12:00; rows run to 2024-06-08).
		{[]string{`DataFreshness "ts" <= 24 hours`, `DataFreshness "ts" > 24 hours`}, 1},
		// Together: the union of the row groups each needs.
		{[]string{`ColumnValues "v" >= 0`, `DataFreshness "ts" <= 24 hours`, `IsComplete "k"`}, 2},
		// A DOUBLE maximum and a mean need every row group.
		{[]string{`ColumnValues "d" <= 100000`, `ColumnValues "v" >= 0`}, -1},
		{[]string{`Mean "v" > 0`, `ColumnValues "v" >= 0`}, -1},
		// Where clauses are never answered from footers.
		{[]string{`ColumnValues "v" >= 0 where "k > 5"`}, -1},
	} {
		t.Run(strings.Join(tc.rules, "; "), func(t *testing.T) {
			rs := parseRules(t, "Rules = [\n  "+strings.Join(tc.rules, ",\n  ")+"\n]\nAnalyzers = [ ColumnValues \"v\" ]")
			plan, err := Explain(context.Background(), rs, src, Options{Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			switch r := plan.rowGroups; {
			case tc.scanned < 0 && r != nil:
				t.Errorf("skipping row groups (%s) where every one is needed:\n%s", r.note(), plan)
			case tc.scanned >= 0 && (r == nil || r.scanned != tc.scanned || r.total != 20):
				t.Errorf("row groups: got %+v, want %d of 20 read:\n%s", r, tc.scanned, plan)
			case tc.scanned >= 0 && !strings.Contains(plan.String(), r.note()):
				t.Errorf("explain does not say which row groups are read:\n%s", plan)
			}
			sameWithoutFooters(t, rs, src, tc.rules)
		})
	}
}

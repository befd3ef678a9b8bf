package s3source_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/s3source"
	"github.com/dqlabs/dq/engine/statecache"
)

// TestStateCacheKeysObjectsByETag: S3 objects are fetched into new local
// copies every run, so the state cache keys their states by bucket, key
// and ETag. A second run over unchanged objects reads none of them for
// the mergeable metrics; an object replaced under the same key (a new
// ETag) is read again; every run equals an evaluation without the cache.
func TestStateCacheKeysObjectsByETag(t *testing.T) {
	fx := newFixture(t)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	put := func(day, salt int) {
		p := filepath.Join(t.TempDir(), "x.parquet")
		q := fmt.Sprintf(`COPY (SELECT r AS id, CASE WHEN r %% 7 = 0 THEN NULL ELSE (r * %d + %d) %% 97 / 3.0 END AS score, 'n' || (r %% 5) AS name
			FROM range(%d) t(r)) TO '%s' (FORMAT parquet)`, 13+salt, day, 50+10*day, p)
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
		fx.s3.Put("lake", fmt.Sprintf("t/day%d.parquet", day), mustRead(t, p))
	}
	for day := range 3 {
		put(day, 0)
	}
	store, err := statecache.Open(statecache.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	rs := parse(t, `Rules = [ RowCount > 0, Completeness "score" > 0.5, Mean "score" between 0 and 40,
		StandardDeviation "score" < 100, Sum "id" > 0, ColumnLength "name" = 2 ]`)
	eval := func(step string, want int) {
		t.Helper()
		read := -1
		got, err := engine.Evaluate(context.Background(), rs, engine.Remote(fx.source(t, "s3://lake/t/", s3source.Options{})), engine.Options{
			StateCache: store, NoMetadata: true, Progress: func(p engine.Progress) {
				if p.Stage == "files" {
					read = p.Done
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		cold, err := engine.Evaluate(context.Background(), rs, engine.Remote(fx.source(t, "s3://lake/t/", s3source.Options{})), engine.Options{NoMetadata: true})
		if err != nil {
			t.Fatal(err)
		}
		// Outcomes equal; metrics equal to within 1e-12 relative (per-file
		// means and variances are merged in another order than DuckDB
		// adds them).
		for i, w := range cold.RuleResults {
			g := got.RuleResults[i]
			if g.Result != w.Result || len(g.EvaluatedMetrics) != len(w.EvaluatedMetrics) {
				t.Errorf("%s: %s: %s %v, want %s %v", step, w.Description, g.Result, g.EvaluatedMetrics, w.Result, w.EvaluatedMetrics)
			}
			for k, wv := range w.EvaluatedMetrics {
				if gv := g.EvaluatedMetrics[k]; math.Abs(gv-wv) > 1e-12*math.Max(math.Abs(gv), math.Abs(wv)) {
					t.Errorf("%s: %s = %v, want %v", step, k, gv, wv)
				}
			}
		}
		if read != want {
			t.Errorf("%s: the state cache read %d objects, want %d", step, read, want)
		}
	}
	eval("first run", 3)
	eval("unchanged", 0)
	put(1, 5) // same key, other bytes: a new ETag
	eval("one object replaced", 1)
	put(3, 0)
	eval("one object added", 1)

	// A new object alone, of which only the columns the rules read are fetched
	// (the rest of the local copy is holes): its states and the
	// aggregates that do not merge are read in one statement that must
	// touch no other column.
	one := parse(t, `Rules = [ Mean "score" between 0 and 40, ColumnValues "score" <= 40 where "id IN (SELECT range FROM range(1000))" ]`)
	put(9, 0)
	for step, want := range []int{1, 0} {
		read := -1
		got, err := engine.Evaluate(context.Background(), one, engine.Remote(fx.source(t, "s3://lake/t/day9.parquet", s3source.Options{})), engine.Options{
			StateCache: store, Progress: func(p engine.Progress) {
				if p.Stage == "files" {
					read = p.Done
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		cold, err := engine.Evaluate(context.Background(), one, engine.Remote(fx.source(t, "s3://lake/t/day9.parquet", s3source.Options{})), engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(verdicts(got)) != fmt.Sprint(verdicts(cold)) || read != want {
			t.Errorf("single object, run %d: read %d (want %d)\n %v\nwant\n %v", step, read, want, verdicts(got), verdicts(cold))
		}
	}
}

// TestFooterCacheKeysObjectsByETag: with the state cache, the footer
// summaries of S3 objects are kept by bucket, key and ETag too. Rules the
// footers answer (RowCount, Completeness) follow an object replaced under
// its key with fewer rows (a new ETag), instead of a summary cached for
// the old bytes, and equal a run without the cache each time.
func TestFooterCacheKeysObjectsByETag(t *testing.T) {
	fx := newFixture(t)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	put := func(day, rows int) {
		p := filepath.Join(t.TempDir(), "x.parquet")
		q := fmt.Sprintf(`COPY (SELECT r AS id, CASE WHEN r %% 4 = 0 THEN NULL ELSE r END AS score FROM range(%d) t(r)) TO '%s' (FORMAT parquet)`, rows, p)
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
		fx.s3.Put("lake", fmt.Sprintf("f/day%d.parquet", day), mustRead(t, p))
	}
	put(0, 40)
	put(1, 60)
	store, err := statecache.Open(statecache.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	rs := parse(t, `Rules = [ RowCount = 100, Completeness "score" >= 0.75, IsComplete "id" ]`)
	eval := func(step string, want ...string) {
		t.Helper()
		var cold []string
		for _, st := range []*statecache.Store{nil, store, store} {
			got, err := engine.Evaluate(context.Background(), rs, engine.Remote(fx.source(t, "s3://lake/f/", s3source.Options{})), engine.Options{StateCache: st})
			if err != nil {
				t.Fatal(err)
			}
			var results []string
			for _, r := range got.RuleResults {
				results = append(results, string(r.Result))
			}
			if fmt.Sprint(results) != fmt.Sprint(want) {
				t.Errorf("%s (cache %v): %v, want %v", step, st != nil, results, want)
			}
			if st == nil {
				cold = verdicts(got)
			} else if fmt.Sprint(verdicts(got)) != fmt.Sprint(cold) {
				t.Errorf("%s: with the cache\n %v\nwithout\n %v", step, verdicts(got), cold)
			}
		}
	}
	eval("first runs", "PASS", "PASS", "PASS")
	// The summaries were cached (entries of bytes, beside no states: the
	// rules are all answered from the footers).
	des, err := os.ReadDir(store.Dir())
	if err != nil {
		t.Fatal(err)
	}
	summaries := 0
	for _, de := range des {
		if b, err := os.ReadFile(filepath.Join(store.Dir(), de.Name())); err == nil && strings.HasPrefix(string(b), "DQBYTES\n") {
			summaries++
		}
	}
	if summaries != 2 {
		t.Errorf("%d footer summaries cached, want 2", summaries)
	}
	// Same key, one more row (a new ETag): 101 rows, 26 of them without
	// a score.
	put(1, 61)
	eval("object replaced", "FAIL", "FAIL", "PASS")
}

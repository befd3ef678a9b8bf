package engine

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/dqlabs/dq/engine/parquetstats"
	"github.com/dqlabs/dq/engine/statecache"
)

// footerCacheRules are answered from Parquet footers (row count, completeness,
// bounds) next to rules that scan.
const footerCacheRules = `Rules = [
	RowCount = 230,
	IsComplete "id",
	Completeness "score" > 0.5,
	ColumnValues "qty" <= 40,
	ColumnValues "qty" >= 0,
	ColumnValues "id" > 0,
	Mean "score" between -1000 and 1000
]`

// footerEval evaluates footerCacheRules over dir with the store (nil: off) and
// returns the result and the rules answered from metadata.
func footerEval(t *testing.T, dir string, store *statecache.Store) (*Result, map[string]bool) {
	t.Helper()
	ctx := context.Background()
	rs := parseRules(t, footerCacheRules)
	sess, ds, err := openPrimary(ctx, Files(dir, FileOptions{}), Options{}, RulesetColumnNeed(rs, false))
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	opts := Options{Now: testNow, StateCache: store}
	pl, err := buildPlan(ctx, sess, sess.Conn(), rs, relationOf(ds), opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := EvaluateOn(ctx, sess, rs, ds, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res, pl.footer
}

// footerEntries counts the store's footer summaries of the files.
func footerEntries(t *testing.T, store *statecache.Store, files []string) int {
	t.Helper()
	n := 0
	for _, f := range files {
		id, err := statecache.LocalIdentity(f)
		if err != nil {
			t.Fatal(err)
		}
		if b := store.GetBytes(id, footerScope); b != nil {
			if _, err := parquetstats.UnmarshalFile(b); err != nil {
				t.Fatalf("%s: a cached summary that does not decode: %v", f, err)
			}
			n++
		}
	}
	return n
}

// TestFooterCache: with the state cache, each file's footer summary is
// kept under its identity and used instead of its footer; the answers
// equal those from footers read fresh (and a cold run's), a file rewritten
// in place is parsed again, and damaged entries or entries of another
// summary version are misses.
func TestFooterCache(t *testing.T) {
	dir := t.TempDir()
	store, db := stateEnv(t)
	var files []string
	for i := 1; i <= 4; i++ {
		files = append(files, stateFile(t, db, dir, i, 0)) // 47+54+61+68 = 230 rows
	}
	cold, coldFooter := footerEval(t, dir, nil)
	if footerEntries(t, store, files) != 0 {
		t.Fatal("entries before the first run")
	}
	if len(coldFooter) == 0 {
		t.Fatal("no rule answered from the footers: the test data should allow some")
	}
	check := func(run string, wantEntries int) {
		t.Helper()
		got, footer := footerEval(t, dir, store)
		sameResults(t, run, got, cold)
		if !reflect.DeepEqual(footer, coldFooter) {
			t.Errorf("%s: answered from metadata %v, without the cache %v", run, footer, coldFooter)
		}
		if n := footerEntries(t, store, files); n != wantEntries {
			t.Errorf("%s: %d footer summaries cached, want %d", run, n, wantEntries)
		}
	}
	check("first run", 4)
	check("second run", 4)

	// The cache is what the second run used: a summary doctored in the
	// store changes the answer (RowCount = 230 now fails), so it is read
	// instead of the footer.
	id, err := statecache.LocalIdentity(files[0])
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquetstats.UnmarshalFile(store.GetBytes(id, footerScope))
	if err != nil {
		t.Fatal(err)
	}
	doctored := *f
	doctored.RowGroups = []int64{f.RowGroups[0] + 1}
	doctored.Columns = nil
	for _, c := range f.Columns {
		c.Stats = append([]parquetstats.Stats(nil), c.Stats...)
		c.Stats[0].Rows++
		doctored.Columns = append(doctored.Columns, c)
	}
	b, _ := doctored.MarshalBinary()
	if err := store.PutBytes(id, footerScope, b); err != nil {
		t.Fatal(err)
	}
	if got, _ := footerEval(t, dir, store); got.RuleResults[0].Result != "FAIL" {
		t.Fatalf("RowCount with a doctored summary: %s %q; the cache was not read", got.RuleResults[0].Result, got.RuleResults[0].EvaluationMessage)
	}

	// A file rewritten in place with its old modification time: another
	// identity, so its footer is parsed again (and the doctored summary,
	// of the old identity, is not used).
	st, _ := os.Stat(files[0])
	time.Sleep(5 * time.Millisecond)
	stateFile(t, db, dir, 1, 0)
	_ = os.Chtimes(files[0], st.ModTime(), st.ModTime())
	check("rewritten file", 4)

	// Damaged entries (truncated, a flipped bit, garbage) are misses.
	for n, p := range files {
		id, err := statecache.LocalIdentity(p)
		if err != nil {
			t.Fatal(err)
		}
		good := store.GetBytes(id, footerScope)
		switch n % 3 {
		case 0:
			good = good[:len(good)/2]
		case 1:
			good = append(append([]byte(nil), good...), 1)
		default:
			good = []byte("garbage")
		}
		// Stored whole (the store's checksum holds), but not a summary.
		if err := store.PutBytes(id, footerScope, good); err != nil {
			t.Fatal(err)
		}
	}
	ids := newFooterCache(store, files, nil, nil)
	for _, p := range files {
		if ids.Get(p) != nil {
			t.Errorf("%s: a damaged summary was a hit", p)
		}
	}
	check("damaged summaries", 4) // parsed again and replaced

	// Summaries of another version are misses: stored under another
	// scope, and refused by UnmarshalFile if found under this one.
	other := fmt.Sprintf("parquet footer summary v%d", parquetstats.SummaryVersion+1)
	if footerScope == other {
		t.Fatal("footerScope does not name the summary version")
	}
	for _, p := range files {
		id, _ := statecache.LocalIdentity(p)
		b := store.GetBytes(id, footerScope)
		b[0]++ // the version is the first byte
		if err := store.PutBytes(id, footerScope, b); err != nil {
			t.Fatal(err)
		}
		if newFooterCache(store, files, nil, nil).Get(p) != nil {
			t.Errorf("%s: a summary of another version was a hit", p)
		}
	}
	check("other version", 4)
}

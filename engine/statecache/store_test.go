package statecache

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func testStates(t *testing.T) map[string]State {
	big := sumOf(t, "170141183460469231731687303715884105727.25")
	inf := sumOf(t, "-inf")
	return map[string]State{
		"count(*)":   {Kind: KindCount, N: 42},
		"sum(x)":     big,
		"sum(y)":     inf,
		"min(z)":     ExtremeOf(KindMin, math.NaN(), false),
		"max(z)":     ExtremeOf(KindMax, 0, true),
		"var_pop(x)": MomentsOf(3, 2, 2.0/3),
		"corr(x,y)":  CoMomentsOf(3, 2, 13.0/3, 2, 114.0/9, 5),
	}
}

func TestStoreRoundTrip(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	id := S3Identity("b", "k/part-0.parquet", `"etag1"`)
	want := testStates(t)
	if s.Get(id, "scope") != nil {
		t.Fatal("hit in an empty store")
	}
	if err := s.Put(id, "scope", want); err != nil {
		t.Fatal(err)
	}
	got := s.Get(id, "scope")
	if len(got) != len(want) {
		t.Fatalf("got %d states, want %d", len(got), len(want))
	}
	for k, w := range want {
		g := got[k]
		if g.String() != w.String() || g.Kind != w.Kind || g.Valid != w.Valid || !same(g.V, w.V) {
			t.Errorf("%s: got %v, want %v", k, g, w)
		}
	}
	if g := got["sum(x)"]; g.Sum.Cmp(want["sum(x)"].Sum) != 0 {
		t.Errorf("exact sum changed: %v", g.Sum)
	}
	// Another scope or another version of the object misses.
	if s.Get(id, "scope2") != nil || s.Get(S3Identity("b", "k/part-0.parquet", `"etag2"`), "scope") != nil {
		t.Error("hit under another scope or ETag")
	}
}

// A damaged entry is a miss, never an error or a wrong state.
func TestStoreIgnoresDamagedEntries(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	id := S3Identity("b", "k", "e")
	if err := s.Put(id, "sc", testStates(t)); err != nil {
		t.Fatal(err)
	}
	p := s.path(id, "sc")
	good, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	damage := map[string][]byte{
		"empty":       {},
		"truncated":   good[:len(good)/2],
		"flipped bit": append(append([]byte{}, good[:len(good)-3]...), good[len(good)-3]^1, good[len(good)-2], good[len(good)-1]),
		"old version": append(append([]byte(magic), 0, 0, 0, 0), good[len(magic)+4:]...),
		"garbage":     []byte("DQSTATE\nnot an entry at all, just bytes to fill the header"),
	}
	for name, b := range damage {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if got := s.Get(id, "sc"); got != nil {
			t.Errorf("%s entry: got %v", name, got)
		}
	}
	// A valid entry of another identity stored under this one's name (a
	// hash collision, or a file copied by hand) is a miss too.
	other := S3Identity("b", "other", "e")
	if err := s.Put(other, "sc", testStates(t)); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(s.path(other, "sc"), p); err != nil {
		t.Fatal(err)
	}
	if s.Get(id, "sc") != nil {
		t.Error("hit on another identity's entry")
	}
}

func TestLocalIdentity(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.parquet")
	if err := os.WriteFile(p, []byte("abcd"), 0o600); err != nil {
		t.Fatal(err)
	}
	id1, err := LocalIdentity(p)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	// Same size, same modification time restored: still another version.
	time.Sleep(10 * time.Millisecond)
	if err := os.WriteFile(p, []byte("wxyz"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	id2, _ := LocalIdentity(p)
	if id1 == id2 {
		t.Error("rewriting the file with its old mtime kept its identity")
	}
	id3, _ := LocalIdentity(p)
	if id2 != id3 {
		t.Error("identity of an unchanged file changed")
	}
	// Relative paths name the same file.
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	if id4, _ := LocalIdentity("a.parquet"); id4 != id3 {
		t.Error("relative path has another identity")
	}
	if _, err := LocalIdentity(dir); err == nil {
		t.Error("a directory has an identity")
	}
}

func TestTrimEvictsLeastRecentlyUsed(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir, MaxBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return clock }
	states := testStates(t)
	ids := []Identity{S3Identity("b", "0", "e"), S3Identity("b", "1", "e"), S3Identity("b", "2", "e")}
	for i, id := range ids {
		if err := s.Put(id, "sc", states); err != nil {
			t.Fatal(err)
		}
		at := clock.Add(time.Duration(i) * time.Hour)
		if err := os.Chtimes(s.path(id, "sc"), at, at); err != nil {
			t.Fatal(err)
		}
	}
	info, _ := os.Stat(s.path(ids[0], "sc"))
	s.max = 2 * info.Size()
	// Reading entry 0 makes it the most recent; entry 1 is then the oldest.
	clock = clock.Add(10 * time.Hour)
	if s.Get(ids[0], "sc") == nil {
		t.Fatal("miss")
	}
	// A writer's leftover temporary file is removed once stale.
	tmp := writeStaleTemp(t, dir, ".tmp-123", clock)
	if err := s.Trim(); err != nil {
		t.Fatal(err)
	}
	if s.Get(ids[1], "sc") != nil {
		t.Error("least recently used entry kept")
	}
	if s.Get(ids[0], "sc") == nil || s.Get(ids[2], "sc") == nil {
		t.Error("recent entries evicted")
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Error("stale temporary file kept")
	}
}

// Concurrent writers of the same entries leave whole entries.
func TestStoreConcurrentPut(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(Options{Dir: dir})
			if err != nil {
				t.Error(err)
				return
			}
			for i := range 50 {
				id := S3Identity("b", fmt.Sprint(i%5), "e")
				if err := s.Put(id, "sc", map[string]State{"n": {Kind: KindCount, N: int64(w)}}); err != nil {
					t.Error(err)
				}
				if got := s.Get(id, "sc"); got != nil && got["n"].Kind != KindCount {
					t.Errorf("torn entry: %v", got)
				}
			}
		}()
	}
	wg.Wait()
	des, _ := os.ReadDir(dir)
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	if len(des) != 6 || names[0] != ".size-"+fmt.Sprint(sizeClass(entrySize(t, dir))) {
		t.Errorf("files in the store: %v, want 5 entries and their size mark", names)
	}
}

// Bytes entries round-trip, miss under another scope or identity, and are
// misses when damaged or when read as states (and states entries when read
// as bytes).
func TestStoreBytes(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	id := S3Identity("b", "k/part-0.parquet", `"etag1"`)
	data := []byte("footer summary \x00\xff ünïcode")
	if s.GetBytes(id, "footer v1") != nil {
		t.Fatal("hit in an empty store")
	}
	if err := s.PutBytes(id, "footer v1", data); err != nil {
		t.Fatal(err)
	}
	if got := s.GetBytes(id, "footer v1"); string(got) != string(data) {
		t.Fatalf("got %q", got)
	}
	if s.GetBytes(id, "footer v2") != nil || s.GetBytes(S3Identity("b", "k/part-0.parquet", `"etag2"`), "footer v1") != nil {
		t.Error("hit under another scope or ETag")
	}
	if s.Get(id, "footer v1") != nil {
		t.Error("a bytes entry read as states")
	}
	if err := s.Put(id, "states", testStates(t)); err != nil {
		t.Fatal(err)
	}
	if s.GetBytes(id, "states") != nil {
		t.Error("a states entry read as bytes")
	}
	// Empty data is data.
	if err := s.PutBytes(id, "empty", nil); err != nil {
		t.Fatal(err)
	}
	if got := s.GetBytes(id, "empty"); got == nil || len(got) != 0 {
		t.Errorf("empty data: got %q", got)
	}
	p := s.path(id, "footer v1")
	good, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(good); n++ {
		if err := os.WriteFile(p, good[:n], 0o600); err != nil {
			t.Fatal(err)
		}
		if got := s.GetBytes(id, "footer v1"); got != nil {
			t.Fatalf("entry cut at %d of %d bytes: got %q", n, len(good), got)
		}
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-1] ^= 1
	oldVersion := append(append([]byte(bytesMagic), 0, 0, 0, 0), good[len(bytesMagic)+4:]...)
	for name, b := range map[string][]byte{"flipped bit": flipped, "old version": oldVersion} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if got := s.GetBytes(id, "footer v1"); got != nil {
			t.Errorf("%s entry: got %q", name, got)
		}
	}
	// Another identity's valid entry under this one's name is a miss.
	other := S3Identity("b", "other", "e")
	if err := s.PutBytes(other, "footer v1", data); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(s.path(other, "footer v1"), p); err != nil {
		t.Fatal(err)
	}
	if s.GetBytes(id, "footer v1") != nil {
		t.Error("hit on another identity's entry")
	}
}

// A hit marks an entry used only when its mark is older than touchEvery
// (or in the future): a check run every few seconds does not rewrite its
// entries' inodes.
func TestGetMarksUsedCoarsely(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return clock }
	id := S3Identity("b", "k", "e")
	if err := s.Put(id, "sc", testStates(t)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBytes(id, "bytes", []byte("x")); err != nil {
		t.Fatal(err)
	}
	mod := func(scope string) time.Time {
		st, err := os.Stat(s.path(id, scope))
		if err != nil {
			t.Fatal(err)
		}
		return st.ModTime()
	}
	for _, scope := range []string{"sc", "bytes"} {
		get := func() bool {
			if scope == "sc" {
				return s.Get(id, scope) != nil
			}
			return s.GetBytes(id, scope) != nil
		}
		marked := clock.Add(-time.Hour)
		if err := os.Chtimes(s.path(id, scope), marked, marked); err != nil {
			t.Fatal(err)
		}
		if !get() || !mod(scope).Equal(clock) {
			t.Errorf("%s: a hit on an entry marked an hour ago left it at %v", scope, mod(scope))
		}
		clock = clock.Add(touchEvery / 2)
		if !get() || !mod(scope).Equal(clock.Add(-touchEvery/2)) {
			t.Errorf("%s: a hit within touchEvery marked the entry again", scope)
		}
		clock = clock.Add(touchEvery)
		if !get() || !mod(scope).Equal(clock) {
			t.Errorf("%s: a hit after touchEvery did not mark the entry", scope)
		}
		future := clock.Add(time.Hour)
		_ = os.Chtimes(s.path(id, scope), future, future)
		if !get() || !mod(scope).Equal(clock) {
			t.Errorf("%s: an entry marked in the future stayed there", scope)
		}
	}
	// A miss (another identity's entry under this name) marks nothing.
	other := S3Identity("b", "other", "e")
	if err := s.Put(other, "sc", testStates(t)); err != nil {
		t.Fatal(err)
	}
	marked := clock.Add(-time.Hour)
	_ = os.Rename(s.path(other, "sc"), s.path(id, "sc"))
	_ = os.Chtimes(s.path(id, "sc"), marked, marked)
	if s.Get(id, "sc") != nil || !mod("sc").Equal(marked) {
		t.Error("a miss marked the entry used")
	}
}

// GetAll reads each file's entry as Get does, in order, misses included,
// and a cancelled context is an error.
func TestGetAll(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var ids []Identity
	for i := range 40 {
		id := S3Identity("b", fmt.Sprint(i), "e")
		ids = append(ids, id)
		if i%3 == 0 {
			continue // a miss
		}
		if err := s.Put(id, "sc", map[string]State{"n": {Kind: KindCount, N: int64(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.WriteFile(s.path(ids[5], "sc"), []byte("damaged"), 0o600)
	got, err := s.GetAll(context.Background(), ids, "sc")
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range got {
		switch {
		case i%3 == 0 || i == 5:
			if m != nil {
				t.Errorf("file %d: a hit %v", i, m)
			}
		case m["n"].N != int64(i):
			t.Errorf("file %d: got %v", i, m)
		}
	}
	if got, err := s.GetAll(context.Background(), nil, "sc"); err != nil || len(got) != 0 {
		t.Errorf("no files: %v, %v", got, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.GetAll(ctx, ids, "sc"); err == nil {
		t.Error("a cancelled read was not an error")
	}
}

// entrySize is the size of one entry of the store in dir.
func entrySize(t *testing.T, dir string) int64 {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.st"))
	if len(m) == 0 {
		t.Fatal("no entry")
	}
	info, err := os.Stat(m[0])
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

// Trim reads the entries' sizes only when the marked size classes do not
// bound the store within its limit, and still evicts when they do not;
// a store without marks (written before them) is measured and marked.
func TestTrimBoundsBySizeClass(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return clock }
	ids := make([]Identity, 4)
	for i := range ids {
		ids[i] = S3Identity("b", fmt.Sprint(i), "e")
		if err := s.Put(ids[i], "sc", testStates(t)); err != nil {
			t.Fatal(err)
		}
		at := clock.Add(time.Duration(i) * time.Hour)
		if err := os.Chtimes(s.path(ids[i], "sc"), at, at); err != nil {
			t.Fatal(err)
		}
	}
	size := entrySize(t, dir)
	class := int64(1) << sizeClass(size)
	if class < size || class >= 2*size {
		t.Fatalf("class %d for an entry of %d bytes", class, size)
	}
	present := func() (n int) {
		for _, id := range ids {
			if _, err := os.Stat(s.path(id, "sc")); err == nil {
				n++
			}
		}
		return n
	}
	// Within the bound by the marks: nothing is evicted, and a stale
	// temporary file still goes.
	s.max = 4 * class
	tmp := writeStaleTemp(t, dir, ".tmp-1", clock)
	if err := s.Trim(); err != nil {
		t.Fatal(err)
	}
	if n := present(); n != 4 {
		t.Errorf("%d entries left within the bound, want 4", n)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Error("stale temporary file kept")
	}
	// The marks no longer bound it, the sizes do: still nothing evicted.
	s.max = 4 * size
	if err := s.Trim(); err != nil {
		t.Fatal(err)
	}
	if n := present(); n != 4 {
		t.Errorf("%d entries left at exactly the bound, want 4", n)
	}
	// Over the bound: the oldest go.
	s.max = 2*size + size/2
	if err := s.Trim(); err != nil {
		t.Fatal(err)
	}
	if n := present(); n != 2 {
		t.Errorf("%d entries left, want 2", n)
	}
	if _, err := os.Stat(s.path(ids[0], "sc")); !os.IsNotExist(err) {
		t.Error("oldest entry kept")
	}
	// Without marks, as a store written before them: measured, evicted
	// to the bound, and marked.
	marks, _ := filepath.Glob(filepath.Join(dir, sizeMarkPrefix+"*"))
	for _, m := range marks {
		os.Remove(m)
	}
	s2, err := Open(Options{Dir: dir, MaxBytes: size + size/2})
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Trim(); err != nil {
		t.Fatal(err)
	}
	if n := present(); n != 1 {
		t.Errorf("unmarked store: %d entries left, want 1", n)
	}
	if marks, _ := filepath.Glob(filepath.Join(dir, sizeMarkPrefix+"*")); len(marks) != 1 || filepath.Base(marks[0]) != sizeMarkPrefix+fmt.Sprint(sizeClass(size)) {
		t.Errorf("marks after measuring: %v", marks)
	}
}

// writeStaleTemp writes a writer's leftover temporary file in dir, two hours
// older than now (beyond staleTemp), and returns its path.
func writeStaleTemp(t *testing.T, dir, name string, now time.Time) string {
	t.Helper()
	tmp := filepath.Join(dir, name)
	if err := os.WriteFile(tmp, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := now.Add(-2 * time.Hour)
	_ = os.Chtimes(tmp, old, old)
	return tmp
}

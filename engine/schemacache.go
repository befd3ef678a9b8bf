package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	duckdbbindings "github.com/duckdb/duckdb-go-bindings"

	"github.com/dqlabs/dq/engine/internal/wire"
	"github.com/dqlabs/dq/engine/statecache"
)

// A dataset of several Parquet files is read with union_by_name, which
// matches the columns of files written at different times by name. The
// price is that DuckDB reads the footer of every file whenever it binds
// the call: the DESCRIBE that types the view, the view itself, and every
// statement over it. For a scheduled check of a dataset that gains a
// file a day, with the states of the others cached, that binding was the
// largest part of the run (20 ms of DESCRIBE alone over 31 files, against
// 2 ms for one file).
//
// With the state cache on, each Parquet file's columns as DuckDB reads
// it alone are kept in the store under the file's identity (the same as
// its states and footer summary) and the DuckDB version. When every file
// of the dataset has the same columns, in the same order, with the same
// types, union_by_name gives exactly those columns and rows, and the
// plain read_parquet call, which binds from the first file, reads the
// same data without opening the others until a statement scans them.
// Files whose columns differ keep union_by_name, as before.
//
// A file new to the cache (the day's new file) would need a DESCRIBE to
// learn its columns, after DuckDB has started. But DuckDB types a Parquet
// file from its footer's schema alone, so the store also keeps the columns
// under the footer's schema fingerprint (parquetstats.SchemaFingerprint),
// which the footer read that runs while DuckDB starts computes: a new
// file written like the others is known at once, the dataset's view needs
// nothing from DuckDB but its creation, and the run plans while DuckDB is
// still starting (Session.pending).

// schemaScopeVersion versions the encoding of the cached column lists.
const schemaScopeVersion = 1

// maxSchemaDescribes bounds the files a run describes one by one to fill
// the cache: a first run over a large dataset describes this many per
// run (and binds the whole dataset as before) rather than paying one
// statement per file at once.
const maxSchemaDescribes = 64

// schemaLookup is what the cache holds for the files of a dataset, read
// before DuckDB has started (it needs none).
type schemaLookup struct {
	store *statecache.Store
	// scope names the entries: the encoding's version and the DuckDB
	// library's, whose mapping of Parquet types may change.
	scope string
	files []string
	ids   []statecache.Identity
	cols  [][]Column // by file; nil when not cached
	fps   []string   // by file: footer schema fingerprints, "" unknown; nil when none were read
}

// schemaIdentity names the store's entry of the columns of files whose
// footers have the fingerprint fp.
func schemaIdentity(fp string) statecache.Identity {
	return statecache.Identity("parquet schema sha256:" + fp)
}

// missing says whether some file's columns are not cached.
func (l *schemaLookup) missing() bool {
	for _, c := range l.cols {
		if c == nil {
			return true
		}
	}
	return false
}

// useFingerprints takes the files' schema fingerprints from the footer
// read fr (nil: none), waiting for it, and fills in the columns of the
// files the cache knows by fingerprint only.
func (l *schemaLookup) useFingerprints(ctx context.Context, fr *footerRead) {
	if fr == nil || !slices.Equal(fr.files, l.files) {
		return
	}
	select {
	case <-fr.done:
	case <-ctx.Done():
		return
	}
	if fr.err != nil || fr.ds == nil || len(fr.ds.Schemas) != len(l.files) {
		return
	}
	l.fps = fr.ds.Schemas
	for i, fp := range l.fps {
		if l.cols[i] != nil || fp == "" {
			continue
		}
		if cols, ok := decodeColumns(l.store.GetBytes(schemaIdentity(fp), l.scope)); ok {
			l.cols[i] = cols
			if l.unchanged(i) {
				_ = l.store.PutBytes(l.ids[i], l.scope, encodeColumns(cols))
			}
		}
	}
}

// remember caches cols as the columns of file i, and of files with its
// footer's schema, unless the file changed since its identity was taken:
// the columns, or the fingerprint, may be of another version.
// It says whether the file was unchanged.
func (l *schemaLookup) remember(i int, cols []Column) bool {
	if !l.unchanged(i) {
		return false
	}
	b := encodeColumns(cols)
	_ = l.store.PutBytes(l.ids[i], l.scope, b) // unwritable: described again next run
	if i < len(l.fps) && l.fps[i] != "" {
		_ = l.store.PutBytes(schemaIdentity(l.fps[i]), l.scope, b)
	}
	return true
}

// unchanged says whether file i is still the version whose identity was
// taken when the files were listed.
func (l *schemaLookup) unchanged(i int) bool {
	now, err := statecache.LocalIdentity(l.files[i])
	return err == nil && now == l.ids[i]
}

// known returns the columns every file has when the cache knows them all
// and they are the same: the dataset's columns, with nothing asked of
// DuckDB.
func (l *schemaLookup) known() ([]Column, bool) {
	if l.missing() {
		return nil, false
	}
	for _, c := range l.cols[1:] {
		if !slices.Equal(l.cols[0], c) {
			return nil, false
		}
	}
	return l.cols[0], len(l.cols[0]) > 0
}

// lookupSchemas reads the cached columns of files, or returns nil when a
// file's identity cannot be taken (it then fails to read as before).
func lookupSchemas(store *statecache.Store, files []string) *schemaLookup {
	l := &schemaLookup{
		store: store,
		scope: fmt.Sprintf("parquet columns v%d duckdb %s", schemaScopeVersion, duckdbbindings.LibraryVersion()),
		files: files,
		ids:   make([]statecache.Identity, len(files)),
		cols:  make([][]Column, len(files)),
	}
	for i, f := range files {
		id, err := statecache.LocalIdentity(f)
		if err != nil {
			return nil
		}
		l.ids[i] = id
		if cols, ok := decodeColumns(store.GetBytes(id, l.scope)); ok {
			l.cols[i] = cols
		}
	}
	return l
}

// uniformColumns returns the columns every file has when read alone
// (read_parquet([file])), or false when they differ, a file cannot be
// described, or too many are not cached yet. Files not in the cache are
// described on conn and their columns cached.
func (l *schemaLookup) uniformColumns(ctx context.Context, conn querier) ([]Column, bool) {
	var first []Column
	uniform := true
	described := 0
	// The columns described in this run, by the files' footer schema
	// fingerprints: one file of each schema is described.
	byFP := map[string][]Column{}
	for i, f := range l.files {
		cols := l.cols[i]
		if cols == nil && i < len(l.fps) && l.fps[i] != "" {
			if cols = byFP[l.fps[i]]; cols != nil {
				l.cols[i] = cols
				if l.unchanged(i) {
					_ = l.store.PutBytes(l.ids[i], l.scope, encodeColumns(cols))
				}
			}
		}
		if cols == nil {
			if described == maxSchemaDescribes {
				uniform = false
				continue
			}
			described++
			var err error
			if cols, err = describeSQL(ctx, conn, "SELECT * FROM read_parquet("+quoteStringList([]string{f})+", hive_partitioning = false)"); err != nil {
				return nil, false
			}
			l.cols[i] = cols
			if l.remember(i, cols) && i < len(l.fps) && l.fps[i] != "" {
				byFP[l.fps[i]] = cols
			}
		}
		if first == nil {
			first = cols
		} else if !slices.Equal(first, cols) {
			uniform = false
		}
	}
	if !uniform || len(first) == 0 {
		return nil, false
	}
	return first, true
}

// encodeColumns writes a column list as length-prefixed names and types.
func encodeColumns(cols []Column) []byte {
	b := binary.AppendUvarint(nil, uint64(len(cols)))
	for _, c := range cols {
		for _, s := range []string{c.Name, c.Type} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	return b
}

// decodeColumns reads encodeColumns's bytes; false for nil or anything
// malformed (a miss).
func decodeColumns(b []byte) ([]Column, bool) {
	if b == nil {
		return nil, false
	}
	r := wire.NewReader(b)
	n := r.Count()
	// Each column takes at least two bytes: a bound before allocating.
	if r.Err() != nil || n > r.Len()/2 {
		return nil, false
	}
	cols := make([]Column, n)
	for i := range cols {
		cols[i] = Column{Name: string(r.Bytes()), Type: string(r.Bytes())}
	}
	if r.Err() != nil || r.Len() != 0 {
		return nil, false
	}
	return cols, true
}

package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	duckdbbindings "github.com/duckdb/duckdb-go-bindings"

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
	for i, f := range l.files {
		cols := l.cols[i]
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
			// A file that changed since its identity was taken is not
			// cached: its columns may be of either version.
			if now, err := statecache.LocalIdentity(f); err == nil && now == l.ids[i] {
				_ = l.store.PutBytes(l.ids[i], l.scope, encodeColumns(cols)) // unwritable: described again next run
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

var errBadColumns = errors.New("bad column list")

// decodeColumns reads encodeColumns's bytes; false for nil or anything
// malformed (a miss).
func decodeColumns(b []byte) ([]Column, bool) {
	if b == nil {
		return nil, false
	}
	next := func() (uint64, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, errBadColumns
		}
		b = b[k:]
		return n, nil
	}
	str := func() (string, error) {
		n, err := next()
		if err != nil || n > uint64(len(b)) {
			return "", errBadColumns
		}
		s := string(b[:n])
		b = b[n:]
		return s, nil
	}
	n, err := next()
	// Each column takes at least two bytes: a bound before allocating.
	if err != nil || n > uint64(len(b))/2 {
		return nil, false
	}
	cols := make([]Column, n)
	for i := range cols {
		if cols[i].Name, err = str(); err != nil {
			return nil, false
		}
		if cols[i].Type, err = str(); err != nil {
			return nil, false
		}
	}
	if len(b) != 0 {
		return nil, false
	}
	return cols, true
}

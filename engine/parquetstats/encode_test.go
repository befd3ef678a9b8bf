package parquetstats

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/dqlabs/dq/engine/parquetstats/footertest"
)

// summaries parses the footers of paths into Files, as ReadCached does on
// a miss.
func summaries(t *testing.T, paths []string) []*File {
	t.Helper()
	var out []*File
	for _, p := range paths {
		r, err := file.OpenParquetFile(p, false)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Summarize(r.MetaData()))
		r.Close()
	}
	return out
}

// TestSummaryRoundTrip: the summaries of files with every kind of bound
// (integers, doubles with NaN and signed zeros, decimals, dates, both
// timestamps, unicode strings, all-NULL and nested columns, a second file
// without some columns, files without statistics) encode and decode to
// equal values, and combine into the Dataset that Read builds from the
// footers.
func TestSummaryRoundTrip(t *testing.T) {
	db := duck(t)
	dir := t.TempDir()
	paths := mixedParts(t, db, dir)
	zeros := filepath.Join(dir, "zeros.parquet")
	exec(t, db, `COPY (SELECT CAST(v AS DOUBLE) AS d, {'a': 1, 'b': 'x'} AS nested, [1, 2] AS list
		FROM (VALUES (0.0), (1.5), (CAST('inf' AS DOUBLE))) t(v)) TO '`+zeros+`' (FORMAT parquet)`)
	paths = append(paths, zeros)
	for _, stats := range []bool{true, false} {
		p := filepath.Join(dir, map[bool]string{true: "arrow.parquet", false: "nostats.parquet"}[stats])
		writeArrow(t, p, stats)
		paths = append(paths, p)
	}
	files := summaries(t, paths)
	var decoded []*File
	for i, f := range files {
		b, err := f.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		g, err := UnmarshalFile(b)
		if err != nil {
			t.Fatalf("%s: %v", paths[i], err)
		}
		// The encoding leaves the schema's fingerprint out.
		if f.Schema == "" || g.Schema != "" {
			t.Errorf("%s: fingerprint %q, decoded %q", paths[i], f.Schema, g.Schema)
		}
		f.Schema = ""
		if !reflect.DeepEqual(f, g) {
			t.Errorf("%s: decoded %+v, want %+v", paths[i], g, f)
		}
		decoded = append(decoded, g)
	}
	// -0.0 stays -0.0 (a zero minimum means "-0.0 or +0.0").
	if lo := decoded[3].Columns[0].Stats[0].Min; lo == nil || lo.Float != 0 || !math.Signbit(lo.Float) {
		t.Errorf("zero minimum decoded as %+v", lo)
	}
	if hi := decoded[3].Columns[0].Stats[0].Max; hi == nil || !math.IsInf(hi.Float, 1) {
		t.Errorf("infinite maximum decoded as %+v", hi)
	}
	for _, set := range [][]int{{0, 1, 2}, {0, 3}, {4, 5, 1}} {
		var ps []string
		var fs []*File
		for _, i := range set {
			ps = append(ps, paths[i])
			fs = append(fs, decoded[i])
		}
		want, err := Read(context.Background(), ps)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Combine(fs)
		if err != nil {
			t.Fatal(err)
		}
		for _, fp := range want.Schemas {
			if fp == "" {
				t.Errorf("files %v: a footer read without its fingerprint", set)
			}
		}
		want.Schemas = got.Schemas // decoded summaries have none
		if !reflect.DeepEqual(got, want) {
			t.Errorf("files %v: combined summaries differ from the footers read", set)
		}
	}
}

// TestSummaryDamaged: every truncation of an encoded summary, a flipped
// length, trailing bytes and another SummaryVersion fail to decode (a
// cache then misses) instead of yielding statistics.
func TestSummaryDamaged(t *testing.T) {
	db := duck(t)
	p := filepath.Join(t.TempDir(), "a.parquet")
	exec(t, db, "COPY (SELECT * FROM ("+mixedSQL+")) TO '"+p+"' (FORMAT parquet, ROW_GROUP_SIZE 4)")
	b, err := summaries(t, []string{p})[0].MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(b); n++ {
		if _, err := UnmarshalFile(b[:n]); err == nil {
			t.Fatalf("a summary cut at %d of %d bytes decoded", n, len(b))
		}
	}
	if _, err := UnmarshalFile(append(append([]byte(nil), b...), 0)); err == nil {
		t.Error("trailing bytes decoded")
	}
	other := binary.AppendUvarint(nil, SummaryVersion+1)
	other = append(other, b[len(binary.AppendUvarint(nil, SummaryVersion)):]...)
	if _, err := UnmarshalFile(other); err == nil {
		t.Error("a summary of another version decoded")
	}
	// One row group's row count changed: the statistics no longer fit,
	// and such a summary does not encode.
	f := summaries(t, []string{p})[0]
	f.RowGroups[0]++
	if _, err := f.MarshalBinary(); err == nil {
		t.Error("statistics that do not fit their row groups encoded")
	}
	if _, err := Combine([]*File{f}); err == nil {
		t.Error("Combine took statistics that do not fit their row groups")
	}
}

// TestSummaryHeaderAndFlags: a summary whose announced sizes (row groups,
// columns, bounds, string bytes) or statistics flags do not match what
// follows fails to decode, and every single-byte change either fails or
// decodes to a summary that encodes again to the same bytes: never a
// panic, never an allocation sized by garbage.
func TestSummaryHeaderAndFlags(t *testing.T) {
	db := duck(t)
	p := filepath.Join(t.TempDir(), "a.parquet")
	exec(t, db, "COPY (SELECT * FROM ("+mixedSQL+")) TO '"+p+"' (FORMAT parquet, ROW_GROUP_SIZE 4)")
	f := summaries(t, []string{p})[0]
	b, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	// The header: version, row groups, columns.
	var head [3]uint64
	rest := b
	for i := range head {
		v, n := binary.Uvarint(rest)
		if n <= 0 {
			t.Fatal("no header")
		}
		head[i], rest = v, rest[n:]
	}
	for i := 1; i < len(head); i++ {
		for _, delta := range []int64{-1, 1, 1 << 40} {
			h := head
			h[i] = uint64(int64(h[i]) + delta)
			var bad []byte
			for _, v := range h {
				bad = binary.AppendUvarint(bad, v)
			}
			bad = append(bad, rest...)
			if _, err := UnmarshalFile(bad); err == nil {
				t.Errorf("header field %d off by %d decoded", i, delta)
			}
		}
	}
	// A column's numbers of bounds and string bytes and the length of its
	// statistics must be what follows, whether the column is kept or not.
	column := func(nvals, nbytes, size int) []byte {
		sec := []byte{flagMin | flagMax, byte(String), 1, 'a', byte(String), 2, 'b', 'c'}
		b := binary.AppendUvarint(nil, SummaryVersion)
		b = append(b, 1, 1, 2*3) // one row group, one column; 3 rows
		b = appendString(b, "s")
		b = appendString(b, "BYTE_ARRAY String")
		b = append(b, 0, byte(nvals), byte(nbytes), byte(size))
		return append(b, sec...)
	}
	if g, err := UnmarshalFile(column(2, 3, 8)); err != nil || string(g.Columns[0].Stats[0].Max.Bytes) != "bc" {
		t.Fatalf("a hand-made summary: %+v, %v", g, err)
	}
	for _, c := range [][3]int{{1, 3, 8}, {3, 3, 8}, {2, 2, 8}, {2, 4, 8}, {2, 3, 7}, {2, 3, 9}} {
		if _, err := UnmarshalFile(column(c[0], c[1], c[2])); err == nil {
			t.Errorf("bounds, bytes, length %v decoded", c)
		}
	}
	skip := func(string) bool { return false }
	if g, err := UnmarshalFileColumns(column(1, 3, 8), skip); err != nil || len(g.Columns) != 0 {
		t.Errorf("a column left out was read: %+v, %v", g, err)
	}
	if _, err := UnmarshalFileColumns(column(2, 3, 9), skip); err == nil {
		t.Error("a column left out ran past the end")
	}
	// Unknown flags, and a minimum without a maximum.
	one := &File{RowGroups: []int64{3}, Columns: []FileColumn{{Name: "x", Type: "INT64", Stats: []Stats{{Rows: 3}}}}}
	ob, err := one.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for _, flags := range []byte{0x10, 0x80, flagMin, flagMax} {
		bad := append([]byte(nil), ob...)
		bad[len(bad)-1] = flags // the only statistics' flags end the summary
		if _, err := UnmarshalFile(bad); err == nil {
			t.Errorf("flags %#x decoded", flags)
		}
	}
	for i := range b {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			bad := append([]byte(nil), b...)
			bad[i] ^= x
			g, err := UnmarshalFile(bad)
			if err != nil {
				continue
			}
			again, err := g.MarshalBinary()
			if err != nil {
				t.Fatalf("byte %d ^ %#x: decoded a summary that does not encode: %v", i, x, err)
			}
			if !reflect.DeepEqual(again, bad) {
				t.Fatalf("byte %d ^ %#x: decoded to a summary that encodes differently", i, x)
			}
		}
	}
}

// TestSummaryRefusesOddBounds: a bound with fields outside its kind (which
// the encoding would drop) or out of its kind's range does not encode.
func TestSummaryRefusesOddBounds(t *testing.T) {
	for name, v := range map[string]Value{
		"int with a float":         {Kind: Int, Int: 1, Float: 2},
		"float with an int":        {Kind: Float, Float: 1, Int: 2},
		"string with a scale":      {Kind: String, Bytes: []byte("a"), Scale: 1},
		"date with bytes":          {Kind: Date, Int: 3, Bytes: []byte("x")},
		"decimal with a unit":      {Kind: Decimal, Int: 3, Scale: 2, Unit: Micros},
		"timestamp without a unit": {Kind: Timestamp, Int: 3},
		"timestamp of unit 4":      {Kind: Timestamp, Int: 3, Unit: Nanos + 1},
		"bool of 2":                {Kind: Bool, Int: 2},
		"kind 0":                   {},
		"kind 9":                   {Kind: Bool + 1},
	} {
		f := &File{RowGroups: []int64{1}, Columns: []FileColumn{{Name: "x", Type: "t", Stats: []Stats{{Rows: 1, Min: &v, Max: &v}}}}}
		if _, err := f.MarshalBinary(); err == nil {
			t.Errorf("%s: encoded", name)
		}
	}
	// Every kind's own fields round-trip, extremes and -0.0 included.
	neg0 := math.Copysign(0, -1)
	var stats []Stats
	for _, v := range []Value{
		{Kind: Int, Int: math.MinInt64}, {Kind: Int, Int: math.MaxInt64},
		{Kind: Uint, Uint: math.MaxUint64}, {Kind: Float, Float: neg0}, {Kind: Float, Float: math.Inf(-1)},
		{Kind: Decimal, Int: -12345, Scale: 38}, {Kind: Date, Int: -719528},
		{Kind: Timestamp, Int: -1, Unit: Millis, UTC: true}, {Kind: Timestamp, Int: 1 << 62, Unit: Nanos},
		{Kind: String, Bytes: []byte("ünï\x00code")}, {Kind: String}, {Kind: Bool, Int: 1}, {Kind: Bool},
	} {
		v := v
		stats = append(stats, Stats{Rows: 5, Nulls: 2, HasNulls: true, Min: &v, Max: &v})
	}
	stats = append(stats, Stats{Rows: 5}, Stats{Rows: 5, Nulls: 5, HasNulls: true})
	f := &File{Columns: []FileColumn{{Name: "ä", Type: "any", Float: true}}}
	for range stats {
		f.RowGroups = append(f.RowGroups, 5)
	}
	f.Columns[0].Stats = stats
	b, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	g, err := UnmarshalFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f, g) {
		t.Errorf("decoded %+v, want %+v", g, f)
	}
	if !math.Signbit(g.Columns[0].Stats[3].Min.Float) {
		t.Error("-0.0 lost its sign")
	}
	// Decoded string bounds do not share memory with the encoding.
	at := bytes.Index(b, []byte("ünï"))
	if at < 0 {
		t.Fatal("no string bound in the encoding")
	}
	b[at] ^= 0xff
	if !reflect.DeepEqual(f, g) {
		t.Error("the decoded summary changed with its encoding")
	}
	// No columns, no row groups.
	for _, e := range []*File{{}, {RowGroups: []int64{0, 7}}, {Columns: []FileColumn{{Name: "n", Type: "nested"}}}} {
		b, err := e.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if g, err := UnmarshalFile(b); err != nil || !reflect.DeepEqual(g, e) {
			t.Errorf("%+v decoded as %+v, %v", e, g, err)
		}
	}
}

// TestReadSomeColumns: a Dataset of some columns (ReadCachedColumns, from
// footers or from summaries decoded with UnmarshalFileColumns) has exactly
// the statistics of those columns that a full Read has, the dataset's row
// groups and spans, and no other column: a column left out is not taken
// for one the files lack.
func TestReadSomeColumns(t *testing.T) {
	db := duck(t)
	dir := t.TempDir()
	paths := mixedParts(t, db, dir)
	// A file without n and with s spelt S; then one with x spelt twice.
	other := filepath.Join(dir, "other.parquet")
	exec(t, db, "COPY (SELECT 7 AS i, 'zz' AS S, 1.5 AS d) TO '"+other+"' (FORMAT parquet)")
	twice := filepath.Join(dir, "twice.parquet")
	exec(t, db, "COPY (SELECT 1 AS i, 2 AS a, 3 AS b) TO '"+twice+"' (FORMAT parquet)")
	footertest.Rewrite(t, twice, func(md *metadata.FileMetaData) {
		md.FileMetaData.Schema[2].Name, md.FileMetaData.Schema[3].Name = "X", "x"
	})
	paths = append(paths, other, twice)
	full, err := Read(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	wanted := map[string]bool{"n": true, "s": true, "x": true}
	keep := func(name string) bool { return wanted[strings.ToLower(name)] }
	cache := bytesCache{}
	for i, f := range summaries(t, paths) {
		b, err := f.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		cache[paths[i]] = b
	}
	partial := partialCache{cache, keep}
	for name, c := range map[string]Cache{"footers": nil, "whole summaries": cache, "partial summaries": partial} {
		d, err := ReadCachedColumns(context.Background(), paths, c, keep)
		if err != nil {
			t.Fatal(err)
		}
		if d.Rows != full.Rows || d.RowGroups != full.RowGroups || d.Files != full.Files || !reflect.DeepEqual(d.Spans, full.Spans) {
			t.Errorf("%s: %d rows, %d row groups, %d files, spans %v", name, d.Rows, d.RowGroups, d.Files, d.Spans)
		}
		for _, col := range []string{"n", "s", "S"} {
			if got, want := d.Column(col), full.Column(col); got == nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: column %s: %+v, want %+v", name, col, got, want)
			}
		}
		if d.Column("x") != nil || full.Column("x") != nil {
			t.Errorf("%s: an ambiguous column was answered", name)
		}
		for _, col := range []string{"i", "d", "dec", "ts"} {
			if d.Column(col) == nil && full.Column(col) == nil {
				t.Fatalf("column %s: not in the full read either", col)
			}
			if d.Column(col) != nil {
				t.Errorf("%s: column %s was not asked for", name, col)
			}
		}
		if len(d.Columns) != 3 { // n, s and the ambiguous X
			t.Errorf("%s: %d columns, want n, s and X", name, len(d.Columns))
		}
	}
}

// partialCache decodes only the columns keep accepts.
type partialCache struct {
	c    bytesCache
	keep func(string) bool
}

func (p partialCache) Get(path string) *File {
	f, err := UnmarshalFileColumns(p.c[path], p.keep)
	if err != nil {
		return nil
	}
	return f
}

func (p partialCache) Put(string, *File) {}

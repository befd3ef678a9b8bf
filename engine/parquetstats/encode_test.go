package parquetstats

import (
	"context"
	"encoding/binary"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"
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
	// One row group's row count changed: the statistics no longer fit.
	f := summaries(t, []string{p})[0]
	f.RowGroups[0]++
	bad, _ := f.MarshalBinary()
	if _, err := UnmarshalFile(bad); err == nil {
		t.Error("statistics that do not fit their row groups decoded")
	}
	if _, err := Combine([]*File{f}); err == nil {
		t.Error("Combine took statistics that do not fit their row groups")
	}
}

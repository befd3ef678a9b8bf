package parquetstats

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/schema"
	"github.com/dqlabs/dq/engine/parquetstats/footertest"
	_ "github.com/duckdb/duckdb-go/v2"
)

func openDuck() (*sql.DB, error) { return sql.Open("duckdb", "") }

func duck(t *testing.T) *sql.DB {
	t.Helper()
	db, err := openDuck()
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func exec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// mixedSQL is a table with NULLs, NaN, negative numbers, decimals, dates,
// both kinds of timestamp, unicode strings, and a column that is NULL in
// a whole row group (rows 0..3 with ROW_GROUP_SIZE 4... DuckDB rounds row
// groups to its vector size, so several files are written instead).
const mixedSQL = `SELECT i, CASE WHEN i % 5 = 0 THEN NULL ELSE i * 7 - 40 END AS n,
  CASE WHEN i = 3 THEN 'NaN'::DOUBLE WHEN i % 4 = 0 THEN NULL ELSE i / 3.0 - 2 END AS d,
  CAST(i * 1.25 - 3 AS DECIMAL(10,2)) AS dec,
  DATE '2024-01-01' + CAST(i AS INTEGER) AS day,
  TIMESTAMP '2024-01-01 00:00:00' + i * INTERVAL 90 MINUTE AS ts,
  TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL 1 HOUR AS tstz,
  CASE WHEN i % 3 = 0 THEN NULL ELSE 'héllo ' || i END AS s,
  CAST(NULL AS INTEGER) AS allnull
FROM range(0, 30) r(i)`

// mixedParts writes mixedSQL's rows as three Parquet files of different
// sizes under dir, in row groups of 4 rows, and returns their paths.
func mixedParts(t *testing.T, db *sql.DB, dir string) []string {
	t.Helper()
	var paths []string
	for k, where := range []string{"i < 10", "i >= 10 AND i < 25", "i >= 25"} {
		p := filepath.Join(dir, "part"+string(rune('a'+k))+".parquet")
		exec(t, db, "COPY (SELECT * FROM ("+mixedSQL+") WHERE "+where+") TO '"+p+"' (FORMAT parquet, ROW_GROUP_SIZE 4)")
		paths = append(paths, p)
	}
	return paths
}

func TestReadMatchesDuckDB(t *testing.T) {
	db := duck(t)
	dir := t.TempDir()
	paths := mixedParts(t, db, dir)
	d, err := Read(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	if d.Rows != 30 || d.Files != 3 {
		t.Fatalf("rows %d files %d", d.Rows, d.Files)
	}
	for _, c := range []string{"i", "n", "d", "dec", "day", "ts", "tstz", "s", "allnull"} {
		col := d.Column(strings.ToUpper(c)) // names match without case
		if col == nil {
			t.Fatalf("column %s missing", c)
		}
		var rows, nonNull int64
		if err := db.QueryRow("SELECT count(*), count("+c+") FROM ("+mixedSQL+")").Scan(&rows, &nonNull); err != nil {
			t.Fatal(err)
		}
		if col.Rows != rows || !col.HasNulls || col.Nulls != rows-nonNull {
			t.Errorf("%s: rows %d nulls %d/%v, want %d, %d", c, col.Rows, col.Nulls, col.HasNulls, rows, rows-nonNull)
		}
		var sum int64
		for _, rg := range col.RowGroups {
			sum += rg.Rows
		}
		if sum != rows || len(col.RowGroups) != d.RowGroups {
			t.Errorf("%s: row groups sum to %d rows in %d groups (dataset %d)", c, sum, len(col.RowGroups), d.RowGroups)
		}
	}
	num := func(c, agg string) float64 {
		var f float64
		if err := db.QueryRow("SELECT CAST(" + agg + "(" + c + ") AS DOUBLE) FROM (" + mixedSQL + ") WHERE NOT isnan(CAST(" + c + " AS DOUBLE))").Scan(&f); err != nil {
			t.Fatal(err)
		}
		return f
	}
	for _, c := range []string{"i", "n", "d", "dec"} {
		col := d.Column(c)
		if col.NaNPossible != (c == "d") {
			t.Errorf("%s: NaNPossible %v", c, col.NaNPossible)
		}
		if c == "d" && col.Min == nil {
			continue // DuckDB writes no bounds for a row group with NaN
		}
		if col.Min == nil || col.Max == nil {
			t.Errorf("%s: no bounds", c)
			continue
		}
		lo, _ := col.Min.Float64()
		hi, _ := col.Max.Float64()
		if lo != num(c, "min") || hi != num(c, "max") {
			t.Errorf("%s: bounds %v..%v, want %v..%v", c, lo, hi, num(c, "min"), num(c, "max"))
		}
	}
	if k := d.Column("dec").Min; k.Kind != Decimal || k.Scale != 2 || k.Int != -300 {
		t.Errorf("dec min %+v", k)
	}
	us := func(c, agg string) int64 {
		var v int64
		if err := db.QueryRow("SELECT epoch_us(" + agg + "(" + c + ")) FROM (" + mixedSQL + ")").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []string{"day", "ts", "tstz"} {
		col := d.Column(c)
		if col.Min == nil || col.Max == nil {
			t.Errorf("%s: no bounds", c)
			continue
		}
		lo, ok1 := col.Min.Micros()
		hi, ok2 := col.Max.Micros()
		if !ok1 || !ok2 || lo != us(c, "min") || hi != us(c, "max") {
			t.Errorf("%s: bounds %d..%d, want %d..%d", c, lo, hi, us(c, "min"), us(c, "max"))
		}
	}
	if !d.Column("tstz").Min.UTC || d.Column("ts").Min.UTC {
		t.Error("isAdjustedToUTC not carried")
	}
	if c := d.Column("allnull"); c.Min != nil || c.Nulls != 30 {
		t.Errorf("allnull: %+v", c.Stats)
	}
	// Strings: bounds only when the writer marks them exact.
	if c := d.Column("s"); c.Min != nil {
		var lo, hi string
		if err := db.QueryRow("SELECT min(s), max(s) FROM ("+mixedSQL+")").Scan(&lo, &hi); err != nil {
			t.Fatal(err)
		}
		if string(c.Min.Bytes) != lo || string(c.Max.Bytes) != hi {
			t.Errorf("s: %q..%q, want %q..%q", c.Min.Bytes, c.Max.Bytes, lo, hi)
		}
	}
}

// writeArrow writes a file with arrow-go's low-level writer, which can
// leave statistics out and writes INT96 timestamps: x INT64 (5, -2 | 9,
// NULL), f DOUBLE (1.5, NaN | -3, 2), s STRING ("b", "a" | "c", NULL), old
// INT96, in two row groups of two rows.
func writeArrow(t *testing.T, path string, stats bool) {
	t.Helper()
	node := func(n schema.Node, err error) schema.Node {
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	opt := parquet.Repetitions.Optional
	root, err := schema.NewGroupNode("schema", parquet.Repetitions.Required, schema.FieldList{
		node(schema.NewPrimitiveNode("x", opt, parquet.Types.Int64, -1, -1)),
		node(schema.NewPrimitiveNode("f", opt, parquet.Types.Double, -1, -1)),
		node(schema.NewPrimitiveNodeLogical("s", opt, schema.StringLogicalType{}, parquet.Types.ByteArray, -1, -1)),
		node(schema.NewPrimitiveNode("old", opt, parquet.Types.Int96, -1, -1)),
	}, -1)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := file.NewParquetWriter(&buf, root, file.WithWriterProps(parquet.NewWriterProperties(parquet.WithStats(stats))))
	groups := []struct {
		x    []int64
		xdef []int16
		f    []float64
		s    []parquet.ByteArray
		sdef []int16
	}{
		{[]int64{5, -2}, []int16{1, 1}, []float64{1.5, math.NaN()}, []parquet.ByteArray{[]byte("b"), []byte("a")}, []int16{1, 1}},
		{[]int64{9}, []int16{1, 0}, []float64{-3, 2}, []parquet.ByteArray{[]byte("c")}, []int16{1, 0}},
	}
	for _, g := range groups {
		rg := w.AppendRowGroup()
		cw, _ := rg.NextColumn()
		if _, err := cw.(*file.Int64ColumnChunkWriter).WriteBatch(g.x, g.xdef, nil); err != nil {
			t.Fatal(err)
		}
		cw.Close()
		cw, _ = rg.NextColumn()
		if _, err := cw.(*file.Float64ColumnChunkWriter).WriteBatch(g.f, []int16{1, 1}, nil); err != nil {
			t.Fatal(err)
		}
		cw.Close()
		cw, _ = rg.NextColumn()
		if _, err := cw.(*file.ByteArrayColumnChunkWriter).WriteBatch(g.s, g.sdef, nil); err != nil {
			t.Fatal(err)
		}
		cw.Close()
		cw, _ = rg.NextColumn()
		if _, err := cw.(*file.Int96ColumnChunkWriter).WriteBatch([]parquet.Int96{{1, 2, 3}, {4, 5, 6}}, []int16{1, 1}, nil); err != nil {
			t.Fatal(err)
		}
		cw.Close()
		if err := rg.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWriterWithoutStatistics(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nostats.parquet")
	writeArrow(t, p, false)
	d, err := Read(context.Background(), []string{p})
	if err != nil {
		t.Fatal(err)
	}
	if d.Rows != 4 || d.RowGroups != 2 {
		t.Fatalf("rows %d groups %d", d.Rows, d.RowGroups)
	}
	for _, c := range d.Columns {
		if c.HasNulls || c.Min != nil || c.Max != nil {
			t.Errorf("%s: statistics from a file without any: %+v", c.Name, c.Stats)
		}
	}
}

func TestArrowStatistics(t *testing.T) {
	p := filepath.Join(t.TempDir(), "stats.parquet")
	writeArrow(t, p, true)
	d, err := Read(context.Background(), []string{p})
	if err != nil {
		t.Fatal(err)
	}
	x := d.Column("x")
	if !x.HasNulls || x.Nulls != 1 || x.Min == nil || x.Min.Int != -2 || x.Max.Int != 9 {
		t.Errorf("x: %+v min %v max %v", x.Stats, x.Min, x.Max)
	}
	// NaN is left out of the bounds, and said to be possible.
	f := d.Column("f")
	if f.Min == nil || f.Min.Float != -3 || f.Max.Float != 2 || !f.NaNPossible || f.Nulls != 0 {
		t.Errorf("f: %+v min %v max %v", f.Stats, f.Min, f.Max)
	}
	// INT96 timestamps: no trustworthy order.
	if c := d.Column("old"); c.Min != nil || !strings.HasPrefix(c.Type, "INT96") {
		t.Errorf("old (%s): bounds %v..%v", c.Type, c.Min, c.Max)
	}
	// arrow-go does not mark string bounds exact: unknown.
	if c := d.Column("s"); c.Min != nil || c.Nulls != 1 {
		t.Errorf("s: %+v", c.Stats)
	}
}

func TestTrustRules(t *testing.T) {
	db := duck(t)
	dir := t.TempDir()
	src := `SELECT i AS n, CAST(i AS DOUBLE) + 0.5 AS d, 'value ' || i AS s FROM range(1, 9) r(i)`
	p := filepath.Join(dir, "t.parquet")
	write := func() {
		exec(t, db, "COPY ("+src+") TO '"+p+"' (FORMAT parquet)")
	}
	read := func() *Dataset {
		t.Helper()
		d, err := Read(context.Background(), []string{p})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	yes, no := true, false
	leaf := map[string]int{"n": 0, "d": 1, "s": 2}
	stats := func(md *metadata.FileMetaData, c string) func(f func(min, max *[]byte, minV, maxV *[]byte, minExact, maxExact **bool)) {
		return func(f func(min, max *[]byte, minV, maxV *[]byte, minExact, maxExact **bool)) {
			for _, rg := range md.RowGroups {
				st := rg.Columns[leaf[c]].MetaData.Statistics
				f(&st.Min, &st.Max, &st.MinValue, &st.MaxValue, &st.IsMinValueExact, &st.IsMaxValueExact)
			}
		}
	}

	// Exact string bounds are used; truncated or unmarked ones are not.
	write()
	footertest.Rewrite(t, p, func(md *metadata.FileMetaData) {
		stats(md, "s")(func(_, _, minV, maxV *[]byte, me, xe **bool) {
			*minV, *maxV, *me, *xe = []byte("value 1"), []byte("value 8"), &yes, &yes
		})
	})
	if c := read().Column("s"); c.Min == nil || string(c.Min.Bytes) != "value 1" || string(c.Max.Bytes) != "value 8" {
		t.Errorf("exact string bounds not used: %+v", c.Stats)
	}
	write()
	footertest.Rewrite(t, p, func(md *metadata.FileMetaData) {
		stats(md, "s")(func(_, _, minV, maxV *[]byte, me, xe **bool) {
			*minV, *maxV, *me, *xe = []byte("value 1"), []byte("value 9"), &yes, &no // max truncated, rounded up
		})
	})
	if c := read().Column("s"); c.Min != nil {
		t.Errorf("truncated string bound used: %+v", c.Stats)
	}

	// Only the deprecated fields: used for signed numbers, not strings.
	write()
	footertest.Rewrite(t, p, func(md *metadata.FileMetaData) {
		for c := range leaf {
			stats(md, c)(func(min, max, minV, maxV *[]byte, _, _ **bool) {
				*min, *max, *minV, *maxV = *minV, *maxV, nil, nil
			})
		}
	})
	d := read()
	if c := d.Column("n"); c.Min == nil || c.Min.Int != 1 || c.Max.Int != 8 {
		t.Errorf("deprecated integer bounds not used: %+v", c.Stats)
	}
	if c := d.Column("s"); c.Min != nil {
		t.Errorf("deprecated string bounds used: %+v", c.Stats)
	}

	// NaN written as a bound (some writers did): unknown.
	write()
	footertest.Rewrite(t, p, func(md *metadata.FileMetaData) {
		stats(md, "d")(func(_, _, _, maxV *[]byte, _, _ **bool) {
			*maxV = binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.NaN()))
		})
	})
	if c := read().Column("d"); c.Min != nil || c.Max != nil {
		t.Errorf("NaN bound used: %+v", c.Stats)
	}

	// No null count: unknown, not zero.
	write()
	footertest.Rewrite(t, p, func(md *metadata.FileMetaData) {
		for _, rg := range md.RowGroups {
			rg.Columns[0].MetaData.Statistics.NullCount = nil
		}
	})
	if c := read().Column("n"); c.HasNulls {
		t.Errorf("missing null count reported: %+v", c.Stats)
	}
}

func TestUnionByName(t *testing.T) {
	db := duck(t)
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet"), filepath.Join(dir, "c.parquet")
	exec(t, db, "COPY (SELECT i AS x, i * 2 AS y FROM range(0, 5) r(i)) TO '"+a+"' (FORMAT parquet)")
	exec(t, db, "COPY (SELECT i + 100 AS X FROM range(0, 3) r(i)) TO '"+b+"' (FORMAT parquet)")
	exec(t, db, "COPY (SELECT CAST(i AS INTEGER) AS x FROM range(0, 2) r(i)) TO '"+c+"' (FORMAT parquet)")
	d, err := Read(context.Background(), []string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	var nulls, lo, hi int64
	if err := db.QueryRow("SELECT count(*) - count(y), min(x), max(x) FROM read_parquet(['"+a+"', '"+b+"'], union_by_name = true)").Scan(&nulls, &lo, &hi); err != nil {
		t.Fatal(err)
	}
	if y := d.Column("y"); y.Nulls != nulls || y.Rows != 8 || y.Max.Int != 8 {
		t.Errorf("y: %+v", y.Stats)
	}
	if x := d.Column("x"); x.Min.Int != lo || x.Max.Int != hi || x.Nulls != 0 {
		t.Errorf("x: %+v %v..%v", x.Stats, x.Min, x.Max)
	}
	// The y of the first file keeps its row groups, the second's are NULL.
	if y := d.Column("y"); len(y.RowGroups) != 2 || y.RowGroups[1].Nulls != 3 {
		t.Errorf("y row groups: %+v", y.RowGroups)
	}
	// INT64 in one file and INT32 in another: bounds of different types
	// are not combined.
	d, err = Read(context.Background(), []string{a, c})
	if err != nil {
		t.Fatal(err)
	}
	if x := d.Column("x"); x.Min != nil || x.Nulls != 0 || x.Rows != 7 {
		t.Errorf("mixed types: %+v", x.Stats)
	}
}

func TestAmbiguousNames(t *testing.T) {
	db := duck(t)
	p := filepath.Join(t.TempDir(), "a.parquet")
	exec(t, db, `COPY (SELECT 1 AS a, 2 AS b) TO '`+p+`' (FORMAT parquet)`)
	// DuckDB renames such duplicates; other writers do not.
	footertest.Rewrite(t, p, func(md *metadata.FileMetaData) {
		md.FileMetaData.Schema[1].Name, md.FileMetaData.Schema[2].Name = "Id", "ID"
	})
	d, err := Read(context.Background(), []string{p})
	if err != nil {
		t.Fatal(err)
	}
	if d.Column("id") != nil {
		t.Error("a name spelt twice in one file was answered")
	}
}

// TestWriterVersions: bounds that a writer's version is known to order
// wrongly (unsigned integers as signed, before parquet-mr 1.10 and
// parquet-cpp 1.3: PARQUET-686) are unknown; the same bounds from a fixed
// version, or signed ones, are used. Null counts are kept either way.
func TestWriterVersions(t *testing.T) {
	db := duck(t)
	p := filepath.Join(t.TempDir(), "u.parquet")
	for _, tc := range []struct {
		createdBy string
		unsigned  bool // the unsigned column's bounds are used
	}{
		{"parquet-mr version 1.9.0 (build 38262e2c80015d0935dad20f8e18f2d6f9fbd03c)", false},
		{"parquet-cpp version 1.2.0", false},
		{"parquet-mr version 1.10.1 (build a89df8f9932b6ef6633d06069e50c9b7970bebd1)", true},
		{"parquet-cpp-arrow version 14.0.2", true},
		{"DuckDB version v1.5.6 (build 069cc9f9b5)", true},
	} {
		exec(t, db, "COPY (SELECT CAST(i AS UBIGINT) AS u, i - 3 AS n, CASE WHEN i = 2 THEN NULL ELSE i END AS k FROM range(1, 9) r(i)) TO '"+p+"' (FORMAT parquet)")
		footertest.Rewrite(t, p, func(md *metadata.FileMetaData) {
			cb := tc.createdBy
			md.CreatedBy = &cb
		})
		d, err := Read(context.Background(), []string{p})
		if err != nil {
			t.Fatal(err)
		}
		if u := d.Column("u"); (u.Min != nil) != tc.unsigned || !u.HasNulls || u.Nulls != 0 {
			t.Errorf("%s: unsigned bounds used = %v, want %v (%+v)", tc.createdBy, u.Min != nil, tc.unsigned, u.Stats)
		}
		if n := d.Column("n"); n.Min == nil || n.Min.Int != -2 || n.Max.Int != 5 {
			t.Errorf("%s: signed bounds not used: %+v", tc.createdBy, n.Stats)
		}
		if k := d.Column("k"); !k.HasNulls || k.Nulls != 1 {
			t.Errorf("%s: null count lost: %+v", tc.createdBy, k.Stats)
		}
	}
}

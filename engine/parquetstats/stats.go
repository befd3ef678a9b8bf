// Package parquetstats reads what Parquet footers say about a dataset's
// columns — row counts, null counts, minimum and maximum — and says which of
// it can be trusted, so that a caller can answer aggregates without reading
// the data.
//
// A statistic is reported only when every row group that could contribute
// to it carries it and it is exact: an absent statistic, a truncated string
// bound, a deprecated min/max of a type whose old sort order was wrong, an
// INT96 timestamp, a NaN bound, bounds with the minimum above the maximum
// (an all-NaN chunk's sentinels) or bounds of a type that the writer's
// version (created_by) is known to order wrongly make it unknown (nil /
// false), never approximate. Float and double minimum and maximum exclude NaN by the
// Parquet spec, and footers do not say whether NaN occurs: Column.NaNPossible
// tells the caller that Max may not be the maximum in an order that ranks
// NaN above every number (DuckDB's, Spark's).
//
// The package depends on arrow-go's footer reader only; it knows nothing of
// rules or SQL.
package parquetstats

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// Kind is the type of a statistic's value.
type Kind int

const (
	Int       Kind = iota + 1 // signed integer (INT32/INT64, INT(n, true))
	Uint                      // unsigned integer (INT(n, false))
	Float                     // FLOAT or DOUBLE
	Decimal                   // DECIMAL stored in INT32/INT64: Int × 10^-Scale
	Date                      // days since 1970-01-01
	Timestamp                 // Int units (Unit) since the epoch
	String                    // UTF-8 bytes
	Bool
)

// Unit is a timestamp's resolution.
type Unit int

const (
	Millis Unit = iota + 1
	Micros
	Nanos
)

// Value is one typed minimum or maximum.
type Value struct {
	Kind  Kind
	Int   int64 // Int, Decimal (unscaled), Date, Timestamp; Bool as 0/1
	Uint  uint64
	Float float64
	Bytes []byte
	Scale int32 // Decimal
	Unit  Unit  // Timestamp
	UTC   bool  // Timestamp: isAdjustedToUTC
}

// Float64 is the value as DuckDB's CAST(... AS DOUBLE) gives it, for the
// numeric kinds; ok is false for the others. A DECIMAL divides its unscaled
// integer by 10^scale in double arithmetic, which is how DuckDB casts it.
func (v Value) Float64() (f float64, ok bool) {
	switch v.Kind {
	case Int:
		return float64(v.Int), true
	case Uint:
		return float64(v.Uint), true
	case Float:
		return v.Float, true
	case Decimal:
		if v.Scale < 0 || v.Scale > 18 {
			return 0, false
		}
		return float64(v.Int) / math.Pow10(int(v.Scale)), true
	}
	return 0, false
}

// Micros is a Timestamp or Date as microseconds since the epoch; ok is
// false for other kinds, nanosecond timestamps that are not whole
// microseconds, and values out of range.
func (v Value) Micros() (int64, bool) {
	switch v.Kind {
	case Date:
		if v.Int > math.MaxInt64/86_400_000_000 || v.Int < math.MinInt64/86_400_000_000 {
			return 0, false
		}
		return v.Int * 86_400_000_000, true
	case Timestamp:
		switch v.Unit {
		case Millis:
			if v.Int > math.MaxInt64/1000 || v.Int < math.MinInt64/1000 {
				return 0, false
			}
			return v.Int * 1000, true
		case Micros:
			return v.Int, true
		case Nanos:
			if v.Int%1000 != 0 {
				return 0, false
			}
			return v.Int / 1000, true
		}
	}
	return 0, false
}

func (v Value) String() string {
	switch v.Kind {
	case Int, Date, Timestamp:
		return fmt.Sprint(v.Int)
	case Uint:
		return fmt.Sprint(v.Uint)
	case Float:
		return fmt.Sprint(v.Float)
	case Decimal:
		return fmt.Sprintf("%de-%d", v.Int, v.Scale)
	case String:
		return fmt.Sprintf("%q", v.Bytes)
	case Bool:
		return fmt.Sprint(v.Int != 0)
	}
	return "?"
}

// compare orders two values of the same kind and shape; ok is false when
// they are not comparable (different kinds, scales or units).
func compare(a, b Value) (int, bool) {
	if a.Kind != b.Kind || a.Scale != b.Scale || a.Unit != b.Unit || a.UTC != b.UTC {
		return 0, false
	}
	switch a.Kind {
	case Int, Decimal, Date, Timestamp, Bool:
		return cmpInt(a.Int, b.Int), true
	case Uint:
		switch {
		case a.Uint < b.Uint:
			return -1, true
		case a.Uint > b.Uint:
			return 1, true
		}
		return 0, true
	case Float:
		switch {
		case a.Float < b.Float:
			return -1, true
		case a.Float > b.Float:
			return 1, true
		}
		return 0, true
	case String:
		return bytes.Compare(a.Bytes, b.Bytes), true
	}
	return 0, false
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Stats are one column's statistics over some rows: a row group, a file or
// the whole dataset.
type Stats struct {
	Rows int64
	// Nulls is the number of NULLs; valid only when HasNulls.
	Nulls    int64
	HasNulls bool
	// Min and Max are exact bounds of the non-NULL, non-NaN values, or nil
	// when unknown. Both are nil when every value is NULL. A zero bound of
	// a FLOAT/DOUBLE column is exact except for its sign: the values may
	// hold -0.0, +0.0 or both (Min is -0.0 and Max +0.0 then).
	Min, Max *Value
}

// Column is one top-level column of the dataset, matched across files by
// name without regard to case.
type Column struct {
	Name string // as the first file that has it spells it
	// Type describes the Parquet type, for messages ("INT64 DECIMAL(10,2)").
	Type string
	Stats
	// NaNPossible is set for FLOAT and DOUBLE columns: NaN values are not
	// reflected in Min/Max, and footers do not count them.
	NaNPossible bool
	// RowGroups are the statistics per row group, in file order; row
	// groups of files without the column have Rows set and every value
	// NULL.
	RowGroups []Stats
	// spoiled: some row group had values but no usable bounds.
	spoiled bool
}

// Dataset is what the footers of a dataset's files say.
type Dataset struct {
	Rows      int64
	Files     int
	RowGroups int
	Columns   []*Column
	byName    map[string]*Column
	// ambiguous names occur twice in one file, differing only by case.
	ambiguous map[string]bool
	fileIndex int // of the file add reads
	// groupCap is the number of row groups of all the files Combine adds.
	groupCap int
	// rowGroupRows are the row counts of the row groups read so far.
	rowGroupRows []int64
	// Spans place each row group (in the order of Column.RowGroups) in
	// its file: which file, and the row number of its first row there.
	Spans []RowGroupSpan
	// Schemas are the files' File.Schema, in file order ("" for a file
	// whose summary came from a cache).
	Schemas []string
}

// RowGroupSpan is where a row group's rows are in its file: rows First to
// First+Rows-1, counted from 0 as DuckDB's file_row_number counts them.
type RowGroupSpan struct {
	File        int // index in the files given to Read or FromMetadata
	First, Rows int64
}

// Column returns the column with the name, compared without regard to
// case; nil when no file has it or a file has two spellings of it.
func (d *Dataset) Column(name string) *Column {
	k := strings.ToLower(name)
	if d.ambiguous[k] {
		return nil
	}
	return d.byName[k]
}

// Read reads the footers of the local Parquet files and combines them as
// DuckDB's read_parquet(..., union_by_name = true) combines the files: a
// file without a column contributes NULLs to it.
func Read(ctx context.Context, paths []string) (*Dataset, error) {
	return ReadCached(ctx, paths, nil)
}

// Cache keeps the footer summaries of files between runs (see File). Get
// returns nil when it has none for the file's current version; Put offers
// the summary of a file just read (all its columns). Both may be called
// from several goroutines at once. Under ReadCachedColumns, Get may leave
// out the columns the reader does not keep (UnmarshalFileColumns).
type Cache interface {
	Get(path string) *File
	Put(path string, f *File)
}

// ReadCached is Read taking each file's summary from cache when it has
// one, and parsing only the other footers (offering their summaries to
// it). A nil cache parses every footer.
func ReadCached(ctx context.Context, paths []string, cache Cache) (*Dataset, error) {
	return ReadCachedColumns(ctx, paths, cache, nil)
}

// ReadCachedColumns is ReadCached for the columns whose names keep accepts
// only (nil: all): the Dataset has no others (see CombineColumns).
func ReadCachedColumns(ctx context.Context, paths []string, cache Cache, keep func(name string) bool) (*Dataset, error) {
	files := make([]*File, len(paths))
	errs := make([]error, len(paths))
	// Parsing a footer is CPU work (5 ms for a 1M-row taxi file), so the
	// footers of many files are parsed on every core.
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, p := range paths {
		if err := ctx.Err(); err != nil {
			wg.Wait()
			return nil, err
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if cache != nil {
				if files[i] = cache.Get(p); files[i] != nil {
					return
				}
			}
			r, err := file.OpenParquetFile(p, false)
			if err != nil {
				errs[i] = fmt.Errorf("reading the Parquet footer of %s: %w", p, err)
				return
			}
			md := r.MetaData()
			if err := r.Close(); err != nil {
				errs[i] = fmt.Errorf("closing %s: %w", p, err)
				return
			}
			files[i] = Summarize(md)
			if cache != nil {
				cache.Put(p, files[i])
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return CombineColumns(files, keep)
}

// FromMetadata combines footers already read (by an S3 source, say), in
// file order.
func FromMetadata(mds []*metadata.FileMetaData) (*Dataset, error) {
	files := make([]*File, len(mds))
	for fi, md := range mds {
		if md == nil {
			return nil, fmt.Errorf("file %d: no footer", fi)
		}
		files[fi] = Summarize(md)
	}
	return Combine(files)
}

// File is what one file's footer says, with the trust rules applied:
// everything a Dataset takes from that file, and nothing that depends on
// the other files. It is small and encodes (MarshalBinary) so that a
// caller can keep it between runs instead of parsing the footer again.
type File struct {
	// RowGroups are the row counts of the file's row groups.
	RowGroups []int64
	// Columns are the file's top-level columns in order, a name repeated
	// (in another case) as often as the file has it.
	Columns []FileColumn
	// Schema is the footer's SchemaFingerprint when the summary was made
	// from the footer (Summarize); a decoded summary has none, since the
	// encoding leaves it out.
	Schema string
}

// FileColumn is one top-level column of one file.
type FileColumn struct {
	Name string
	// Type describes the Parquet type (typeName); "nested" for a column
	// that is not a primitive leaf.
	Type  string
	Float bool // FLOAT or DOUBLE
	// Stats are the column's statistics per row group, as chunkStats
	// trusts them (only Rows for a nested column).
	Stats []Stats
}

// Summarize applies the trust rules to a file's footer.
func Summarize(md *metadata.FileMetaData) *File {
	f := &File{RowGroups: rowGroupRows(md), Schema: SchemaFingerprint(md)}
	sch := md.Schema
	root := sch.Root()
	typeOrdered := func(leaf int) bool {
		os := md.FileMetaData.GetColumnOrders()
		return leaf < len(os) && os[leaf] != nil && os[leaf].TYPE_ORDER != nil
	}
	for i := 0; i < root.NumFields(); i++ {
		n := root.Field(i)
		fc := FileColumn{Name: n.Name(), Type: "nested"}
		leaf := -1
		if n.Type() == schema.Primitive && n.RepetitionType() != parquet.Repetitions.Repeated {
			leaf = sch.ColumnIndexByNode(n)
			if leaf >= 0 {
				c := sch.Column(leaf)
				fc.Type = typeName(c)
				fc.Float = c.PhysicalType() == parquet.Types.Float || c.PhysicalType() == parquet.Types.Double
			}
		}
		for _, rg := range md.FileMetaData.GetRowGroups() {
			st := Stats{Rows: rg.GetNumRows()}
			if leaf >= 0 && leaf < len(rg.GetColumns()) {
				raw := rawStats{typeOrdered: typeOrdered(leaf), writer: md.WriterVersion()}
				// Encrypted columns have no plain metadata: unknown.
				if st := rg.GetColumns()[leaf].GetMetaData().GetStatistics(); st != nil {
					raw.present = true
					raw.min, raw.max = st.Min, st.Max
					raw.hasMin, raw.hasMax = st.IsSetMin(), st.IsSetMax()
					raw.minValue, raw.maxValue = st.MinValue, st.MaxValue
					raw.hasMinValue, raw.hasMaxValue = st.IsSetMinValue(), st.IsSetMaxValue()
					raw.nullCount = st.NullCount
					raw.minExact, raw.maxExact = st.IsMinValueExact, st.IsMaxValueExact
				}
				st = chunkStats(sch.Column(leaf), raw, st.Rows)
			}
			fc.Stats = append(fc.Stats, st)
		}
		f.Columns = append(f.Columns, fc)
	}
	return f
}

// Combine combines the files' summaries, in file order, as Read combines
// their footers.
func Combine(files []*File) (*Dataset, error) {
	return CombineColumns(files, nil)
}

// CombineColumns is Combine for the columns whose names (as each file
// spells them) keep accepts only; nil keeps all. keep must not depend on
// the case of a name: a column is matched across files, and two spellings
// found ambiguous, without regard to case. The Dataset has no other
// columns, so a column the files have and keep refuses is not taken for
// an absent (NULL) one: Column returns nil for it.
func CombineColumns(files []*File, keep func(name string) bool) (*Dataset, error) {
	d := &Dataset{Files: len(files), byName: map[string]*Column{}, ambiguous: map[string]bool{}}
	total := 0
	for fi, f := range files {
		if f == nil {
			return nil, fmt.Errorf("file %d: no footer", fi)
		}
		if err := f.check(); err != nil {
			return nil, fmt.Errorf("file %d: %w", fi, err)
		}
		total += len(f.RowGroups)
	}
	// The per-row-group slices are sized once: grown file by file, a
	// dataset of many files would copy them again and again.
	if total > 0 {
		d.groupCap = total
		d.Spans = make([]RowGroupSpan, 0, total)
		d.rowGroupRows = make([]int64, 0, total)
	}
	sc := addScratch{keep: keep}
	d.Schemas = make([]string, len(files))
	for i, f := range files {
		d.add(f, &sc)
		d.Schemas[i] = f.Schema
	}
	return d, nil
}

// check verifies that every column has one Stats per row group, with the
// row group's row count.
func (f *File) check() error {
	for _, c := range f.Columns {
		if len(c.Stats) != len(f.RowGroups) {
			return fmt.Errorf("column %q has statistics for %d of %d row groups", c.Name, len(c.Stats), len(f.RowGroups))
		}
		for i, st := range c.Stats {
			if st.Rows != f.RowGroups[i] {
				return fmt.Errorf("column %q: row group %d has %d rows, not %d", c.Name, i, st.Rows, f.RowGroups[i])
			}
		}
	}
	return nil
}

// addScratch is what add needs per file, kept for the next file.
type addScratch struct {
	keep    func(string) bool // nil: every column
	keys    []string          // the file's column names, lower case
	seen    map[string]bool
	present map[*Column]bool
}

func (d *Dataset) add(f *File, sc *addScratch) {
	if sc.seen == nil {
		sc.seen, sc.present = map[string]bool{}, map[*Column]bool{}
	}
	clear(sc.seen)
	clear(sc.present)
	sc.keys = sc.keys[:0]
	for _, fc := range f.Columns {
		if sc.keep != nil && !sc.keep(fc.Name) {
			sc.keys = append(sc.keys, "")
			continue
		}
		k := strings.ToLower(fc.Name)
		sc.keys = append(sc.keys, k)
		if sc.seen[k] {
			d.ambiguous[k] = true
		}
		sc.seen[k] = true
	}
	// Columns this file lacks are NULL in its rows.
	present := sc.present
	var fileRows int64
	for _, n := range f.RowGroups {
		fileRows += n
	}
	for i, fc := range f.Columns {
		k := sc.keys[i]
		if k == "" && sc.keep != nil && !sc.keep(fc.Name) {
			continue
		}
		col := d.byName[k]
		if col == nil {
			col = &Column{Name: fc.Name, Type: fc.Type}
			col.HasNulls = true
			col.Nulls = d.Rows // the earlier files' rows
			col.Rows = d.Rows
			col.RowGroups = make([]Stats, 0, max(d.groupCap, d.RowGroups))
			for _, prev := range d.rowGroupRows {
				col.RowGroups = append(col.RowGroups, Stats{Rows: prev, Nulls: prev, HasNulls: true})
			}
			d.byName[k] = col
			d.Columns = append(d.Columns, col)
		} else if col.Type != fc.Type {
			// Different Parquet types: DuckDB unifies them, and the
			// bounds of one are not comparable with the other's.
			col.Type = "mixed"
			col.Min, col.Max = nil, nil
		}
		if present[col] {
			continue // the ambiguous second spelling; Column refuses it
		}
		present[col] = true
		col.NaNPossible = col.NaNPossible || fc.Float
		for _, st := range fc.Stats {
			col.RowGroups = append(col.RowGroups, st)
			col.merge(st, fc.Type == col.Type)
		}
	}
	for _, col := range d.Columns {
		if present[col] {
			continue
		}
		for _, n := range f.RowGroups {
			st := Stats{Rows: n, Nulls: n, HasNulls: true}
			col.RowGroups = append(col.RowGroups, st)
			col.merge(st, true)
		}
	}
	var first int64
	for _, n := range f.RowGroups {
		d.Spans = append(d.Spans, RowGroupSpan{File: d.fileIndex, First: first, Rows: n})
		first += n
	}
	d.fileIndex++
	d.Rows += fileRows
	d.RowGroups += len(f.RowGroups)
	d.rowGroupRows = append(d.rowGroupRows, f.RowGroups...)
}

func rowGroupRows(md *metadata.FileMetaData) []int64 {
	var out []int64
	for _, rg := range md.FileMetaData.GetRowGroups() {
		out = append(out, rg.GetNumRows())
	}
	return out
}

// merge adds one row group's statistics to the column's. A row group
// without bounds spoils the bounds, unless it holds no values at all.
func (c *Column) merge(st Stats, sameType bool) {
	c.Rows += st.Rows
	c.HasNulls = c.HasNulls && st.HasNulls
	if !c.HasNulls {
		c.Nulls = 0
	} else {
		c.Nulls += st.Nulls
	}
	empty := st.HasNulls && st.Nulls == st.Rows // no values: no bounds needed
	if !sameType {
		c.Min, c.Max = nil, nil
		c.spoiled = true
		return
	}
	if empty {
		return
	}
	if c.spoiled || st.Min == nil || st.Max == nil {
		c.Min, c.Max = nil, nil
		c.spoiled = true
		return
	}
	if c.Min == nil {
		mn, mx := *st.Min, *st.Max
		c.Min, c.Max = &mn, &mx
		return
	}
	lo, ok1 := compare(*st.Min, *c.Min)
	hi, ok2 := compare(*st.Max, *c.Max)
	if !ok1 || !ok2 {
		c.Min, c.Max = nil, nil
		c.spoiled = true
		return
	}
	if lo < 0 {
		mn := *st.Min
		c.Min = &mn
	}
	if hi > 0 {
		mx := *st.Max
		c.Max = &mx
	}
}

// typeName describes a leaf's Parquet type; equal names mean comparable
// statistics.
func typeName(c *schema.Column) string {
	t := c.PhysicalType().String()
	if lt := c.LogicalType(); lt != nil && lt.IsValid() && !lt.IsNone() {
		t += " " + lt.String()
	}
	return t
}

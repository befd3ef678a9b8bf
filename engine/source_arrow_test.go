//go:build duckdb_arrow

package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestArrowReaderScansTwice: DuckDB's Arrow scan is a one-shot stream (a
// second query silently sees 0 rows), while the engine scans the primary
// dataset several times. Every scan must see every row.
func TestArrowReaderScansTwice(t *testing.T) {
	ctx := context.Background()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: `tag "q"`, Type: arrow.BinaryTypes.String},
	}, nil)
	mem := memory.NewGoAllocator()
	// Two batches, 3000 rows in all, so DuckDB reads more than one 2048-row chunk.
	var recs []arrow.RecordBatch
	id := int64(0)
	for _, n := range []int{2500, 500} {
		b := array.NewRecordBuilder(mem, schema)
		for i := 0; i < n; i++ {
			b.Field(0).(*array.Int64Builder).Append(id)
			if id%10 == 0 {
				b.Field(1).AppendNull()
			} else {
				b.Field(1).(*array.Float64Builder).Append(float64(id))
			}
			b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("t%d", id%7))
			id++
		}
		recs = append(recs, b.NewRecordBatch())
		b.Release()
	}
	rdr, err := array.NewRecordReader(schema, recs)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	for _, r := range recs {
		r.Release()
	}

	s := openTestSession(t, SessionOptions{Threads: 1})
	ds, err := s.Register(ctx, "primary", ArrowReader(rdr))
	if err != nil {
		t.Fatal(err)
	}
	want := []Column{{"id", "BIGINT"}, {"amount", "DOUBLE"}, {`tag "q"`, "VARCHAR"}}
	if !equalColumns(ds.Columns, want) || ds.Location != "arrow stream" {
		t.Errorf("dataset = %+v", ds)
	}
	if err := s.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	// Hand-computed: ids 0..2999; amount is NULL for the 300 multiples of
	// 10, so sum(amount) = 2999*3000/2 - 10*(0+…+299) = 4498500 - 448500.
	for scan := 0; scan < 3; scan++ {
		if got := queryInt(t, s, `SELECT count(*) FROM "primary"`); got != 3000 {
			t.Errorf("scan %d: count = %d, want 3000", scan, got)
		}
		if got := queryInt(t, s, `SELECT count(amount) FROM "primary"`); got != 2700 {
			t.Errorf("scan %d: count(amount) = %d, want 2700", scan, got)
		}
		if got := queryFloat(t, s, `SELECT sum(amount) FROM "primary"`); got != 4050000 {
			t.Errorf("scan %d: sum(amount) = %v, want 4050000", scan, got)
		}
		if got := queryInt(t, s, `SELECT count(DISTINCT `+QuoteIdent(`tag "q"`)+`) FROM "primary"`); got != 7 {
			t.Errorf("scan %d: distinct tags = %d, want 7", scan, got)
		}
	}
	// The intermediate Arrow view is gone; only the table remains.
	if got := queryInt(t, s, `SELECT count(*) FROM duckdb_views() WHERE view_name LIKE '__dq_arrow%'`); got != 0 {
		t.Errorf("%d Arrow views left behind", got)
	}
	if _, err := s.Register(ctx, "again", ArrowReader(nil)); err == nil {
		t.Error("Register after Seal accepted")
	}
}

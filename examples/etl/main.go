// Command etl is an ETL job that checks a batch with dq before loading it.
//
// It builds the transformed batch as an Arrow record (as a job using Arrow
// in memory would), evaluates a DQDL ruleset against it in-process with
// engine.Evaluate, and acts on the result: failures of rules labelled
// severity=high stop the load, other failures are logged as warnings. The
// batch below has a planted refund row and too few coupons, so the job logs
// one warning and one blocking failure and refuses to load the batch:
//
//	go run -tags duckdb_arrow ./examples/etl; echo $?   # exits 1
//
// The Arrow source needs the duckdb_arrow build tag, like every dq build.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
)

// rules would usually live next to the job's code and be reviewed with it
// (and checked in CI with `dq validate`).
const rules = `
Rules = [
    RowCount > 0,
    IsComplete "order_id",
    IsUnique "order_id" labels=["severity"="high"],
    ColumnValues "amount" >= 0 labels=["severity"="high"],
    ColumnValues "currency" in ["EUR", "USD", "GBP"] labels=["severity"="high"],
    Completeness "coupon" >= 0.8 labels=["severity"="low"]
]
`

func main() {
	log.SetFlags(0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	rs, err := dqdl.Parse("orders.dqdl", rules)
	if err != nil {
		log.Fatalf("etl: %v", err) // a bug in the job, not in the data
	}

	batch := buildBatch()
	defer batch.Release()
	rdr, err := array.NewRecordReader(batch.Schema(), []arrow.RecordBatch{batch})
	if err != nil {
		log.Fatalf("etl: %v", err)
	}
	defer rdr.Release()

	res, err := engine.Evaluate(ctx, rs, engine.ArrowReader(rdr), engine.Options{RulesetName: "orders"})
	if err != nil {
		// No verdict at all (e.g. built without -tags duckdb_arrow).
		log.Fatalf("etl: data quality check could not run: %v", err)
	}

	blocking := 0
	for _, r := range res.RuleResults {
		if r.Result == engine.Pass {
			continue
		}
		// ERROR counts as blocking whatever the label: the rule could not
		// vouch for the data.
		severe := r.Labels["severity"] == "high" || r.Result == engine.Error
		level := "warning"
		if severe {
			level = "BLOCKING"
			blocking++
		}
		log.Printf("%s: %s %s: %s", level, r.Name, r.Description, r.EvaluationMessage)
	}
	passed, failed, errored := res.Counts()
	log.Printf("data quality: %d passed, %d failed, %d errored (score %.2f)", passed, failed, errored, *res.Score)

	if blocking > 0 {
		log.Printf("not loading %d rows: %d blocking rule(s) failed", batch.NumRows(), blocking)
		os.Exit(1)
	}
	fmt.Printf("loaded %d rows\n", batch.NumRows())
}

// buildBatch is the job's transformed output: one record batch of orders.
// Order 1004 is a refund with a negative amount, which the rules forbid.
func buildBatch() arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
		{Name: "currency", Type: arrow.BinaryTypes.String},
		{Name: "coupon", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer b.Release()

	orders := []struct {
		id       int64
		amount   float64
		currency string
		coupon   string // "" = none (NULL)
	}{
		{1001, 25.00, "EUR", "WELCOME"},
		{1002, 12.50, "USD", ""},
		{1003, 99.90, "GBP", "SPRING"},
		{1004, -25.00, "EUR", ""},
		{1005, 7.25, "EUR", "SPRING"},
	}
	for _, o := range orders {
		b.Field(0).(*array.Int64Builder).Append(o.id)
		b.Field(1).(*array.Float64Builder).Append(o.amount)
		b.Field(2).(*array.StringBuilder).Append(o.currency)
		if o.coupon == "" {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.StringBuilder).Append(o.coupon)
		}
	}
	return b.NewRecordBatch()
}

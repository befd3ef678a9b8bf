package sinktest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
)

func athenaFake(t *testing.T) (*FakeAWS, *athena.Client) {
	t.Helper()
	f := NewAWS(t)
	f.S3.Put("lake", "m/part-0.csv", []byte("id,name,x\n1,ann,1.5\n2,bo,NaN\n3,,1e10\n4,é,\n"))
	if err := f.Glue.AddTable(GlueTable{Database: "db", Name: "m", Classification: "csv", Location: "s3://lake/m/",
		Columns: []GlueColumn{{"id", "bigint"}, {"name", "string"}, {"x", "double"}}}, f.S3); err != nil {
		t.Fatal(err)
	}
	return f, athena.NewFromConfig(AWSConfig(f.URL))
}

func waitState(t *testing.T, c *athena.Client, id string) *types.QueryExecution {
	t.Helper()
	for i := 0; i < 200; i++ {
		out, err := c.GetQueryExecution(context.Background(), &athena.GetQueryExecutionInput{QueryExecutionId: &id})
		if err != nil {
			t.Fatal(err)
		}
		switch out.QueryExecution.Status.State {
		case types.QueryExecutionStateSucceeded, types.QueryExecutionStateFailed, types.QueryExecutionStateCancelled:
			return out.QueryExecution
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("query never finished")
	return nil
}

// Through the SDK's own client: the statement is recorded, run on DuckDB
// over the Glue table's CSV, and its rows come back in pages behind a
// header row, doubles spelt as Java prints them and NULLs without a value.
func TestFakeAthenaRunsAndPages(t *testing.T) {
	f, c := athenaFake(t)
	f.Athena.PageSize = 2
	f.Athena.QueuedFor, f.Athena.RunningFor = 20*time.Millisecond, 20*time.Millisecond
	ctx := context.Background()
	const q = `SELECT "id", "name", "x", length("name") AS l, is_nan("x") AS n FROM "db"."m" ORDER BY "id"`
	start, err := c.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String(q), WorkGroup: aws.String("wg"),
		ResultConfiguration:   &types.ResultConfiguration{OutputLocation: aws.String("s3://out/q/")},
		QueryExecutionContext: &types.QueryExecutionContext{Catalog: aws.String("AwsDataCatalog"), Database: aws.String("db")}})
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: start.QueryExecutionId})
	if err != nil || first.QueryExecution.Status.State != types.QueryExecutionStateQueued {
		t.Fatalf("first state %v, %v; want QUEUED", first.QueryExecution.Status.State, err)
	}
	if _, err := c.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: start.QueryExecutionId}); err == nil || !strings.Contains(err.Error(), "not yet finished") {
		t.Fatalf("results before the end: %v", err)
	}
	qe := waitState(t, c, *start.QueryExecutionId)
	if qe.Status.State != types.QueryExecutionStateSucceeded {
		t.Fatalf("state %v: %s", qe.Status.State, aws.ToString(qe.Status.StateChangeReason))
	}
	if n := aws.ToInt64(qe.Statistics.DataScannedInBytes); n != 10+10+9+8+6 {
		t.Errorf("DataScannedInBytes = %d, want the object's 43 bytes", n)
	}
	if got := aws.ToString(qe.ResultConfiguration.OutputLocation); got != "s3://out/q/"+*start.QueryExecutionId+".csv" {
		t.Errorf("output location %s", got)
	}
	var rows []string
	var pages int
	p := athena.NewGetQueryResultsPaginator(c, &athena.GetQueryResultsInput{QueryExecutionId: start.QueryExecutionId})
	var meta []types.ColumnInfo
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		meta = page.ResultSet.ResultSetMetadata.ColumnInfo
		for _, r := range page.ResultSet.Rows {
			var row []string
			for _, d := range r.Data {
				if d.VarCharValue == nil {
					row = append(row, "<NULL>")
				} else {
					row = append(row, *d.VarCharValue)
				}
			}
			rows = append(rows, strings.Join(row, "|"))
		}
	}
	want := []string{"id|name|x|l|n", "1|ann|1.5|3|false", "2|bo|NaN|2|true", "3|<NULL>|1.0E10|<NULL>|false", "4|é|<NULL>|1|<NULL>"}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") || pages != 3 {
		t.Errorf("%d pages:\n%s\nwant 3 pages:\n%s", pages, strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	var types []string
	for _, m := range meta {
		types = append(types, aws.ToString(m.Name)+":"+aws.ToString(m.Type))
	}
	if got := strings.Join(types, " "); got != "id:bigint name:varchar x:double l:bigint n:boolean" {
		t.Errorf("ColumnInfo %s", got)
	}
	qs := f.Athena.Queries()
	if len(qs) != 1 || qs[0].SQL != q || qs[0].WorkGroup != "wg" || qs[0].Database != "db" {
		t.Errorf("recorded %+v", qs)
	}
}

func TestFakeAthenaFailsStopsAndNeedsOutput(t *testing.T) {
	f, c := athenaFake(t)
	ctx := context.Background()
	run := func(q string) string {
		out, err := c.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String(q),
			ResultConfiguration: &types.ResultConfiguration{OutputLocation: aws.String("s3://out/")}})
		if err != nil {
			t.Fatal(err)
		}
		return *out.QueryExecutionId
	}
	// A statement DuckDB rejects fails with its reason.
	qe := waitState(t, c, run(`SELECT nosuch FROM "db"."m"`))
	if qe.Status.State != types.QueryExecutionStateFailed || !strings.Contains(aws.ToString(qe.Status.StateChangeReason), "nosuch") {
		t.Errorf("state %v reason %q", qe.Status.State, aws.ToString(qe.Status.StateChangeReason))
	}
	// An injected failure.
	f.Athena.FailWith = func(string) string { return "TABLE_NOT_FOUND: line 1:15: Table 'x' does not exist" }
	qe = waitState(t, c, run(`SELECT 1`))
	if qe.Status.State != types.QueryExecutionStateFailed || qe.Status.AthenaError == nil {
		t.Errorf("injected: %+v", qe.Status)
	}
	f.Athena.FailWith = nil
	// Stopped while running.
	f.Athena.RunningFor = time.Hour
	id := run(`SELECT 1`)
	if _, err := c.StopQueryExecution(ctx, &athena.StopQueryExecutionInput{QueryExecutionId: &id}); err != nil {
		t.Fatal(err)
	}
	if qe := waitState(t, c, id); qe.Status.State != types.QueryExecutionStateCancelled {
		t.Errorf("after stop: %v", qe.Status.State)
	}
	if qs := f.Athena.Queries(); !qs[len(qs)-1].StopRequested {
		t.Error("stop not recorded")
	}
	// No output location anywhere.
	_, err := c.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT 1")})
	if err == nil || !strings.Contains(err.Error(), "output location") {
		t.Errorf("without an output location: %v", err)
	}
}

package athena

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/s3source"
	"github.com/dqlabs/dq/engine/sqlexpr"
	"github.com/dqlabs/dq/sinks/sinktest"
)

// lake is a fake AWS account: CSV table db.m (values chosen so that the
// metrics below are worked out by hand), partitioned Parquet-free CSV
// table db.p with per-partition statistics on one partition, and a table
// with nested types.
func lake(t *testing.T) *sinktest.FakeAWS {
	t.Helper()
	f := sinktest.NewAWS(t)
	f.Athena.DefaultOutput = "s3://results/athena/"
	// 10+10+9+8+8+12 = 57 bytes.
	f.S3.Put("lake", "m/part-0.csv", []byte("id,name,x\n1,ann,1.5\n2,bo,NaN\n3,,-4.5\n4,Zoë,\n5,AB12-x!,3\n"))
	f.S3.Put("lake", "m/_SUCCESS", nil)
	must(t, f.Glue.AddTable(sinktest.GlueTable{Database: "db", Name: "m", Classification: "csv", Location: "s3://lake/m/",
		Columns: []sinktest.GlueColumn{{Name: "id", Type: "bigint"}, {Name: "name", Type: "string"}, {Name: "x", Type: "double"}}}, f.S3))
	f.S3.Put("lake", "p/year=2024/month=01/a.csv", []byte("id\n1\n2\n"))    // 7 bytes
	f.S3.Put("lake", "p/year=2024/month=02/a.csv", []byte("id\n3\n"))       // 5 bytes
	f.S3.Put("lake", "p/year=2024/month=02/b.csv", []byte("id\n4\n5\n6\n")) // 9 bytes
	must(t, f.Glue.AddTable(sinktest.GlueTable{Database: "db", Name: "p", Classification: "csv", Location: "s3://lake/p/",
		Columns:       []sinktest.GlueColumn{{Name: "id", Type: "int"}},
		PartitionKeys: []sinktest.GlueColumn{{Name: "year", Type: "int"}, {Name: "month", Type: "string"}},
		Partitions: []sinktest.GluePartition{
			{Values: []string{"2024", "01"}, Location: "s3://lake/p/year=2024/month=01/", Parameters: map[string]string{"totalSize": "7000000000"}},
			{Values: []string{"2024", "02"}, Location: "s3://lake/p/year=2024/month=02/"},
		}}, f.S3))
	must(t, f.Glue.AddTable(sinktest.GlueTable{Database: "db", Name: "big", Classification: "parquet", Location: "s3://lake/big/",
		Parameters: map[string]string{"sizeKey": "25000000000", "recordCount": "1"},
		Columns: []sinktest.GlueColumn{{Name: "tags", Type: "array<string>"}, {Name: "attrs", Type: "map<string,int>"},
			{Name: "s", Type: "struct<a:decimal(5,2),b:array<bigint>>"}, {Name: "r", Type: "float"}, {Name: "c", Type: "char(3)"},
			{Name: "u", Type: "uniontype<int,string>"}, {Name: "ts", Type: "timestamp(3)"}}}, nil))
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func backend(t *testing.T, f *sinktest.FakeAWS, opts Options) *Backend {
	t.Helper()
	cfg := sinktest.AWSConfig(f.URL)
	if opts.Database == "" {
		opts.Database, opts.Table = "db", "m"
	}
	if opts.PollMin == 0 {
		opts.PollMin, opts.PollMax = time.Millisecond, 5*time.Millisecond
	}
	b, err := New(cfg, s3source.NewClient(cfg), opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDescribeFromGlue(t *testing.T) {
	f := lake(t)
	b := backend(t, f, Options{})
	ctx := context.Background()
	ds, err := b.Describe(ctx, "primary")
	if err != nil {
		t.Fatal(err)
	}
	if ds.Relation != `"db"."m"` || colString(ds.Columns) != "id BIGINT, name VARCHAR, x DOUBLE" {
		t.Errorf("primary: %s: %s", ds.Relation, colString(ds.Columns))
	}
	ds, err = b.Describe(ctx, "db.p")
	if err != nil || colString(ds.Columns) != "id INTEGER, year INTEGER, month VARCHAR" {
		t.Errorf("db.p: %v %v", ds, err)
	}
	ds, err = b.Describe(ctx, "big")
	want := `tags VARCHAR[], attrs MAP(VARCHAR, INTEGER), s STRUCT("a" DECIMAL(5,2), "b" BIGINT[]), r FLOAT, c VARCHAR, u BLOB, ts TIMESTAMP`
	if err != nil || colString(ds.Columns) != want {
		t.Errorf("big: %v\n got %s\nwant %s", err, colString(ds.Columns), want)
	}
	_, err = b.Describe(ctx, "db.nosuch")
	if err == nil || !strings.Contains(err.Error(), `table "nosuch" does not exist in database "db"`) {
		t.Errorf("missing table: %v", err)
	}
}

func colString(cs []engine.Column) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name+" "+c.Type)
	}
	return strings.Join(out, ", ")
}

// Metrics rendered in Trino by the dialect, run through the SDK client on
// the fake (DuckDB underneath), against values worked out by hand from
// the CSV: ids 1..5; name ann, bo, NULL, Zoë, AB12-x!; x 1.5, NaN, -4.5,
// NULL, 3.
func TestQueryRowComputesTrinoMetrics(t *testing.T) {
	f := lake(t)
	f.Athena.QueuedFor, f.Athena.RunningFor = 15*time.Millisecond, 15*time.Millisecond
	b := backend(t, f, Options{WorkGroup: "dq", OutputLocation: "s3://results/q/"})
	x, name, id := sqlexpr.Col{Name: "x"}, sqlexpr.Col{Name: "name"}, sqlexpr.Col{Name: "id"}
	finite := sqlexpr.Call{Fn: sqlexpr.IsFinite, Args: []sqlexpr.Node{x}}
	metrics := []struct {
		n    sqlexpr.Node
		want float64
	}{
		{sqlexpr.Agg{Fn: sqlexpr.Count, Args: []sqlexpr.Node{sqlexpr.Star{}}}, 5},
		{sqlexpr.Agg{Fn: sqlexpr.Count, Args: []sqlexpr.Node{name}}, 4},
		{sqlexpr.Agg{Fn: sqlexpr.Sum, Args: []sqlexpr.Node{x}, Filter: finite}, 0},                                     // 1.5-4.5+3
		{sqlexpr.Agg{Fn: sqlexpr.Avg, Args: []sqlexpr.Node{id}, Filter: sqlexpr.Raw{SQL: "`x` > 0 AND `id` <> 2"}}, 3}, // ids 1, 5 (NaN > 0 differs: true in DuckDB, false in Trino)
		{sqlexpr.Agg{Fn: sqlexpr.StddevPop, Args: []sqlexpr.Node{x}, Filter: finite}, math.Sqrt(10.5)},                 // mean 0: (2.25+20.25+9)/3
		{sqlexpr.Agg{Fn: sqlexpr.Max, Args: []sqlexpr.Node{sqlexpr.Call{Fn: sqlexpr.Length, Args: []sqlexpr.Node{name}}}}, 7},
		{sqlexpr.Agg{Fn: sqlexpr.Min, Args: []sqlexpr.Node{sqlexpr.Call{Fn: sqlexpr.Length, Args: []sqlexpr.Node{name}}}}, 2},
		{sqlexpr.Agg{Fn: sqlexpr.Count, Args: []sqlexpr.Node{sqlexpr.Star{}}, Filter: sqlexpr.Call{Fn: sqlexpr.IsNaN, Args: []sqlexpr.Node{x}}}, 1},
		// [A-Z]+\d+-\w.: only AB12-x! (ann, bo, Zoë lower case or short).
		{sqlexpr.Agg{Fn: sqlexpr.Count, Args: []sqlexpr.Node{sqlexpr.Star{}}, Filter: sqlexpr.Call{Fn: sqlexpr.RegexpFullMatch, Args: []sqlexpr.Node{name, sqlexpr.Str{V: `[A-Z]+\d+-\w.`}}}}, 1},
		// (?i)zo. matches Zoë in full; [[:alpha:]]+ matches ann and bo only (ë is not ASCII alpha).
		{sqlexpr.Agg{Fn: sqlexpr.Count, Args: []sqlexpr.Node{sqlexpr.Star{}}, Filter: sqlexpr.Call{Fn: sqlexpr.RegexpFullMatch, Args: []sqlexpr.Node{name, sqlexpr.Str{V: `(?i)zo.`}}}}, 1},
		{sqlexpr.Agg{Fn: sqlexpr.Count, Args: []sqlexpr.Node{sqlexpr.Star{}}, Filter: sqlexpr.Call{Fn: sqlexpr.RegexpFullMatch, Args: []sqlexpr.Node{name, sqlexpr.Str{V: `[[:alpha:]]+`}}}}, 2},
		{sqlexpr.Agg{Fn: sqlexpr.Sum, Args: []sqlexpr.Node{sqlexpr.Cast{X: name, To: sqlexpr.Double, Try: true}}}, math.NaN()},                 // no name is a number: NULL
		{sqlexpr.Agg{Fn: sqlexpr.Max, Args: []sqlexpr.Node{x}, Filter: sqlexpr.Call{Fn: sqlexpr.IsNaN, Args: []sqlexpr.Node{x}}}, math.Inf(1)}, // NaN
	}
	var cols []string
	for _, m := range metrics {
		s, err := Trino().Render(m.n)
		if err != nil {
			t.Fatal(err)
		}
		cols = append(cols, s)
	}
	ds, err := b.Describe(context.Background(), "primary")
	must(t, err)
	query := "SELECT " + strings.Join(cols, ", ") + " FROM " + ds.Relation
	got, err := b.QueryRow(context.Background(), query, len(cols))
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range metrics {
		g := got[i]
		switch {
		case math.IsNaN(m.want): // expect NULL
			if g.Valid {
				t.Errorf("metric %d: got %v, want NULL", i, g.Float64)
			}
		case math.IsInf(m.want, 1): // expect NaN
			if !g.Valid || !math.IsNaN(g.Float64) {
				t.Errorf("metric %d: got %v, want NaN", i, g)
			}
		case !g.Valid || math.Abs(g.Float64-m.want) > 1e-12*math.Max(1, math.Abs(m.want)):
			t.Errorf("metric %d (%s): got %v, want %v", i, cols[i], g, m.want)
		}
	}
	qs := f.Athena.Queries()
	if len(qs) != 2-1 || qs[0].SQL != query || qs[0].WorkGroup != "dq" || qs[0].Catalog != "AwsDataCatalog" || qs[0].Database != "db" ||
		!strings.HasPrefix(qs[0].OutputLocation, "s3://results/q/") {
		t.Errorf("Athena received %+v", qs)
	}
	st := b.Stats()
	if st.DataScanned != 57 || st.Billed != 10<<20 || len(st.QueryIDs) != 1 || st.QueryIDs[0] != qs[0].ID {
		t.Errorf("stats %+v, want 57 bytes scanned (the CSV), 10 MB billed", st)
	}
	if c := st.EstimatedCost(); math.Abs(c-float64(10<<20)/1e12*5) > 1e-15 {
		t.Errorf("cost %v", c)
	}
}

func TestQueryFailedNamesIDAndReason(t *testing.T) {
	f := lake(t)
	b := backend(t, f, Options{})
	_, err := b.QueryRow(context.Background(), `SELECT count(nosuch) FROM "db"."m"`, 1)
	var qe *QueryError
	if !errors.As(err, &qe) || qe.State != "FAILED" || qe.ID != f.Athena.Queries()[0].ID || !strings.Contains(err.Error(), "nosuch") ||
		!strings.Contains(err.Error(), "Athena query "+qe.ID+" failed: ") {
		t.Errorf("err = %v", err)
	}
	// A result that is not one row of n numbers.
	if _, err := b.QueryRow(context.Background(), `SELECT 1, 2`, 1); err == nil || !strings.Contains(err.Error(), "2 columns, want 1") {
		t.Errorf("column count: %v", err)
	}
	if _, err := b.QueryRow(context.Background(), `SELECT 'x'`, 1); err == nil || !strings.Contains(err.Error(), `"x" is not a number`) {
		t.Errorf("text: %v", err)
	}
	// No output location anywhere: Athena's refusal, with the flag to give.
	f.Athena.DefaultOutput = ""
	if _, err := b.QueryRow(context.Background(), `SELECT 1`, 1); err == nil || !strings.Contains(err.Error(), "--athena-output") {
		t.Errorf("no output: %v", err)
	}
}

// A cancelled run (Ctrl-C, --timeout) stops its query on Athena: the fake
// sees StopQueryExecution and the query ends CANCELLED.
func TestCancelStopsTheQuery(t *testing.T) {
	f := lake(t)
	f.Athena.RunningFor = time.Hour
	b := backend(t, f, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := b.QueryRow(ctx, `SELECT count(*) FROM "db"."m"`, 1)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("took %s to give up", d)
	}
	qs := f.Athena.Queries()
	if len(qs) != 1 || !qs[0].StopRequested || qs[0].State != "CANCELLED" {
		t.Errorf("fake saw %+v", qs)
	}
	// MaxWait bounds a query that never finishes, and stops it too.
	b = backend(t, f, Options{MaxWait: 30 * time.Millisecond})
	_, err = b.QueryRow(context.Background(), `SELECT 1`, 1)
	if err == nil || !strings.Contains(err.Error(), "did not finish within 30ms") || !f.Athena.Queries()[1].StopRequested {
		t.Errorf("max wait: %v", err)
	}
}

// Transient API failures are retried by the SDK's retryer.
func TestPollSurvivesThrottling(t *testing.T) {
	f := lake(t)
	b := backend(t, f, Options{})
	f.Athena.Faults.FailNext(2, 500)
	got, err := b.QueryRow(context.Background(), `SELECT count(*) FROM "db"."m"`, 1)
	if err != nil || got[0].Float64 != 5 {
		t.Fatalf("%v %v", got, err)
	}
}

func TestPredictScan(t *testing.T) {
	f := lake(t)
	ctx := context.Background()
	cases := []struct {
		opts  Options
		names []string
		bytes int64
		how   string
	}{
		// No statistics: the object sizes under the location.
		{Options{}, []string{"primary"}, 57, "glue://db/m: sizes of 2 S3 objects under s3://lake/m/"},
		// Table statistics win over listing.
		{Options{Database: "db", Table: "big"}, []string{"primary"}, 25e9, "glue://db/big: Glue table statistics (sizeKey)"},
		// Partition statistics where present, listing for the rest.
		{Options{Database: "db", Table: "p"}, []string{"primary"}, 7e9 + 14, "glue://db/p: Glue statistics (totalSize) of 1 partitions and sizes of 2 S3 objects in 1 partitions"},
		{Options{Database: "db", Table: "p", Partition: "month = '02'"}, []string{"primary"}, 14, "glue://db/p: sizes of 2 S3 objects in 1 partitions"},
		// References add up; a dataset named twice counts once.
		{Options{}, []string{"primary", "db.big", "db.m"}, 57 + 25e9, "glue://db/m: sizes of 2 S3 objects under s3://lake/m/; glue://db/big: Glue table statistics (sizeKey)"},
	}
	for _, c := range cases {
		p, err := backend(t, f, c.opts).PredictScan(ctx, c.names)
		if err != nil || p.Bytes != c.bytes || p.How != c.how {
			t.Errorf("%+v %v:\n got %d %q %v\nwant %d %q", c.opts, c.names, p.Bytes, p.How, err, c.bytes, c.how)
		}
	}
	if len(f.Athena.Queries()) != 0 {
		t.Error("predicting started a query")
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"10GB": 10e9, "500MiB": 500 << 20, "1.5 TB": 1.5e12, "1000": 1000, "2g": 2e9, "3KiB": 3072, "0": 0} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "ten GB", "5 XB", "-1GB"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
	if got := FormatBytes(1_234_567_890); got != "1.2 GB" {
		t.Errorf("FormatBytes = %s", got)
	}
}

// --max-scan-bytes: a prediction above the limit refuses before any
// query starts, naming prediction, limit and method; QueryRow enforces it
// too when the caller did not run Guard.
func TestGuardRefusesBeforeAnyQuery(t *testing.T) {
	f := lake(t)
	ctx := context.Background()
	b := backend(t, f, Options{Database: "db", Table: "p", MaxScanBytes: 1 << 30})
	_, err := b.Guard(ctx, []string{"primary"})
	var le *ScanLimitError
	want := "refusing to start Athena queries: they are predicted to scan 7.0 GB (7000000014 bytes), more than --max-scan-bytes 1.1 GB (1073741824 bytes); predicted from glue://db/p: Glue statistics (totalSize) of 1 partitions and sizes of 2 S3 objects in 1 partitions"
	if !errors.As(err, &le) || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if _, err := b.QueryRow(ctx, `SELECT count(*) FROM "db"."p"`, 1); !errors.As(err, &le) {
		t.Errorf("QueryRow without Guard: %v", err)
	}
	if n := len(f.Athena.Queries()); n != 0 {
		t.Errorf("%d queries started", n)
	}
	// Under the limit: the query runs.
	b = backend(t, f, Options{Database: "db", Table: "p", Partition: "month = '02'", MaxScanBytes: 14})
	if p, err := b.Guard(ctx, []string{"primary"}); err != nil || p.Bytes != 14 {
		t.Fatalf("%v %v", p, err)
	}
	got, err := b.QueryRow(ctx, `SELECT count(*) FROM "db"."p" WHERE "month" = '02'`, 1)
	if err != nil || got[0].Float64 != 4 {
		t.Errorf("%v %v", got, err)
	}
}

// The seeded lake of fakeaws (testdata/glue/lake.json): the Parquet taxi
// table through the backend gives what DuckDB computes from the local
// sample file directly.
func TestSeededTaxiTableMatchesLocalDuckDB(t *testing.T) {
	f := sinktest.NewAWS(t)
	f.Athena.DefaultOutput = "s3://dq-results/athena/"
	must(t, sinktest.SeedLake(f, "../../testdata/glue/lake.json"))
	b := backend(t, f, Options{Database: "lake", Table: "taxi"})
	ds, err := b.Describe(context.Background(), "primary")
	must(t, err)
	const cols = `count(*), count("passenger_count"), sum("trip_distance"), max(length(CAST("vendorid" AS VARCHAR)))`
	got, err := b.QueryRow(context.Background(), "SELECT "+cols+" FROM "+ds.Relation, 4)
	must(t, err)
	db, err := sql.Open("duckdb", "")
	must(t, err)
	defer db.Close()
	want := make([]sql.NullFloat64, 4)
	must(t, db.QueryRow(`SELECT `+cols+` FROM read_parquet('../../testdata/taxi/sample.parquet')`).Scan(&want[0], &want[1], &want[2], &want[3]))
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("column %d: Athena backend %v, DuckDB on the file %v", i, got[i], want[i])
		}
	}
	if want[0].Float64 < 100 {
		t.Errorf("the sample has %v rows; the comparison is weak", want[0].Float64)
	}
}

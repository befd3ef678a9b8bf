package gluecatalog_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/gluecatalog"
	"github.com/dqlabs/dq/engine/s3source"
	"github.com/dqlabs/dq/recommend"
	"github.com/dqlabs/dq/sinks/sinktest"
)

func setup(t *testing.T) (*sinktest.FakeAWS, *gluecatalog.Catalog) {
	t.Helper()
	fake := sinktest.NewAWS(t)
	if err := sinktest.SeedLake(fake, "../../testdata/glue/lake.json"); err != nil {
		t.Fatal(err)
	}
	cfg := sinktest.AWSConfig(fake.URL)
	return fake, gluecatalog.New(cfg, s3source.NewClient(cfg), s3source.Options{CacheDir: t.TempDir()})
}

func parse(t *testing.T, src string) *dqdl.Ruleset {
	t.Helper()
	rs, err := dqdl.Parse("rules.dqdl", src)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func verdicts(r *engine.Result) []string {
	var out []string
	for _, rr := range r.RuleResults {
		out = append(out, fmt.Sprintf("%s %s %v %s", rr.Name, rr.Result, rr.EvaluatedMetrics, rr.EvaluationMessage))
	}
	return out
}

func TestTaxiTableSameAsLocal(t *testing.T) {
	_, cat := setup(t)
	b, err := os.ReadFile("../../testdata/taxi/taxi.dqdl")
	if err != nil {
		t.Fatal(err)
	}
	// A crawler lower-cases column names: the local copy and the
	// ruleset say them as the catalog does.
	text := string(b)
	for _, c := range []string{"VendorID", "RatecodeID", "PULocationID", "DOLocationID"} {
		text = strings.ReplaceAll(text, c, strings.ToLower(c))
	}
	rs := parse(t, text)
	ctx := context.Background()
	local := t.TempDir() + "/taxi.parquet"
	s, err := engine.OpenSession(ctx, engine.SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Conn().ExecContext(ctx, "COPY (SELECT VendorID AS vendorid, * EXCLUDE (VendorID, RatecodeID, PULocationID, DOLocationID), RatecodeID AS ratecodeid, PULocationID AS pulocationid, DOLocationID AS dolocationid FROM '../../testdata/taxi/sample.parquet') TO '"+local+"'")
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	want, err := engine.Evaluate(ctx, rs, engine.Files(local, engine.FileOptions{}), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tb := cat.Table("lake", "taxi", "")
	got, err := engine.Evaluate(ctx, rs, engine.Remote(tb), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(verdicts(got), verdicts(want)) {
		t.Fatalf("Glue and local differ:\n glue:  %v\n local: %v", verdicts(got), verdicts(want))
	}
	if got.DataSource.Location != "glue://lake/taxi" {
		t.Errorf("location %q", got.DataSource.Location)
	}
	if rep := tb.LastReport(); rep.Format != "parquet" || len(rep.S3.Objects) != 1 {
		t.Errorf("report %+v", rep)
	}
}

// query registers a table and runs one query over it.
func query(t *testing.T, src engine.Source, q string) []any {
	t.Helper()
	ctx := context.Background()
	s, err := engine.OpenSession(ctx, engine.SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Register(ctx, "primary", src); err != nil {
		t.Fatal(err)
	}
	rows, err := s.Conn().QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	out := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range out {
		ptrs[i] = &out[i]
	}
	if !rows.Next() {
		t.Fatal("no row")
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCSVTablePartitionsAndDeclaredTypes(t *testing.T) {
	fake, cat := setup(t)
	// Declared types: amount decimal(10,2) (not-a-number is NULL, as in
	// Athena), year int, month string; columns in declared order, then
	// the partition keys.
	got := query(t, engine.Remote(cat.Table("lake", "sales", "")), `
		SELECT count(*), count(amount), sum(amount)::VARCHAR, string_agg(DISTINCT typeof(year), ','),
		       string_agg(DISTINCT typeof(month), ','), string_agg(DISTINCT typeof(amount), ','),
		       (SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'primary'),
		       max(customer) FILTER (WHERE id = 3)
		FROM "primary"`)
	want := []any{int64(7), int64(5), "132.84", "INTEGER", "VARCHAR", "DECIMAL(10,2)", "id,amount,customer,year,month", "Çelik"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}

	for _, tc := range []struct {
		filter string
		rows   int64
	}{
		{"year = 2024", 4},
		{"year=2024 AND month='01'", 3},
		{"month IN ('12', '02')", 4},
		{"year BETWEEN 2023 AND 2023", 3},
		{"NOT (year = 2024)", 3},
		{"month LIKE '0%' OR year < 2024", 7},
		{"year >= 2024 AND month <> '01'", 1},
	} {
		got := query(t, engine.Remote(cat.Table("lake", "sales", tc.filter)), "SELECT count(*) FROM \"primary\"")
		if got[0] != tc.rows {
			t.Errorf("%s: %v rows, want %d", tc.filter, got[0], tc.rows)
		}
	}
	// The filter went to GetPartitions as its Expression.
	found := false
	for _, c := range fake.Glue.Calls() {
		if c == "GetPartitions year=2024 AND month='01'" {
			found = true
		}
	}
	if !found {
		t.Errorf("GetPartitions calls %v", fake.Glue.Calls())
	}
}

func TestProjectedTable(t *testing.T) {
	fake, cat := setup(t)
	got := query(t, engine.Remote(cat.Table("lake", "events", "")), "SELECT count(*), sum(event_id), string_agg(DISTINCT region || '/' || dt, ',' ORDER BY region || '/' || dt) FROM \"primary\"")
	want := []any{int64(3), float64(6), "eu/2024-01-01,us/2024-01-02"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	tb := cat.Table("lake", "events", "region = 'eu' AND dt >= '2024-01-01'")
	got = query(t, engine.Remote(tb), "SELECT count(*) FROM \"primary\"")
	if got[0] != int64(2) {
		t.Errorf("eu rows %v", got[0])
	}
	if rep := tb.LastReport(); !rep.Projected || len(rep.Partitions) != 3 || rep.Partitions[0] != "region=eu/dt=2024-01-01" {
		t.Errorf("report %+v", rep)
	}
	for _, c := range fake.Glue.Calls() {
		if strings.HasPrefix(c, "GetPartitions") {
			t.Errorf("projected table called %s", c)
		}
	}
}

func TestCatalogResolvesReferences(t *testing.T) {
	_, cat := setup(t)
	rs := parse(t, `Rules = [ RowCountMatch "lake.sales" = 1.0, ReferentialIntegrity "id" "lake.sales.id" = 1.0 ]`)
	res, err := engine.Evaluate(context.Background(), rs, engine.Remote(cat.Table("lake", "sales", "")), engine.Options{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.RuleResults {
		if r.Result != engine.Pass {
			t.Errorf("%s: %s %s", r.Name, r.Result, r.EvaluationMessage)
		}
	}
	// A table the catalog lacks is unbound, as with the local catalog.
	rs = parse(t, `Rules = [ RowCountMatch "lake.nope" = 1.0 ]`)
	_, err = engine.Evaluate(context.Background(), rs, engine.Remote(cat.Table("lake", "sales", "")), engine.Options{Catalog: cat})
	var ub *engine.UnboundReferenceError
	if !errors.As(err, &ub) {
		t.Errorf("err = %v", err)
	}
}

func TestErrors(t *testing.T) {
	fake, cat := setup(t)
	rs := parse(t, `Rules = [ RowCount > 0 ]`)
	for _, tc := range []struct {
		db, table, filter, want string
	}{
		{"lake", "nope", "", `glue://lake/nope: table "nope" does not exist in database "lake"`},
		{"nodb", "taxi", "", `glue://nodb/taxi: database "nodb" does not exist`},
		{"lake", "orders_orc", "", "glue://lake/orders_orc: is stored as ORC; dq reads Parquet, CSV (optionally gzip) and JSON tables"},
		{"lake", "trips_iceberg", "", "glue://lake/trips_iceberg: is an Apache Iceberg table"},
		{"lake", "sales", "year = 1999", `glue://lake/sales: no partitions match --partition "year = 1999"`},
		{"lake", "sales", "year = = 1", `partition filter "year = = 1"`},
		{"lake", "taxi", "year = 1", "glue://lake/taxi: --partition given but the table has no partition keys"},
	} {
		_, err := engine.Evaluate(context.Background(), rs, engine.Remote(cat.Table(tc.db, tc.table, tc.filter)), engine.Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s.%s %q: %v, want %q", tc.db, tc.table, tc.filter, err, tc.want)
		}
	}
	// Throttling (HTTP 500s) recovers through the SDK's retryer.
	fake.Glue.Faults.FailNext(2, 500)
	if _, err := engine.Evaluate(context.Background(), rs, engine.Remote(cat.Table("lake", "sales", "")), engine.Options{}); err != nil {
		t.Errorf("after retries: %v", err)
	}
}

func TestParseExpr(t *testing.T) {
	vals := map[string]string{"year": "2024", "month": "01", "name": "it's"}
	num := map[string]bool{"year": true}
	for expr, want := range map[string]bool{
		"year = 2024":                         true,
		"year = '2024'":                       true,
		"year > 999":                          true, // numeric, not string, order
		"month > '1'":                         false,
		"year <> 2024 OR month = '01'":        true,
		"NOT year = 2024":                     false,
		"year NOT IN (2023, 2025)":            true,
		"year NOT BETWEEN 2020 AND 2030":      false,
		"(year = 2024 AND (month LIKE '_1'))": true,
		"name = 'it''s'":                      true,
		"`year` != 2023":                      true,
	} {
		e, err := gluecatalog.ParseExpr(expr)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		got, err := e.Eval(vals, num)
		if err != nil || got != want {
			t.Errorf("%s = %v (%v), want %v", expr, got, err, want)
		}
	}
	// __HIVE_DEFAULT_PARTITION__ is NULL: comparisons with it are
	// unknown, NOT of unknown too, IS NULL finds it; a numeric key's
	// NULL is no error.
	nul := map[string]string{"year": "__HIVE_DEFAULT_PARTITION__", "month": "01", "name": "x"}
	for expr, want := range map[string]bool{
		"year IS NULL":                       true,
		"year is not null":                   false,
		"month IS NOT NULL":                  true,
		"year = 2024":                        false,
		"NOT year = 2024":                    false,
		"year <> 2024":                       false,
		"year IN (2024) OR month = '01'":     true,
		"NOT (year = 2024 AND month = '02')": true,
		"NOT (year = 2024 OR month = '02')":  false,
		"year BETWEEN 1 AND 3000":            false,
		"year NOT LIKE '2%'":                 false,
	} {
		e, err := gluecatalog.ParseExpr(expr)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		got, err := e.Eval(nul, num)
		if err != nil || got != want {
			t.Errorf("NULL year: %s = %v (%v), want %v", expr, got, err, want)
		}
	}
	for _, bad := range []string{"", "year =", "year = 1 AND", "(year = 1", "year ~ 1", "'a' = year", "year NOT = 1", "year IS 1", "year IS NOT"} {
		if _, err := gluecatalog.ParseExpr(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	e, _ := gluecatalog.ParseExpr("nokey = 1")
	if _, err := e.Eval(vals, num); err == nil {
		t.Error("unknown key evaluated")
	}
}

func TestParseURL(t *testing.T) {
	for in, want := range map[string]string{"glue://db/t": "db.t", "GLUE://db.t": "db.t", "glue://db/t/": "db.t"} {
		db, tb, err := gluecatalog.ParseURL(in)
		if err != nil || db+"."+tb != want {
			t.Errorf("%s: %s.%s %v", in, db, tb, err)
		}
	}
	for _, bad := range []string{"glue://", "glue://db", "glue://db/t/x", "s3://db/t"} {
		if _, _, err := gluecatalog.ParseURL(bad); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}

// A CSV table whose SerDe declares serialization.encoding (Athena's way
// of reading non-UTF-8 text) is decoded before reading, partitions kept.
func TestCSVTableSerializationEncoding(t *testing.T) {
	fake, cat := setup(t)
	fake.S3.Put("lake", "legacy/year=2024/a.csv", []byte("id,name\n1,Jos\xe9\n2,\x93q\x94 \x80\n"))
	fake.S3.Put("lake", "legacy/year=2025/b.csv", []byte("id,name\n3,Ren\xe9e\n"))
	tbl := sinktest.GlueTable{Database: "lake", Name: "legacy", Location: "s3://lake/legacy/", Classification: "csv",
		Columns:       []sinktest.GlueColumn{{Name: "id", Type: "bigint"}, {Name: "name", Type: "string"}},
		PartitionKeys: []sinktest.GlueColumn{{Name: "year", Type: "int"}},
		SerDeParams:   map[string]string{"field.delim": ",", "serialization.encoding": "windows-1252"}}
	if err := fake.Glue.AddTable(tbl, fake.S3); err != nil {
		t.Fatal(err)
	}
	got := query(t, engine.Remote(cat.Table("lake", "legacy", "")),
		`SELECT count(*), string_agg(name || '@' || year, ',' ORDER BY id), sum(length(name))::BIGINT FROM "primary"`)
	want := []any{int64(3), "José@2024,“q” €@2024,Renée@2025", int64(4 + 5 + 5)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

// TestFooterAnsweredTableFetchesNoData: a Glue table stored as Parquet
// whose footers answer every rule is evaluated without a data GET (only
// the footers'), with the results of the local file; a column whose
// declared type differs from the file's is not answered from the footers.
func TestFooterAnsweredTableFetchesNoData(t *testing.T) {
	fake, cat := setup(t)
	rules := `Rules = [
    RowCount > 10000,
    IsComplete "vendorid",
    Completeness "passenger_count" >= 0.9,
    ColumnValues "pulocationid" between 0 and 300,
    ColumnValues "fare_amount" > -1000,
    DataFreshness "tpep_pickup_datetime" > 24 hours
]`
	rs := parse(t, rules)
	ctx := context.Background()
	data, err := os.ReadFile("../../testdata/taxi/sample.parquet")
	if err != nil {
		t.Fatal(err)
	}
	tb := cat.Table("lake", "taxi", "")
	fake.S3.ResetCounters()
	got, err := engine.Evaluate(ctx, rs, engine.Remote(tb), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range fake.S3.Ranges() {
		var lo, hi int64
		if _, err := fmt.Sscanf(r, "bytes=%d-%d", &lo, &hi); err != nil || lo < int64(len(data))-64<<10 {
			t.Errorf("data GET %q for footer-answered rules", r)
		}
	}
	local := strings.NewReplacer("vendorid", "VendorID", "pulocationid", "PULocationID").Replace(rules)
	asGlue := strings.NewReplacer("VendorID", "vendorid", "PULocationID", "pulocationid")
	want, err := engine.Evaluate(ctx, parse(t, local), engine.Files("../../testdata/taxi/sample.parquet", engine.FileOptions{}), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.RuleResults {
		w, g := want.RuleResults[i], got.RuleResults[i]
		same := len(w.EvaluatedMetrics) == len(g.EvaluatedMetrics)
		for k, v := range w.EvaluatedMetrics {
			if gv, ok := g.EvaluatedMetrics[asGlue.Replace(k)]; !ok || gv != v {
				same = false
			}
		}
		if w.Result != g.Result || w.EvaluationMessage != g.EvaluationMessage || !same {
			t.Errorf("rule %d: glue %s %q %v, local %s %q %v", i, g.Result, g.EvaluationMessage, g.EvaluatedMetrics, w.Result, w.EvaluationMessage, w.EvaluatedMetrics)
		}
	}

	// A declared type that is not the file's (the view casts) is not
	// answered from the footers: the rule's statement reads the data.
	if err := fake.Glue.AddTable(sinktest.GlueTable{Database: "lake", Name: "taxi_cast", Location: "s3://lake/taxi/", Classification: "parquet",
		Columns: []sinktest.GlueColumn{{Name: "vendorid", Type: "int"}, {Name: "passenger_count", Type: "double"}}}, fake.S3); err != nil {
		t.Fatal(err)
	}
	plan, err := engine.Explain(ctx, parse(t, `Rules = [ IsComplete "vendorid", IsComplete "passenger_count" ]`), engine.Remote(cat.Table("lake", "taxi_cast", "")), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if text := plan.String(); !strings.Contains(text, "Rule_0       IsComplete \"vendorid\"\n               computed by query 1 and") ||
		!strings.Contains(text, "Rule_1       IsComplete \"passenger_count\"\n               no query: from Parquet metadata") {
		t.Errorf("declared types and footers:\n%s", text)
	}
}

// Partition values that are not plain words reach the rules unchanged:
// AWS's CloudTrail and ALB projection examples put a yyyy/MM/dd date in
// one key, and catalogued values hold spaces, "=", "%", accents, or the
// literal text NULL. __HIVE_DEFAULT_PARTITION__ (a NULL partition value,
// as Spark and Hive write it) is NULL, also under an int key.
func TestPartitionValuesReadBackExactly(t *testing.T) {
	fake, cat := setup(t)
	fake.S3.Put("lake", "ct/2024/01/01/a.json", []byte(`{"eventname":"A","n":1}`+"\n"))
	fake.S3.Put("lake", "ct/2024/01/02/b.json", []byte(`{"eventname":"B","n":2}`+"\n"+`{"eventname":"C","n":3}`+"\n"))
	if err := fake.Glue.AddTable(sinktest.GlueTable{Database: "lake", Name: "cloudtrail", Location: "s3://lake/ct/", Classification: "json",
		Columns:       []sinktest.GlueColumn{{Name: "eventname", Type: "string"}, {Name: "n", Type: "int"}},
		PartitionKeys: []sinktest.GlueColumn{{Name: "timestamp", Type: "string"}},
		Parameters: map[string]string{"projection.enabled": "true", "projection.timestamp.type": "date", "projection.timestamp.format": "yyyy/MM/dd",
			"projection.timestamp.range": "2024/01/01,2024/01/03", "storage.location.template": "s3://lake/ct/${timestamp}"}}, fake.S3); err != nil {
		t.Fatal(err)
	}
	got := query(t, engine.Remote(cat.Table("lake", "cloudtrail", "")), `SELECT count(*), string_agg("timestamp" || ':' || eventname, ',' ORDER BY n) FROM "primary"`)
	if want := []any{int64(3), "2024/01/01:A,2024/01/02:B,2024/01/02:C"}; !reflect.DeepEqual(got, want) {
		t.Errorf("projected yyyy/MM/dd: got %v, want %v", got, want)
	}
	got = query(t, engine.Remote(cat.Table("lake", "cloudtrail", "timestamp >= '2024/01/02'")), `SELECT count(*), min("timestamp") FROM "primary"`)
	if want := []any{int64(2), "2024/01/02"}; !reflect.DeepEqual(got, want) {
		t.Errorf("filtered: got %v, want %v", got, want)
	}

	vals := []string{"New York", "a/b", "k=v", "100%", "São Paulo", "NULL", "__HIVE_DEFAULT_PARTITION__"}
	var parts []sinktest.GluePartition
	for i, v := range vals {
		key := fmt.Sprintf("cities/p%d/part-0.csv", i)
		fake.S3.Put("lake", key, []byte(fmt.Sprintf("%d\n", i)))
		year := fmt.Sprint(2020 + i)
		if i == len(vals)-1 {
			year = "__HIVE_DEFAULT_PARTITION__"
		}
		parts = append(parts, sinktest.GluePartition{Values: []string{v, year}, Location: fmt.Sprintf("s3://lake/cities/p%d", i)})
	}
	if err := fake.Glue.AddTable(sinktest.GlueTable{Database: "lake", Name: "cities", Location: "s3://lake/cities/", Classification: "csv",
		Columns:       []sinktest.GlueColumn{{Name: "i", Type: "int"}},
		PartitionKeys: []sinktest.GlueColumn{{Name: "city", Type: "string"}, {Name: "year", Type: "int"}},
		Parameters:    map[string]string{"skip.header.line.count": "0"}, Partitions: parts}, fake.S3); err != nil {
		t.Fatal(err)
	}
	got = query(t, engine.Remote(cat.Table("lake", "cities", "")),
		`SELECT count(*), string_agg(coalesce(city, '<null>') || '@' || coalesce(year::VARCHAR, '<null>'), '|' ORDER BY i), count(city), count(year) FROM "primary"`)
	want := []any{int64(7), "New York@2020|a/b@2021|k=v@2022|100%@2023|São Paulo@2024|NULL@2025|<null>@<null>", int64(6), int64(6)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("catalogued values:\n got  %v\n want %v", got, want)
	}
	// The NULL partition under filters, as GetPartitions' SQL compares:
	// only IS NULL selects it, and a numeric comparison skips it.
	for filter, want := range map[string]int64{"year IS NULL": 1, "year >= 2024": 2, "NOT year < 2024": 2, "year IS NOT NULL AND city LIKE '%o%'": 2} {
		if got := query(t, engine.Remote(cat.Table("lake", "cities", filter)), `SELECT count(*) FROM "primary"`); got[0] != want {
			t.Errorf("%s: %v rows, want %d", filter, got[0], want)
		}
	}
}

// CSV tables as Hive, Athena and crawlers declare them, read as their
// SerDe reads them: LazySimpleSerDe's \N is NULL and an empty field is ""
// in a string column (NULL in a typed one); serialization.null.format
// overrides \N; a Hive table without a delimiter property (or with
// serialization.format=1) is \x01-separated; skip.header.line.count may
// be more than 1; OpenCSVSerde has no NULL text at all.
func TestCSVSerDeSemantics(t *testing.T) {
	fake, cat := setup(t)
	cols := []sinktest.GlueColumn{{Name: "id", Type: "int"}, {Name: "name", Type: "string"}, {Name: "score", Type: "double"}}
	lazy := "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
	text := "org.apache.hadoop.mapred.TextInputFormat"
	for _, tc := range []struct {
		name, data string
		tbl        sinktest.GlueTable
		want       string // id:name:score, <n> for NULL
	}{
		{"crawler", "id|name|score\n1|ann|1.5\n2|\\N|\\N\n3||\n4|\"q\"|x\n",
			sinktest.GlueTable{Classification: "csv", SerDeParams: map[string]string{"field.delim": "|"}},
			`1:ann:1.5 2:<n>:<n> 3::<n> 4:q:<n>`},
		{"nullformat", "id,name,score\n1,,1.5\n2,\\N,2\n3,NA,NA\n",
			sinktest.GlueTable{Classification: "csv", Parameters: map[string]string{"serialization.null.format": ""}},
			`1:<n>:1.5 2:\N:2.0 3:NA:<n>`},
		{"serdenullformat", "id,name,score\n1,NA,1.5\n2,,NA\n",
			sinktest.GlueTable{Classification: "csv", SerDeParams: map[string]string{"field.delim": ",", "serialization.null.format": "NA"}},
			`1:<n>:1.5 2::<n>`},
		{"hivedefault", "1\x01ann\x011.5\n2\x01\\N\x01\\N\n",
			sinktest.GlueTable{InputFormat: text, SerDe: lazy, SerDeParams: map[string]string{"serialization.format": "1"}},
			`1:ann:1.5 2:<n>:<n>`},
		{"ctastext", "1\x01a,b\x012\n",
			sinktest.GlueTable{InputFormat: text, SerDe: lazy, SerDeParams: map[string]string{}},
			`1:a,b:2.0`},
		{"multidelim", "1||a|b||1.5\n2||\\N||2\n",
			sinktest.GlueTable{InputFormat: text, SerDe: "org.apache.hadoop.hive.serde2.MultiDelimitSerDe", SerDeParams: map[string]string{"field.delim": "||"}},
			`1:a|b:1.5 2:<n>:2.0`},
		{"tab", "1\tann\t1.5\n",
			sinktest.GlueTable{InputFormat: text, SerDe: lazy, SerDeParams: map[string]string{"field.delim": "\t"}},
			`1:ann:1.5`},
		{"short", "1,ann,1.5\n2,bob\n3\n",
			sinktest.GlueTable{Classification: "csv", Parameters: map[string]string{"skip.header.line.count": "0"}},
			`1:ann:1.5 2:bob:<n> 3:<n>:<n>`},
		{"skip2", "report of 2024-01-01\nid,name,score\n1,ann,1.5\n",
			sinktest.GlueTable{Classification: "csv", Parameters: map[string]string{"skip.header.line.count": "2"}},
			`1:ann:1.5`},
		{"opencsv", "\"id\",\"name\",\"score\"\n\"1\",\"\",\"\"\n\"2\",\"\\N\",\"2.5\"\n\"3\",\"a, b\",\"3\"\n",
			sinktest.GlueTable{Classification: "csv", SerDe: "org.apache.hadoop.hive.serde2.OpenCSVSerde",
				SerDeParams: map[string]string{"separatorChar": ",", "quoteChar": "\""}},
			`1::<n> 2:\N:2.5 3:a, b:3.0`},
		// Athena's documented declaration (escapeChar '\\') over data
		// that doubles quotes, as most writers do, and over data that
		// escapes them with a backslash, as Spark does.
		{"opencsvdoubled", "\"id\",\"name\",\"score\"\n\"1\",\"say \"\"hi\"\"\",\"1\"\n",
			sinktest.GlueTable{Classification: "csv", SerDe: "org.apache.hadoop.hive.serde2.OpenCSVSerde",
				SerDeParams: map[string]string{"separatorChar": ",", "quoteChar": "\"", "escapeChar": "\\"}},
			`1:say "hi":1.0`},
		{"opencsvbackslash", "\"id\",\"name\",\"score\"\n\"1\",\"say \\\"hi\\\"\",\"1\"\n",
			sinktest.GlueTable{Classification: "csv", SerDe: "org.apache.hadoop.hive.serde2.OpenCSVSerde",
				SerDeParams: map[string]string{"separatorChar": ",", "quoteChar": "\"", "escapeChar": "\\"}},
			`1:say "hi":1.0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake.S3.Put("lake", "serde/"+tc.name+"/000000_0", []byte(tc.data))
			tbl := tc.tbl
			tbl.Database, tbl.Name, tbl.Location, tbl.Columns = "lake", tc.name, "s3://lake/serde/"+tc.name+"/", cols
			if err := fake.Glue.AddTable(tbl, fake.S3); err != nil {
				t.Fatal(err)
			}
			got := query(t, engine.Remote(cat.Table("lake", tc.name, "")),
				`SELECT string_agg(coalesce(id::VARCHAR, '<n>') || ':' || coalesce(name, '<n>') || ':' || coalesce(score::VARCHAR, '<n>'), ' ' ORDER BY id) FROM "primary"`)
			if got[0] != tc.want {
				t.Errorf("got  %v\nwant %v", got[0], tc.want)
			}
		})
	}
}

// A malformed object is named by its s3:// URL, never by the temporary
// copy dq reads: at registration (a ragged CSV under a prefix), during
// evaluation (a Glue CSV table's unterminated quote, found by the scan)
// and while profiling.
func TestErrorsNameTheObject(t *testing.T) {
	fake, cat := setup(t)
	fake.S3.Put("lake", "rag/year=2024/a.csv", []byte("a,b\n1,2\n3,4,5\n"))
	fake.S3.Put("lake", "broken/dt=1/000000_0", []byte("1|ok|1\n2|\"unterminated|2\n"))
	if err := fake.Glue.AddTable(sinktest.GlueTable{Database: "lake", Name: "broken", Location: "s3://lake/broken/", Classification: "csv",
		Columns:       []sinktest.GlueColumn{{Name: "id", Type: "int"}, {Name: "name", Type: "string"}, {Name: "score", Type: "double"}},
		PartitionKeys: []sinktest.GlueColumn{{Name: "dt", Type: "int"}},
		Parameters:    map[string]string{"skip.header.line.count": "0"}, SerDeParams: map[string]string{"field.delim": "|"}}, fake.S3); err != nil {
		t.Fatal(err)
	}
	rs := parse(t, `Rules = [ RowCount > 0 ]`)
	src, err := s3source.New(s3source.NewClient(sinktest.AWSConfig(fake.URL)), "s3://lake/rag/", s3source.Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, f := range map[string]func() error{
		"s3 prefix": func() error {
			_, err := engine.Evaluate(ctx, rs, engine.Remote(src), engine.Options{})
			return err
		},
		"glue eval": func() error {
			_, err := engine.Evaluate(ctx, rs, engine.Remote(cat.Table("lake", "broken", "")), engine.Options{})
			return err
		},
		"glue profile": func() error {
			_, err := recommend.ProfileSource(ctx, engine.Remote(cat.Table("lake", "broken", "")), recommend.ProfileOptions{})
			return err
		},
	} {
		err := f()
		want := "s3://lake/broken/dt=1/000000_0"
		if name == "s3 prefix" {
			want = "s3://lake/rag/year=2024/a.csv"
		}
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), os.TempDir()+"/dq-s3-") {
			t.Errorf("%s: %v\nwant it to name %s", name, err, want)
		}
	}
}

// An injected projection key takes its values from the filter, as Athena
// requires (= or IN); without them the error says how to give them.
func TestInjectedProjection(t *testing.T) {
	fake, cat := setup(t)
	fake.S3.Put("lake", "logs/111/2024-01-01/a.json", []byte(`{"n":1}`+"\n"))
	fake.S3.Put("lake", "logs/222/2024-01-01/a.json", []byte(`{"n":2}`+"\n"+`{"n":3}`+"\n"))
	fake.S3.Put("lake", "logs/333/2024-01-01/a.json", []byte(`{"n":4}`+"\n"))
	if err := fake.Glue.AddTable(sinktest.GlueTable{Database: "lake", Name: "logs", Location: "s3://lake/logs/", Classification: "json",
		Columns:       []sinktest.GlueColumn{{Name: "n", Type: "int"}},
		PartitionKeys: []sinktest.GlueColumn{{Name: "account", Type: "string"}, {Name: "day", Type: "string"}},
		Parameters: map[string]string{"projection.enabled": "true", "projection.account.type": "injected",
			"projection.day.type": "date", "projection.day.format": "yyyy-MM-dd", "projection.day.range": "2024-01-01,2024-01-02",
			"storage.location.template": "s3://lake/logs/${account}/${day}"}}, fake.S3); err != nil {
		t.Fatal(err)
	}
	for filter, want := range map[string][]any{
		"account = '222'": {int64(2), "222"},
		"account IN ('111', '333') AND day >= '2024'": {int64(2), "111,333"},
		"account = '111' OR account = '222'":          {int64(3), "111,222"},
	} {
		got := query(t, engine.Remote(cat.Table("lake", "logs", filter)), `SELECT count(*), string_agg(DISTINCT account, ',' ORDER BY account) FROM "primary"`)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", filter, got, want)
		}
	}
	for _, filter := range []string{"", "day = '2024-01-01'", "account <> '111'", "account = '111' OR day = '2024-01-01'"} {
		_, err := engine.Evaluate(context.Background(), parse(t, `Rules = [ RowCount > 0 ]`), engine.Remote(cat.Table("lake", "logs", filter)), engine.Options{})
		if err == nil || !strings.Contains(err.Error(), `key account is injected: give its values with --partition "account = '…'"`) {
			t.Errorf("%q: %v", filter, err)
		}
	}
}

// Storage dq cannot read is refused naming it, never read as text: a
// SequenceFile under LazySimpleSerDe, AWS's ALB/CloudFront-style
// RegexSerDe tables, Grok (custom classifier) and Ion tables, client-side
// encrypted data, and a Delta Lake location a crawler catalogued as
// Parquet.
func TestUnreadableStorageNamed(t *testing.T) {
	fake, cat := setup(t)
	fake.S3.Put("lake", "odd/000000_0", []byte("SEQ\x06junk"))
	fake.S3.Put("lake", "deltat/part-0.parquet", mustReadFile(t, "../../testdata/taxi/sample.parquet"))
	fake.S3.Put("lake", "deltat/_delta_log/00000000000000000000.json", []byte("{}"))
	for name, tc := range map[string]struct {
		tbl  sinktest.GlueTable
		want string
	}{
		"seq": {sinktest.GlueTable{InputFormat: "org.apache.hadoop.mapred.SequenceFileInputFormat", SerDe: "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"},
			"glue://lake/seq: is stored as SequenceFile; dq reads Parquet, CSV (optionally gzip) and JSON tables"},
		"alb": {sinktest.GlueTable{InputFormat: "org.apache.hadoop.mapred.TextInputFormat", SerDe: "org.apache.hadoop.hive.serde2.RegexSerDe", SerDeParams: map[string]string{"input.regex": "([^ ]*) (.*)"}},
			"glue://lake/alb: is read with org.apache.hadoop.hive.serde2.RegexSerDe (lines parsed by a pattern)"},
		"grok": {sinktest.GlueTable{Classification: "applogs", InputFormat: "org.apache.hadoop.mapred.TextInputFormat", SerDe: "com.amazonaws.glue.serde.GrokSerDe"},
			"glue://lake/grok: is read with com.amazonaws.glue.serde.GrokSerDe"},
		"ion": {sinktest.GlueTable{InputFormat: "com.amazon.ionhiveserde.formats.IonInputFormat", SerDe: "com.amazon.ionhiveserde.IonHiveSerDe"},
			`glue://lake/ion: has a format dq does not know ("com.amazon.ionhiveserde.IonHiveSerDe")`},
		"crawleddelta": {sinktest.GlueTable{Classification: "parquet", Location: "s3://lake/deltat/"},
			"listing s3://lake/deltat/: is a Delta Lake table (_delta_log/)"},
		"cse": {sinktest.GlueTable{Classification: "csv", Parameters: map[string]string{"has_encrypted_data": "true"}},
			"glue://lake/cse: holds client-side encrypted data (has_encrypted_data=true), which dq cannot decrypt"},
	} {
		tbl := tc.tbl
		tbl.Database, tbl.Name, tbl.Columns = "lake", name, []sinktest.GlueColumn{{Name: "a", Type: "string"}}
		if tbl.Location == "" {
			tbl.Location = "s3://lake/odd/"
		}
		if err := fake.Glue.AddTable(tbl, fake.S3); err != nil {
			t.Fatal(err)
		}
		_, err := engine.Evaluate(context.Background(), parse(t, `Rules = [ RowCount > 0 ]`), engine.Remote(cat.Table("lake", name, "")), engine.Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v\nwant %q", name, err, tc.want)
		}
	}
}

// A table whose older partitions keep another storage format (a crawler
// records each partition's SerDe) is refused naming the partition, never
// read with the table's format or skipped; partitions of the table's
// format read, and a partition whose descriptor names no known format is
// read as the table.
func TestPartitionWithItsOwnFormat(t *testing.T) {
	fake, cat := setup(t)
	fake.S3.Put("lake", "mixed/year=2023/part-0.csv", []byte("1,a\n"))
	fake.S3.Put("lake", "mixed/year=2024/part-0", mustReadFile(t, "../../testdata/taxi/sample.parquet"))
	fake.S3.Put("lake", "mixed/year=2025/part-0.csv", []byte("3,c\n"))
	fake.S3.Put("lake", "mixed/year=2026/part-0.csv", []byte("4,d\n"))
	parquetIn := "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
	if err := fake.Glue.AddTable(sinktest.GlueTable{Database: "lake", Name: "mixed", Location: "s3://lake/mixed/", Classification: "csv",
		Columns:       []sinktest.GlueColumn{{Name: "id", Type: "int"}, {Name: "name", Type: "string"}},
		PartitionKeys: []sinktest.GlueColumn{{Name: "year", Type: "int"}},
		Parameters:    map[string]string{"skip.header.line.count": "0"},
		Partitions: []sinktest.GluePartition{
			{Values: []string{"2023"}, Location: "s3://lake/mixed/year=2023/", InputFormat: "org.apache.hadoop.mapred.TextInputFormat", SerDe: "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"},
			{Values: []string{"2024"}, Location: "s3://lake/mixed/year=2024/", InputFormat: parquetIn, SerDe: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
			{Values: []string{"2025"}, Location: "s3://lake/mixed/year=2025/", InputFormat: "org.apache.hadoop.mapred.TextInputFormat"},
			{Values: []string{"2026"}, Location: "s3://lake/mixed/year=2026/"},
		}}, fake.S3); err != nil {
		t.Fatal(err)
	}
	_, err := engine.Evaluate(context.Background(), parse(t, `Rules = [ RowCount > 0 ]`), engine.Remote(cat.Table("lake", "mixed", "")), engine.Options{})
	if err == nil || !strings.Contains(err.Error(), "glue://lake/mixed: partition year=2024 is stored as parquet, the table as csv") {
		t.Errorf("mixed: %v", err)
	}
	got := query(t, engine.Remote(cat.Table("lake", "mixed", "year <> 2024")), `SELECT count(*), string_agg(name, ',' ORDER BY id) FROM "primary"`)
	if want := []any{int64(3), "a,c,d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("csv partitions: got %v, want %v", got, want)
	}
}

func mustReadFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A partitioned table whose partitions were never added (no crawler run,
// no MSCK REPAIR) says how to add them.
func TestPartitionedTableWithoutPartitions(t *testing.T) {
	fake, cat := setup(t)
	fake.S3.Put("lake", "fresh/year=2024/a.csv", []byte("1\n"))
	if err := fake.Glue.AddTable(sinktest.GlueTable{Database: "lake", Name: "fresh", Location: "s3://lake/fresh/", Classification: "csv",
		Columns: []sinktest.GlueColumn{{Name: "i", Type: "int"}}, PartitionKeys: []sinktest.GlueColumn{{Name: "year", Type: "int"}},
		Partitions: []sinktest.GluePartition{}}, fake.S3); err != nil {
		t.Fatal(err)
	}
	_, err := engine.Evaluate(context.Background(), parse(t, `Rules = [ RowCount > 0 ]`), engine.Remote(cat.Table("lake", "fresh", "")), engine.Options{})
	if err == nil || !strings.Contains(err.Error(), "glue://lake/fresh: the table has partition keys but no partitions in the catalog; add them (run its crawler, or MSCK REPAIR TABLE in Athena)") {
		t.Errorf("%v", err)
	}
}

// A resource link (Lake Formation sharing, a central catalog in another
// account) reads its target table: storage from the target's GetTable,
// partitions from the target's GetPartitions.
func TestResourceLink(t *testing.T) {
	fake, cat := setup(t)
	if err := fake.Glue.AddTable(sinktest.GlueTable{Database: "shared", Name: "sales_link",
		Target: &sinktest.GlueTarget{CatalogID: "111122223333", Database: "lake", Name: "sales"}}, nil); err != nil {
		t.Fatal(err)
	}
	got := query(t, engine.Remote(cat.Table("shared", "sales_link", "year = 2024")), `SELECT count(*), sum(id) FROM "primary"`)
	if want := []any{int64(4), float64(4 + 5 + 6 + 7)}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// bzip2 objects of a CSV or JSON table (Hadoop and Glue jobs write them;
// Glue reads them) are decompressed by dq, which DuckDB cannot do.
func TestBzip2Table(t *testing.T) {
	bz := func(text string) []byte {
		var b bytes.Buffer
		cmd := exec.Command("bzip2", "-c")
		cmd.Stdin, cmd.Stdout = strings.NewReader(text), &b
		if err := cmd.Run(); err != nil {
			t.Skip("no bzip2 command:", err)
		}
		return b.Bytes()
	}
	fake, cat := setup(t)
	fake.S3.Put("lake", "bzcsv/year=2024/part-0.csv.bz2", bz("1|a\n2|\\N\n"))
	fake.S3.Put("lake", "bzcsv/year=2025/part-0.csv", []byte("3|c\n"))
	fake.S3.Put("lake", "bzcsv/year=2025/part-1.csv._COPYING_", []byte("9|half a co")) // an unfinished hadoop fs -put
	fake.S3.Put("lake", "bzjson/part-0.json.bz2", bz(`{"id": 1, "name": "a"}`+"\n"+`{"id": 2}`+"\n"))
	cols := []sinktest.GlueColumn{{Name: "id", Type: "int"}, {Name: "name", Type: "string"}}
	for _, tbl := range []sinktest.GlueTable{
		{Name: "bzcsv", Location: "s3://lake/bzcsv/", Classification: "csv", PartitionKeys: []sinktest.GlueColumn{{Name: "year", Type: "int"}},
			Parameters: map[string]string{"skip.header.line.count": "0"}, SerDeParams: map[string]string{"field.delim": "|"}},
		{Name: "bzjson", Location: "s3://lake/bzjson/", Classification: "json"},
	} {
		tbl.Database, tbl.Columns = "lake", cols
		if err := fake.Glue.AddTable(tbl, fake.S3); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{"bzcsv": "1:a 2:<n> 3:c", "bzjson": "1:a 2:<n>"} {
		got := query(t, engine.Remote(cat.Table("lake", name, "")), `SELECT string_agg(id || ':' || coalesce(name, '<n>'), ' ' ORDER BY id) FROM "primary"`)
		if got[0] != want {
			t.Errorf("%s: got %v, want %s", name, got[0], want)
		}
	}
}

package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/engine"
)

// dq eval --engine athena against the fake AWS: the statements go to the
// fake Athena (which runs them on DuckDB over the seeded taxi table), and
// every rule Trino expresses is judged as in a local run of the same file.
func TestEvalEngineAthena(t *testing.T) {
	requireParser(t)
	fake := lakeEnv(t)
	fake.Athena.DefaultOutput = "s3://dq-results/athena/"
	rules := "../../testdata/taxi/taxi.dqdl"

	local, _ := evalJSON(t, exitFailed, "--no-history", "--now", "2026-01-31", rules, "../../testdata/taxi/sample.parquet")
	res, r := evalJSON(t, exitFailed, "--no-history", "--now", "2026-01-31", "--engine", "athena", "--athena-workgroup", "dq",
		"--athena-output", "s3://dq-results/q/", rules, "glue://lake/taxi")
	var pushed int
	for i, rr := range res.RuleResults {
		l := local.RuleResults[i]
		if rr.Result == engine.Error {
			t.Errorf("%s ERROR on Athena: %s", rr.Description, rr.EvaluationMessage)
			continue
		}
		pushed++
		if l.FailureDetails != nil {
			// Top values need the rows, which stay in Athena.
			fd := *l.FailureDetails
			fd.TopValues = nil
			l.FailureDetails = &fd
		}
		a, _ := json.Marshal(rr)
		b, _ := json.Marshal(l)
		if string(a) != string(b) {
			t.Errorf("on Athena:\n %s\nlocally:\n %s", a, b)
		}
	}
	if pushed != 20 {
		t.Errorf("%d rules ran on Athena, want 20 of 20 (the two CustomSql statements run in Trino's dialect)", pushed)
	}
	qs := fake.Athena.Queries()
	if len(qs) != 6 {
		t.Fatalf("Athena received %d queries, want 6 (4 metric statements, 2 CustomSql)", len(qs))
	}
	var ids []string
	var scanned int64
	for _, q := range qs {
		ids = append(ids, q.ID)
		scanned += q.DataScanned
		if q.WorkGroup != "dq" || q.Database != "lake" || !strings.HasPrefix(q.OutputLocation, "s3://dq-results/q/") || !strings.Contains(strings.ToUpper(q.SQL), `FROM "LAKE"."TAXI"`) {
			t.Errorf("query %+v", q)
		}
	}
	en := res.DataSource.Engine
	if en == nil || en.Name != "athena" || strings.Join(en.QueryIDs, ",") != strings.Join(ids, ",") || en.DataScannedBytes != scanned ||
		en.EstimatedCostUSD != 6*float64(10<<20)/1e12*5 {
		t.Errorf("DataSource.Engine = %+v; want the 6 queries, %d bytes, 6 × 10 MB at $5/TB", en, scanned)
	}
	if gt := res.DataSource.GlueTable; gt == nil || gt.DatabaseName != "lake" || gt.TableName != "taxi" {
		t.Errorf("GlueTable %+v", gt)
	}
	if !strings.Contains(r.stderr, "dq: athena: 6 queries scanned ") || !strings.Contains(r.stderr, "list price $5 per TB") {
		t.Errorf("stderr: %s", r.stderr)
	}
}

func TestExplainEngineAthena(t *testing.T) {
	requireParser(t)
	fake := lakeEnv(t)
	r := runDQ(t, "", "explain", "--engine", "athena", "../../testdata/taxi/three-columns.dqdl", "glue://lake/taxi")
	if r.code != 0 || !strings.Contains(r.stdout, "-- query 1 (aggregate) on trino for Rule_0, Rule_1, Rule_2, Rule_3\nSELECT\n") ||
		!strings.Contains(r.stdout, `CAST(avg("trip_distance") AS DOUBLE) AS m3`) || !strings.Contains(r.stdout, `FROM "lake"."taxi"`) {
		t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := len(fake.Athena.Queries()); n != 0 {
		t.Errorf("explain started %d Athena queries", n)
	}
}

// The cost guard refuses before any query; flags that do not fit exit 2
// before anything runs; --timeout stops the running query on Athena.
func TestEngineAthenaGuardFlagsAndTimeout(t *testing.T) {
	requireParser(t)
	fake := lakeEnv(t)
	fake.Athena.DefaultOutput = "s3://dq-results/athena/"
	rules := "../../testdata/taxi/three-columns.dqdl"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--engine", "athena", "--max-scan-bytes", "100kB"}, "predicted to scan 434.2 kB (434194 bytes), more than --max-scan-bytes 100.0 kB (100000 bytes); predicted from glue://lake/taxi: sizes of 2 S3 objects under s3://lake/taxi/"},
		{[]string{"--engine", "athena", "--max-scan-bytes", "lots"}, `--max-scan-bytes: "lots" is not a size`},
		{[]string{"--engine", "athena", "--max-scan-bytes", "0"}, "--max-scan-bytes must be above 0"},
		{[]string{"--athena-workgroup", "dq"}, "--athena-workgroup needs --engine athena"},
		{[]string{"--engine", "postgres", "--partition", "year='2024'"}, "--partition is not applied with --engine postgres"},
		{[]string{"--engine", "athena", "--athena-output", "/tmp/x"}, "want an s3://bucket/prefix/ location"},
	} {
		r := runDQ(t, "", append(append([]string{"eval", "--no-history"}, c.args...), rules, "glue://lake/taxi")...)
		if r.code != exitInvalid || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %s\nwant exit 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
	// Local data is not a Glue table.
	r := runDQ(t, "", "eval", "--no-history", "--engine", "athena", rules, "../../testdata/taxi/sample.parquet")
	if r.code != exitInvalid || !strings.Contains(r.stderr, "--engine athena reads a Glue Data Catalog table") {
		t.Errorf("local data: exit %d %s", r.code, r.stderr)
	}
	if n := len(fake.Athena.Queries()); n != 0 {
		t.Fatalf("%d queries started by refused runs", n)
	}
	// Under the limit the run goes ahead.
	if r := runDQ(t, "", "eval", "--no-history", "--engine", "athena", "--max-scan-bytes", "1MB", rules, "glue://lake/taxi"); r.code != exitFailed && r.code != exitOK {
		t.Errorf("under the limit: exit %d %s", r.code, r.stderr)
	}

	// Long enough for the run to reach Athena on a loaded machine.
	fake.Athena.RunningFor = time.Hour
	n := len(fake.Athena.Queries())
	began := time.Now()
	r = runDQ(t, "", "eval", "--no-history", "--engine", "athena", "--timeout", "2s", rules, "glue://lake/taxi")
	if r.code != exitInvalid || !strings.Contains(r.stderr, "timed out after 2s") {
		t.Errorf("timeout: exit %d %s", r.code, r.stderr)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("the timed-out run took %s", d)
	}
	qs := fake.Athena.Queries()
	if len(qs) != n+1 {
		t.Fatalf("the timed-out run started %d queries, want 1", len(qs)-n)
	}
	if last := qs[len(qs)-1]; !last.StopRequested || last.State != "CANCELLED" {
		t.Errorf("after --timeout the fake saw %+v", last)
	}
}

// --partition with --engine athena reads the selected partitions only,
// as the local Glue source does (TestGlueTableCommands: 4 rows in 2024).
func TestEngineAthenaPartition(t *testing.T) {
	requireParser(t)
	fake := lakeEnv(t)
	fake.Athena.DefaultOutput = "s3://dq-results/athena/"
	dir := t.TempDir()
	rules := writeFile(t, dir, "sales.dqdl", `Rules = [ RowCount = 4, ColumnValues "year" = 2024 ]`, 0o644)
	for _, engineName := range []string{"athena", "duckdb"} {
		r := runDQ(t, "", "eval", "--no-history", "--engine", engineName, "--partition", "year=2024", rules, "glue://lake/sales")
		if r.code != exitOK {
			t.Errorf("--engine %s: exit %d %s%s", engineName, r.code, r.stdout, r.stderr)
		}
	}
	qs := fake.Athena.Queries()
	if len(qs) == 0 || !strings.Contains(qs[len(qs)-1].SQL, `WHERE ("year" = 2024)`) {
		t.Errorf("Athena queries %+v", qs)
	}
	r := runDQ(t, "", "eval", "--no-history", "--engine", "athena", "--partition", "region='eu'", rules, "glue://lake/sales")
	if r.code != exitInvalid || !strings.Contains(r.stderr, `--partition: partition filter names "region", which is not a partition key`) {
		t.Errorf("bad key: exit %d %s", r.code, r.stderr)
	}
}

package athena

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks/sinktest"
)

// zonesCSV is a reference table for the taxi sample: location ids 1 to
// 150 (the sample's pickup ids go beyond), a borough, and a double.
func zonesCSV() string {
	var b strings.Builder
	b.WriteString("locationid,borough,weight\n")
	for i := 1; i <= 150; i++ {
		fmt.Fprintf(&b, "%d,b%d,%g\n", i, i%7, float64(i)/4)
	}
	return b.String()
}

// lakeWithZones is the seeded lake plus lake.zones.
func lakeWithZones(t *testing.T) (*sinktest.FakeAWS, string) {
	t.Helper()
	f := seededLake(t)
	data := zonesCSV()
	f.S3.Put("lake", "zones/zones.csv", []byte(data))
	must(t, f.Glue.AddTable(sinktest.GlueTable{Database: "lake", Name: "zones", Classification: "csv", Location: "s3://lake/zones/",
		Columns: []sinktest.GlueColumn{{Name: "locationid", Type: "bigint"}, {Name: "borough", Type: "string"}, {Name: "weight", Type: "double"}}}, f.S3))
	local := filepath.Join(t.TempDir(), "zones.csv")
	must(t, os.WriteFile(local, []byte(data), 0o644))
	return f, local
}

const refRules = `Rules = [
	ReferentialIntegrity "pulocationid" "zones.locationid" > 0.5,
	ReferentialIntegrity "pulocationid,vendorid" "zones.{locationid,locationid}" > 0,
	RowCountMatch "zones" > 1,
	AggregateMatch "avg(fare_amount)" "avg(zones.weight)" between 0.1 and 10,
	SchemaMatch "zones" > 0,
	DatasetMatch "zones" "pulocationid->locationid" > 0.1,
	CustomSql "select count(*) from primary t join zones z on t.pulocationid = z.locationid" > 0,
	CustomSql "select vendorid, passenger_count from primary where fare_amount > 10" with threshold > 0.1,
	CustomSql "select avg(fare_amount) from primary"
]`

// Cross-dataset rules and CustomSql on the fake Athena: references are
// Glue tables of the same catalog (by glue:// URL or database.table); the
// Trino statements run (on DuckDB behind the fake's shim) to the embedded
// engine's verdicts and metrics over the same rows.
func TestReferencesOnAthenaMatchLocal(t *testing.T) {
	f, zones := lakeWithZones(t)
	ctx := context.Background()
	rs, err := dqdl.Parse("refs.dqdl", refRules)
	must(t, err)
	local, err := engine.Evaluate(ctx, rs, engine.Files("../../testdata/taxi/sample.parquet", engine.FileOptions{}),
		engine.Options{Now: goldenNow, References: map[string]engine.Source{"zones": engine.Files(zones, engine.FileOptions{})}})
	must(t, err)
	for _, name := range []string{"glue://lake/zones", "lake.zones", "zones"} {
		b := backend(t, f, Options{Database: "lake", Table: "taxi"})
		remote, err := engine.EvaluateOnBackend(ctx, rs, b, engine.Options{Now: goldenNow, BackendReferences: map[string]string{"zones": name}})
		must(t, err)
		for i, r := range remote.RuleResults {
			l := local.RuleResults[i]
			if r.Result != l.Result || r.EvaluationMessage != l.EvaluationMessage || !sameMetrics(r.EvaluatedMetrics, l.EvaluatedMetrics) {
				t.Errorf("%s %s:\n athena %s %q %v\n local  %s %q %v", name, r.Description, r.Result, r.EvaluationMessage, r.EvaluatedMetrics, l.Result, l.EvaluationMessage, l.EvaluatedMetrics)
			}
			if r.Result == engine.Error {
				t.Errorf("%s %s: ERROR %s", name, r.Description, r.EvaluationMessage)
			}
		}
	}
	// What Athena received: the custom statement as written, on the
	// catalog's tables; the anti-join in standard SQL.
	var sawCustom, sawAnti bool
	for _, q := range f.Athena.Queries() {
		sawCustom = sawCustom || strings.Contains(q.SQL, `select count(*) from "lake"."taxi" t join "lake"."zones" z on t.pulocationid = z.locationid`)
		sawAnti = sawAnti || strings.Contains(q.SQL, `WHERE NOT EXISTS (SELECT 1 FROM "lake"."zones" AS __r`)
	}
	if !sawCustom || !sawAnti {
		t.Errorf("Athena did not receive the expected statements (custom %v, anti-join %v)", sawCustom, sawAnti)
	}
}

// The Trino text of the cross-dataset statements: dq explain --engine
// athena with a reference. A reference outside the catalog ERRORs; a
// CustomSql that is not a SELECT never reaches Athena.
func TestReferencesTrinoGolden(t *testing.T) {
	f, zones := lakeWithZones(t)
	ctx := context.Background()
	rs, err := dqdl.Parse("refs.dqdl", refRules)
	must(t, err)
	b := backend(t, f, Options{Database: "lake", Table: "taxi"})
	p, err := engine.ExplainOnBackend(ctx, rs, b, engine.Options{Now: goldenNow, BackendReferences: map[string]string{"zones": "glue://lake/zones"}})
	must(t, err)
	golden(t, "explain/references.golden", p.String())

	for _, ref := range []string{"s3://lake/zones/", zones} {
		b := backend(t, f, Options{Database: "lake", Table: "taxi"})
		res, err := engine.EvaluateOnBackend(ctx, rs, b, engine.Options{Now: goldenNow, BackendReferences: map[string]string{"zones": ref}})
		must(t, err)
		for _, r := range res.RuleResults[:7] {
			if r.Result != engine.Error || !strings.HasPrefix(r.EvaluationMessage, "Cannot evaluate on trino: reference dataset 'zones' is not in the trino engine") ||
				!strings.Contains(r.EvaluationMessage, "the same Athena catalog") {
				t.Errorf("%s %s: %s %q", ref, r.Description, r.Result, r.EvaluationMessage)
			}
		}
	}
	if _, err := b.Describe(ctx, "s3://lake/zones/"); !errors.Is(err, engine.ErrNotColocated) {
		t.Errorf("Describe(s3://…) = %v, want ErrNotColocated", err)
	}

	before := len(f.Athena.Queries())
	wrs, err := dqdl.Parse("w.dqdl", `Rules = [ CustomSql "insert into primary select * from primary" = 1, CustomSql "drop table primary" = 1 ]`)
	must(t, err)
	res, err := engine.EvaluateOnBackend(ctx, wrs, b, engine.Options{})
	must(t, err)
	for _, r := range res.RuleResults {
		if r.Result != engine.Error || !strings.Contains(r.EvaluationMessage, "read-only") {
			t.Errorf("%s: %s %q", r.Description, r.Result, r.EvaluationMessage)
		}
	}
	if _, _, err := b.QueryUser(ctx, "/* x */ (DROP TABLE lake.taxi)", 1); err == nil || !strings.Contains(err.Error(), `got "drop"`) {
		t.Errorf("QueryUser DROP: %v", err)
	}
	if n := len(f.Athena.Queries()) - before; n != 0 {
		t.Errorf("%d writing statements reached Athena", n)
	}
}

// The cost guard counts the reference tables a plan joins: a limit the
// primary table alone passes refuses the run once the reference is
// added, before any query starts.
func TestReferencesCountInCostGuard(t *testing.T) {
	f, _ := lakeWithZones(t)
	ctx := context.Background()
	probe := backend(t, f, Options{Database: "lake", Table: "taxi"})
	primary, err := probe.PredictScan(ctx, []string{"primary"})
	must(t, err)
	rs, err := dqdl.Parse("refs.dqdl", refRules)
	must(t, err)
	b := backend(t, f, Options{Database: "lake", Table: "taxi", MaxScanBytes: primary.Bytes + 1})
	if _, err := b.Guard(ctx, []string{"primary"}); err != nil {
		t.Fatalf("the primary alone: %v", err)
	}
	before := len(f.Athena.Queries())
	_, err = engine.EvaluateOnBackend(ctx, rs, b, engine.Options{Now: goldenNow, BackendReferences: map[string]string{"zones": "lake.zones"}})
	var le *ScanLimitError
	if !errors.As(err, &le) || le.Predicted.Bytes <= primary.Bytes {
		t.Errorf("err = %v, want the scan limit with the reference counted", err)
	}
	if n := len(f.Athena.Queries()) - before; n != 0 {
		t.Errorf("%d queries started", n)
	}
}

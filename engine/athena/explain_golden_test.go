package athena

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks/sinktest"
)

var goldenNow = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

// seededLake is fakeaws's lake (testdata/glue/lake.json): the taxi sample
// as Glue table lake.taxi.
func seededLake(t *testing.T) *sinktest.FakeAWS {
	t.Helper()
	f := sinktest.NewAWS(t)
	f.Athena.DefaultOutput = "s3://dq-results/athena/"
	must(t, sinktest.SeedLake(f, "../../testdata/glue/lake.json"))
	return f
}

func parseRules(t *testing.T, path string) *dqdl.Ruleset {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	rs, err := dqdl.Parse(path, string(b))
	must(t, err)
	return rs
}

// The Trino SQL that Athena receives for the shipped rulesets over the
// taxi table, and which rules run where: `dq explain --engine athena`.
// This is the check of the Trino text (the fake runs it on DuckDB);
// deliberate changes are committed with -update after review.
func TestExplainTrinoGolden(t *testing.T) {
	f := seededLake(t)
	for _, c := range []struct{ name, rules string }{
		{"taxi", "../../testdata/taxi/taxi.dqdl"},
		{"taxi-three-columns", "../../testdata/taxi/three-columns.dqdl"},
		{"quickstart", "../../testdata/rules/quickstart.dqdl"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := backend(t, f, Options{Database: "lake", Table: "taxi"})
			p, err := engine.ExplainOnBackend(context.Background(), parseRules(t, c.rules), b, engine.Options{Now: goldenNow})
			must(t, err)
			golden(t, "explain/"+c.name+".golden", p.String())
		})
	}
	if n := len(f.Athena.Queries()); n != 0 {
		t.Errorf("explain started %d queries", n)
	}
}

// The taxi ruleset evaluated on the fake Athena (Trino SQL, run by DuckDB
// behind the shim) judges every rule Trino can express as the embedded
// engine does on the same file; the others ERROR naming the dialect.
func TestEvaluateOnAthenaMatchesLocal(t *testing.T) {
	f := seededLake(t)
	ctx := context.Background()
	for _, rules := range []string{"../../testdata/taxi/taxi.dqdl", "../../testdata/rules/quickstart.dqdl"} {
		rs := parseRules(t, rules)
		b := backend(t, f, Options{Database: "lake", Table: "taxi"})
		remote, err := engine.EvaluateOnBackend(ctx, rs, b, engine.Options{Now: goldenNow})
		must(t, err)
		local, err := engine.Evaluate(ctx, rs, engine.Files("../../testdata/taxi/sample.parquet", engine.FileOptions{}), engine.Options{Now: goldenNow})
		must(t, err)
		if len(remote.RuleResults) != len(local.RuleResults) {
			t.Fatalf("%s: %d rule results on Athena, %d locally", rules, len(remote.RuleResults), len(local.RuleResults))
		}
		var pushed, errored int
		for i, r := range remote.RuleResults {
			l := local.RuleResults[i]
			if r.Result == engine.Error && l.Result != engine.Error {
				errored++
				if !strings.Contains(r.EvaluationMessage, "trino") {
					t.Errorf("%s %s: ERROR without naming the dialect: %s", rules, r.Description, r.EvaluationMessage)
				}
				continue
			}
			pushed++
			rm, _ := json.Marshal(r.EvaluatedMetrics)
			lm, _ := json.Marshal(l.EvaluatedMetrics)
			if r.Result != l.Result || r.EvaluationMessage != l.EvaluationMessage || !sameMetrics(r.EvaluatedMetrics, l.EvaluatedMetrics) {
				t.Errorf("%s %s:\n athena %s %q %s\n local  %s %q %s", rules, r.Description, r.Result, r.EvaluationMessage, rm, l.Result, l.EvaluationMessage, lm)
			}
		}
		t.Logf("%s: %d rules judged on Athena as locally, %d ERROR on Trino; %d queries", rules, pushed, errored, len(b.Stats().QueryIDs))
		if pushed == 0 {
			t.Errorf("%s: no rule ran on Athena", rules)
		}
	}
}

// sameMetrics compares metric maps to 1e-9 relative (the engines may sum
// doubles in another order).
func sameMetrics(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y, ok := b[k]
		if !ok {
			return false
		}
		if x != y && !(x-y <= 1e-9*max(abs(x), abs(y)) && y-x <= 1e-9*max(abs(x), abs(y))) {
			return false
		}
	}
	return true
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// --partition on Athena: the Glue filter becomes a WHERE on the partition
// columns of every statement (golden), the run counts only the selected
// partitions' rows (testdata/glue/sales: 3 rows in 2023-12, 3 in 2024-01,
// 1 in 2024-02), and a filter GetPartitions would refuse
// is refused before any query.
func TestPartitionFilterOnAthena(t *testing.T) {
	f := seededLake(t)
	ctx := context.Background()
	rs, err := dqdl.Parse("sales.dqdl", `Rules = [ RowCount = 4, IsComplete "amount", ColumnValues "year" = 2024 ]`)
	must(t, err)
	b := backend(t, f, Options{Database: "lake", Table: "sales", Partition: "year = 2024 AND (month IN ('01', '02') OR month LIKE '1_')"})
	p, err := engine.ExplainOnBackend(ctx, rs, b, engine.Options{Now: goldenNow})
	must(t, err)
	golden(t, "explain/sales-partition.golden", p.String())
	res, err := engine.EvaluateOnBackend(ctx, rs, b, engine.Options{Now: goldenNow})
	must(t, err)
	if r := res.RuleResults; r[0].Result != engine.Pass || r[0].EvaluatedMetrics["Dataset.*.RowCount"] != 4 || r[2].Result != engine.Pass {
		t.Errorf("results: %+v", r)
	}
	for _, q := range f.Athena.Queries() {
		if !strings.Contains(q.SQL, `FROM (SELECT * FROM "lake"."sales" WHERE (("year" = 2024) AND (("month" IN ('01', '02')) OR ("month" LIKE '1_')))) AS "sales"`) {
			t.Errorf("a statement reads the whole table:\n%s", q.SQL)
		}
	}
	whole := backend(t, f, Options{Database: "lake", Table: "sales", Partition: "year <> 2024"})
	res, err = engine.EvaluateOnBackend(ctx, rs, whole, engine.Options{Now: goldenNow})
	must(t, err)
	if n := res.RuleResults[0].EvaluatedMetrics["Dataset.*.RowCount"]; n != 3 {
		t.Errorf("year <> 2024: RowCount %v, want 3", n)
	}
	n := len(f.Athena.Queries())
	for filter, want := range map[string]string{
		"region = 'eu'":     `names "region", which is not a partition key (the keys: month, year)`,
		"year = 'twenty'":   `partition key year is numeric: cannot compare it with "twenty"`,
		"year = 2024 AND (": "partition filter",
	} {
		_, err := engine.EvaluateOnBackend(ctx, rs, backend(t, f, Options{Database: "lake", Table: "sales", Partition: filter}), engine.Options{Now: goldenNow})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--partition") {
			t.Errorf("%q: err = %v, want %q", filter, err, want)
		}
	}
	if m := len(f.Athena.Queries()); m != n {
		t.Errorf("refused filters started %d queries", m-n)
	}
}

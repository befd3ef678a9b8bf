package bench

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
)

const samplePath = "../testdata/taxi/sample.parquet"

func loadRuleset(tb testing.TB) *dqdl.Ruleset {
	tb.Helper()
	src, err := os.ReadFile(rulesPath)
	if err != nil {
		tb.Fatal(err)
	}
	rs, err := dqdl.Parse(rulesPath, string(src))
	if err != nil {
		tb.Fatalf("taxi.dqdl does not parse: %v", err)
	}
	return rs
}

// TestSampleOutcomes pins the designed outcome of the shipped ruleset on
// the shipped sample (see testdata/taxi/README.md): exactly the three
// planted failures, and no errors. A change here means either the engine's
// semantics or the sample moved; both deserve a look.
func TestSampleOutcomes(t *testing.T) {
	res, err := engine.Evaluate(context.Background(), loadRuleset(t), engine.Files(samplePath, engine.FileOptions{}), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, rr := range res.RuleResults {
		switch rr.Result {
		case engine.Fail:
			failed = append(failed, rr.Name)
		case engine.Error:
			t.Errorf("%s errored: %s (%s)", rr.Name, rr.EvaluationMessage, rr.Description)
		}
	}
	if want := []string{"Rule_6", "Rule_8", "Rule_11"}; !slices.Equal(failed, want) {
		for _, rr := range res.RuleResults {
			t.Logf("%s %s %s %v %s", rr.Name, rr.Result, rr.Description, rr.EvaluatedMetrics, rr.EvaluationMessage)
		}
		t.Errorf("failed rules: got %v, want %v", failed, want)
	}
	if len(res.RuleResults) != rulesInRuleset {
		t.Errorf("got %d rule results, want %d", len(res.RuleResults), rulesInRuleset)
	}
}

// BenchmarkEvaluate1M is the in-process cost of engine.Evaluate on 1M rows:
// parse excluded, DuckDB session setup included (Evaluate opens one).
func BenchmarkEvaluate1M(b *testing.B) {
	data := dataset(b, 1_000_000)
	rs := loadRuleset(b)
	ctx := context.Background()
	for b.Loop() {
		res, err := engine.Evaluate(ctx, rs, engine.Files(data, engine.FileOptions{}), engine.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.RuleResults) != rulesInRuleset {
			b.Fatalf("got %d rule results, want %d", len(res.RuleResults), rulesInRuleset)
		}
	}
}

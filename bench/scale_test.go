package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/testdata/gen/scalegen"
)

// BenchmarkManyWhereRules evaluates rulesets in which every rule has its
// own where clause on the shipped 20k-row sample, in process (parse
// excluded). The process-level peak RSS is in BenchmarkScaleProcess.
func BenchmarkManyWhereRules(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			rs, err := dqdl.Parse("many.dqdl", scalegen.ManyWhereRules(n))
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			for b.Loop() {
				res, err := engine.Evaluate(ctx, rs, engine.Files(samplePath, engine.FileOptions{}), engine.Options{Session: engine.SessionOptions{MemoryLimit: "500MB"}})
				if err != nil {
					b.Fatal(err)
				}
				if len(res.RuleResults) != n {
					b.Fatalf("got %d rule results, want %d", len(res.RuleResults), n)
				}
			}
		})
	}
}

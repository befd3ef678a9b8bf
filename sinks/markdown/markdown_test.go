package markdown_test

import (
	"bytes"
	"testing"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks/markdown"
)

func TestMarkdown(t *testing.T) {
	score := 0.5
	r := &engine.Result{
		Score:       &score,
		RulesetName: "orders_*",
		DataSource:  &engine.DataSource{Location: "lake/a|b.parquet"},
		RuleResults: []engine.RuleResult{
			{Name: "Rule_0", Description: `RowCount > avg(last(5)) * 0.9`, EvaluatedRule: "RowCount > 9018.0", Result: engine.Pass},
			{Name: "Rule_1", Description: "CustomSql \"select count(*) from primary where `a|b` < 0\" = 0", Result: engine.Fail,
				EvaluationMessage: "Value: 3.0 does not meet <b>the</b> constraint | *requirement*!\nsecond line"},
			{Name: "Rule_2", Description: `IsComplete "ü"`, Result: engine.Error, EvaluationMessage: "column ü [not] found_here"},
		},
		Observations: []engine.Observation{{Description: "Value 5 of Dataset.*.RowCount is outside [9, 11]."}},
	}
	var buf bytes.Buffer
	if err := markdown.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	want := "### ❌ dq: orders\\_\\*\n\n" +
		"**1 passed, 1 failed, 1 errored — score 0.50 — `lake/a\\|b.parquet`**\n\n" +
		"| Rule | Result | Rule text | Message |\n|---|---|---|---|\n" +
		"| Rule_1 | ❌ FAIL | `` CustomSql \"select count(*) from primary where `a\\|b` < 0\" = 0 `` | Value: 3.0 does not meet \\<b\\>the\\</b\\> constraint \\| \\*requirement\\*!<br>second line |\n" +
		"| Rule_2 | ⚠️ ERROR | `IsComplete \"ü\"` | column ü \\[not\\] found\\_here |\n" +
		"| Rule_0 | ✅ PASS | `RowCount > avg(last(5)) * 0.9`<br>→ `RowCount > 9018.0` |  |\n" +
		"\n1 observation(s):\n\n- Value 5 of Dataset.\\*.RowCount is outside \\[9, 11\\].\n"
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}

	buf.Reset()
	markdown.Write(&buf, &engine.Result{RulesetName: "ok", RuleResults: []engine.RuleResult{{Name: "Rule_0", Description: "RowCount > 0", Result: engine.Pass}}})
	if want := "### ✅ dq: ok\n\n**1 passed, 0 failed, 0 errored**\n\n| Rule | Result | Rule text | Message |\n|---|---|---|---|\n| Rule_0 | ✅ PASS | `RowCount > 0` |  |\n"; buf.String() != want {
		t.Errorf("got:\n%q\nwant:\n%q", buf.String(), want)
	}
}

package web

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/cmd/internal/scheduler"
	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/history"
)

// evalQuery evaluates a ruleset on a SELECT with the real engine.
func evalQuery(t *testing.T, query, rules string) *engine.Result {
	t.Helper()
	rs, err := dqdl.Parse("page_test", rules)
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Evaluate(context.Background(), rs, engine.Query(query), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestCheckPageFailureDetails: a failing rule's latest failing-value
// samples (rows failed of total, top values with counts, hint) are on the
// check page, escaped; a passing rule shows none.
func TestCheckPageFailureDetails(t *testing.T) {
	// 1,200 rows: currency is USD except 7 "<b>X\"X</b>", 5 "usd", 2 NULL
	// and one "tab\there"; amount is positive everywhere.
	res := evalQuery(t, `SELECT i AS id,
		CASE WHEN i <= 7 THEN '<b>X"X</b>' WHEN i <= 12 THEN 'usd' WHEN i <= 14 THEN NULL WHEN i = 15 THEN 'tab'||chr(9)||'here' ELSE 'USD' END AS currency,
		i AS amount FROM range(1, 1201) AS r(i)`,
		`Rules = [ ColumnValues "currency" in ["USD", "EUR"], ColumnValues "amount" > 0, ColumnValues "amont" > 0 ]`)
	if got := res.RuleResults[0]; got.Result != engine.Fail || got.FailureDetails == nil {
		t.Fatalf("rule 0: %+v", got)
	}
	t0 := time.Date(2025, 3, 1, 6, 0, 0, 0, time.UTC)
	runs := []scheduler.Run{{ID: "c-1", Check: "c", Started: t0, Finished: t0.Add(time.Second), Status: scheduler.Failed, Result: res, Score: res.Score}}
	rows := RuleRows(runs)
	d := rows[0].Details
	if d == nil || d.Rows != "15 of 1,200 rows failed" {
		t.Fatalf("details = %+v", d)
	}
	var vals []string
	for _, v := range d.Values {
		vals = append(vals, v.Value+"="+v.Count)
	}
	if got, want := strings.Join(vals, " "), `"<b>X\"X</b>"=7 "usd"=5 NULL=2 "tab\there"=1`; got != want {
		t.Errorf("values = %s, want %s", got, want)
	}
	if rows[1].Details != nil {
		t.Errorf("passing rule has details %+v", rows[1].Details)
	}

	var b bytes.Buffer
	if err := WriteCheck(&b, CheckPage{Name: "c", Status: "failed", Rules: rows, Runs: runs}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "<b>X") {
		t.Error("an offending value reached the page unescaped")
	}
	for _, want := range []string{
		"15 of 1,200 rows failed",
		`<code>&#34;&lt;b&gt;X\&#34;X&lt;/b&gt;&#34;</code> <span class="muted">×&nbsp;7</span>`,
		`<code>&#34;usd&#34;</code> <span class="muted">×&nbsp;5</span>`,
		`<code>NULL</code> <span class="muted">×&nbsp;2</span>`,
		`<code>&#34;tab\there&#34;</code> <span class="muted">×&nbsp;1</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// Exactly one value list, labelled by its own heading.
	if n := strings.Count(page, `<ul class="vals"`); n != 1 {
		t.Errorf("%d value lists, want 1", n)
	}
	if !regexp.MustCompile(`<p id="vals-0">[^<]+</p>\s*<ul class="vals" aria-labelledby="vals-0">`).MatchString(page) {
		t.Error("the value list is not labelled")
	}
	// The rule on a misspelt column carries the engine's hint (and no
	// counts: it never read a row).
	if !strings.Contains(page, `<p>did you mean &#34;amount&#34;?</p>`) {
		t.Errorf("rule 2's hint is not on the page: %+v", rows[2].Details)
	}
}

// TestWithRecorded: strips reach back to recorded runs (a restart leaves
// memory empty), a run held in memory is taken once and from memory, and
// a recorded run without rule outcomes is a grey cell.
func TestWithRecorded(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 6, 0, 0, 0, time.UTC)
	score := func(v float64) *float64 { return &v }
	outcomes := func(a, b engine.Outcome) []history.RuleOutcome {
		return []history.RuleOutcome{{Name: "Rule_0", Description: "RowCount > 0", Result: a}, {Name: "Rule_1", Description: `IsComplete "é"`, Result: b}}
	}
	// Newest first, as the store lists them: r3 is also in memory; r0 was
	// recorded before dq kept rule outcomes.
	recorded := []history.Run{
		{ResultID: "r3", At: t0.Add(3 * time.Hour), Score: score(0.5), Rules: outcomes(engine.Pass, engine.Fail)},
		{ResultID: "r2", At: t0.Add(2 * time.Hour), Score: score(1), Rules: outcomes(engine.Pass, engine.Pass)},
		{ResultID: "r1", At: t0.Add(time.Hour), Score: score(0.5), Rules: outcomes(engine.Fail, engine.Pass)},
		{ResultID: "r0", At: t0, Score: score(1)},
	}
	failed := int64(3)
	total := int64(10)
	live := []scheduler.Run{
		{ID: "c-3", Started: t0.Add(3*time.Hour + time.Second), Status: scheduler.Failed, Result: &engine.Result{ResultID: "r3", RuleResults: []engine.RuleResult{
			{Name: "Rule_0", Description: "RowCount > 0", Result: engine.Pass},
			{Name: "Rule_1", Description: `IsComplete "é"`, Result: engine.Fail, EvaluationMessage: "Value: 0.7",
				FailureDetails: &engine.FailureDetails{FailedRows: &failed, TotalRows: &total}},
		}}},
		{ID: "c-4", Date: t0.Add(4 * time.Hour), Status: scheduler.Skipped},
	}
	merged := WithRecorded(live, recorded)
	var ids []string
	for _, r := range merged {
		ids = append(ids, r.ID)
	}
	if got := strings.Join(ids, " "); got != "r0 r1 r2 c-3 c-4" {
		t.Fatalf("merged runs = %s", got)
	}
	rows := RuleRows(merged)
	if len(rows) != 2 {
		t.Fatalf("rows = %+v", rows)
	}
	cells := func(r RuleRow) string {
		var cs []string
		for _, c := range r.Cells {
			cs = append(cs, c.Class)
		}
		return strings.Join(cs, " ")
	}
	if got := cells(rows[0]); got != "none FAIL PASS PASS none" {
		t.Errorf("Rule_0 strip = %s", got)
	}
	if got := cells(rows[1]); got != "none PASS PASS FAIL none" || rows[1].Message != "Value: 0.7" || rows[1].Details == nil || rows[1].Details.Rows != "3 of 10 rows failed" {
		t.Errorf("Rule_1 = %s %+v", got, rows[1])
	}
	if rows[1].Summary != "5 runs, 2 pass, 1 fail, 2 no result" {
		t.Errorf("summary = %q", rows[1].Summary)
	}
	// After a restart: only the store.
	rows = RuleRows(WithRecorded(nil, recorded))
	if got := cells(rows[1]); got != "none PASS PASS FAIL" || rows[1].Last != "FAIL" || rows[1].Details != nil {
		t.Errorf("from the store alone: %s %+v", got, rows[1])
	}
	if WithRecorded(nil, nil) != nil || RuleRows(WithRecorded(nil, recorded[3:])) != nil {
		t.Error("no outcomes anywhere should give no rows")
	}
}

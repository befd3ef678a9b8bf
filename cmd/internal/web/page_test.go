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

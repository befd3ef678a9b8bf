package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
)

func TestFailureDetails(t *testing.T) {
	long := strings.Repeat("é", 45)
	// 20,000 rows: currency is USD except 7 "XX", 5 "usd", 2 NULL and one
	// 45-character value; id repeats 4 values; amount has 3 negatives.
	p := writeParquet(t, "details", `SELECT
		i AS id0,
		CASE WHEN i IN (1, 2) THEN 1 WHEN i IN (3, 4, 5) THEN 3 WHEN i = 6 THEN 6 ELSE i END AS id,
		CASE WHEN i <= 7 THEN 'XX' WHEN i <= 12 THEN 'usd' WHEN i <= 14 THEN NULL WHEN i = 15 THEN '`+long+`' ELSE 'USD' END AS currency,
		CASE WHEN i % 5000 = 0 THEN -1.5 ELSE i END AS amount,
		CASE WHEN i = 100 THEN 'abc' WHEN i = 101 THEN '1.5' WHEN i = 102 THEN 'abc' ELSE CAST(i AS VARCHAR) END AS n_text
		FROM range(1, 20001) AS r(i)`)
	res := evaluate(t, p, `Rules = [
		ColumnValues "currency" in ["USD", "EUR"],
		ColumnValues "amount" > 0,
		ColumnDataType "n_text" = "Integer",
		IsUnique "id",
		Completeness "currency" > 0.9999,
		IsComplete "currency" where "id0 > 100",
		ColumnLength "currency" <= 3,
		ColumnValues "currency" in ["USD"] with threshold > 0.9999,
		RowCount > 0,
		ColumnValues "currency" in ["USD"] where "id0 > 20",
		(RowCount > 0) AND (IsComplete "currency")
	]`, Options{})
	str := func(s string) *string { return &s }
	type want struct {
		failed, total int64
		top           []ValueCount
		summary       string
	}
	wants := []*want{
		{15, 20000, []ValueCount{{str("XX"), 7}, {str("usd"), 5}, {nil, 2}, {str(long), 1}},
			`15 of 20,000 rows failed; top values: "XX" (7), "usd" (5), NULL (2), "` + strings.Repeat("é", 40) + `"… (1)`},
		{4, 20000, []ValueCount{{str("-1.5"), 4}}, `4 of 20,000 rows failed; top values: "-1.5" (4)`},
		{3, 20000, []ValueCount{{str("abc"), 2}, {str("1.5"), 1}}, `3 of 20,000 rows failed; top values: "abc" (2), "1.5" (1)`},
		// id 1 twice, id 3 three times: 5 rows are not unique.
		{5, 20000, []ValueCount{{str("3"), 3}, {str("1"), 2}}, `5 of 20,000 rows failed; top values: "3" (3), "1" (2)`},
		{2, 20000, nil, `2 of 20,000 rows failed`},
		nil, // where id0 > 100: no NULLs, passes
		{1, 20000, []ValueCount{{str(long), 1}}, ""}, // NULL has length 0
		{15, 20000, []ValueCount{{str("XX"), 7}, {str("usd"), 5}, {nil, 2}, {str(long), 1}}, ""},
		nil, // RowCount: no row-level failures
		nil, // where id0 > 20: every row is USD
		nil, // composites carry no row details
	}
	for i, w := range wants {
		rr := res.RuleResults[i]
		d := rr.FailureDetails
		if w == nil {
			if d != nil {
				t.Errorf("%s: unexpected details %+v", rr.Description, d)
			}
			continue
		}
		if rr.Result != Fail {
			t.Errorf("%s: %s, want FAIL", rr.Description, rr.Result)
		}
		if d == nil || d.FailedRows == nil || d.TotalRows == nil {
			t.Errorf("%s: details %+v", rr.Description, d)
			continue
		}
		if *d.FailedRows != w.failed || *d.TotalRows != w.total {
			t.Errorf("%s: %d of %d rows, want %d of %d", rr.Description, *d.FailedRows, *d.TotalRows, w.failed, w.total)
		}
		gotTop, _ := json.Marshal(d.TopValues)
		wantTop, _ := json.Marshal(w.top)
		if w.top == nil {
			wantTop = []byte("null")
		}
		if string(gotTop) != string(wantTop) {
			t.Errorf("%s: top values %s, want %s", rr.Description, gotTop, wantTop)
		}
		if w.summary != "" && d.Summary() != w.summary {
			t.Errorf("%s: summary %q, want %q", rr.Description, d.Summary(), w.summary)
		}
	}
	// Glue's message is untouched.
	if m := res.RuleResults[0].EvaluationMessage; m != "Value: 0.99925 does not meet the constraint requirement!" {
		t.Errorf("message %q", m)
	}
}

func TestCutValue(t *testing.T) {
	if got := cutValue(strings.Repeat("ü", 200)); got != strings.Repeat("ü", 200) {
		t.Errorf("200 runes cut: %q", got)
	}
	if got := cutValue(strings.Repeat("ü", 201)); got != strings.Repeat("ü", 200)+"…" {
		t.Errorf("201 runes: %q", got)
	}
}

func TestShowValue(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, c := range []struct {
		in   *string
		want string
	}{
		{nil, "NULL"},
		{s(""), `""`},
		{s("a\"b\n\x1b[31m"), `"a\"b\n\x1b[31m"`},
		{s(strings.Repeat("x", 40)), `"` + strings.Repeat("x", 40) + `"`},
		{s(strings.Repeat("x", 41)), `"` + strings.Repeat("x", 40) + `"…`},
	} {
		if got := ShowValue(c.in); got != c.want {
			t.Errorf("ShowValue(%v) = %s, want %s", c.in, got, c.want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 20000: "20,000", 1234567: "1,234,567", -1500: "-1,500"} {
		if got := groupThousands(n); got != want {
			t.Errorf("groupThousands(%d) = %s, want %s", n, got, want)
		}
	}
}

// TestFailureDetailsUniqueness: duplicated tuples are the offending values;
// rows whose columns are all NULL are not judged, as in the metric.
func TestFailureDetailsUniqueness(t *testing.T) {
	p := writeParquet(t, "multi", `SELECT * FROM (VALUES (1, 'x'), (1, 'x'), (2, NULL), (2, NULL), (NULL, NULL), (NULL, NULL), (3, 'y')) AS v(a, b)`)
	res := evaluate(t, p, `Rules = [ Uniqueness "a" "b" > 0.9, IsUnique "a" where "a > 1", Uniqueness "a" "b" > 0.1 ]`, Options{})
	for i, want := range []string{
		`4 of 5 rows failed; top values: "(1, x)" (2), "(2, NULL)" (2)`,
		`2 of 3 rows failed; top values: "2" (2)`,
		"", // passes: no details
	} {
		if got := res.RuleResults[i].FailureDetails.Summary(); got != want {
			t.Errorf("%s: %q, want %q", res.RuleResults[i].Description, got, want)
		}
	}
}

func TestFailureDetailsEmptyInput(t *testing.T) {
	p := writeParquet(t, "empty", `SELECT 'a' AS s, 1 AS n WHERE false`)
	res := evaluate(t, p, `Rules = [ IsComplete "s", ColumnValues "s" in ["a"], IsUnique "n" ]`, Options{})
	for _, rr := range res.RuleResults {
		if rr.Result != Fail || rr.FailureDetails != nil {
			t.Errorf("%s: %s with details %+v; want FAIL (empty state) without details", rr.Description, rr.Result, rr.FailureDetails)
		}
	}
}

// TestTopValuesFallback: when the batched values query fails, each rule's
// values are fetched on their own, so one bad predicate cannot hide the
// others' values.
func TestTopValuesFallback(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	from := "(SELECT * FROM (VALUES ('a', 1), ('b', 0), ('b', 0)) AS v(s, n)) AS t"
	good := &failureSample{from: from, value: "CAST(s AS VARCHAR)", fail: "n = 0"}
	bad := &failureSample{from: from, value: "CAST(s AS VARCHAR)", fail: "error('boom') IS NULL"}
	p := &Plan{rel: &relation{from: from}}
	d1, d2 := &FailureDetails{}, &FailureDetails{}
	ev := &evalState{scanned: newScanned()}
	ev.pending = []pendingValues{{good, d1}, {bad, d2}}
	if err := p.topValues(context.Background(), db, ev); err != nil {
		t.Fatal(err)
	}
	if len(d1.TopValues) != 1 || *d1.TopValues[0].Value != "b" || d1.TopValues[0].Count != 2 {
		t.Errorf("good rule's values: %+v", d1.TopValues)
	}
	if d2.TopValues != nil {
		t.Errorf("failing query's values: %+v", d2.TopValues)
	}
}

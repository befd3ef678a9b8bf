package engine

import (
	"context"
	"testing"
)

// TestPlanExecutesManyTimes: one Plan, executed on two datasets with the
// same columns (as per batch or per partition), judges each from its own
// execution state, and the first execution's verdicts are unchanged by
// the second.
func TestPlanExecutesManyTimes(t *testing.T) {
	ctx := context.Background()
	sess, err := OpenSession(ctx, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	a, err := sess.Register(ctx, "primary", Query("SELECT * FROM (VALUES (1, 'x'), (2, NULL), (3, 'y')) AS t(n, s)"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := sess.Register(ctx, "batch2", Query("SELECT * FROM (VALUES (10, 'x'), (20, 'z')) AS t(n, s)"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	rs := parseRules(t, `Rules = [ RowCount = 3, IsComplete "s", Mean "n" > 5, ColumnValues "s" in ["x", "y"], Uniqueness "s" = 1.0 ]`)
	p, err := buildPlan(ctx, sess, sess.Conn(), rs, relationOf(a), Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	run := func(x *executor) []Outcome {
		ev := &evalState{scanned: newScanned(), now: p.now}
		if err := p.execute(ctx, x, &ev.scanned, nil, nil); err != nil {
			t.Fatal(err)
		}
		res := &Result{}
		if err := p.judge(ctx, x.q, ev, rs, res, nil); err != nil {
			t.Fatal(err)
		}
		var out []Outcome
		for _, r := range res.RuleResults {
			out = append(out, r.Result)
		}
		return out
	}
	local := localExecutor(sess.Conn())
	other := localExecutor(sess.Conn())
	other.relations = map[string]string{a.Relation: b.Relation}
	want1 := []Outcome{Pass, Fail, Fail, Fail, Pass}
	want2 := []Outcome{Fail, Pass, Pass, Fail, Pass}
	for i, c := range []struct {
		x    *executor
		want []Outcome
	}{{local, want1}, {other, want2}, {local, want1}} {
		if got := run(c.x); !equalOutcomes(got, c.want) {
			t.Errorf("execution %d: %v, want %v", i+1, got, c.want)
		}
	}
}

func equalOutcomes(a, b []Outcome) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

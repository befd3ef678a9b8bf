package engine

import (
	"strings"
	"testing"

	"github.com/dqlabs/dq/engine/sqlexpr"
	"github.com/dqlabs/dq/engine/statecache"
)

// The expressions the planner renders are recognised as mergeable, with
// the components the merge needs; anything else is not.
func TestClassifyAggregate(t *testing.T) {
	q := QuoteIdent("fare amount")
	w := `"cat" = 'b'`
	for _, c := range []struct {
		expr  string
		comps []string // component keys (or their beginnings); nil = not mergeable
		why   string
	}{
		{"count(*)", []string{"count:count(*)"}, ""},
		{filtered("count(*)", w), []string{`count:count(CASE WHEN ("cat" = 'b') THEN 1 END)`}, ""},
		{filtered("sum("+q+")", w), []string{`sum:sum(CASE WHEN ("cat" = 'b') THEN "fare amount" END)`}, ""},
		{"avg(" + q + ")", []string{`sum:sum("fare amount")`, `count:count("fare amount")`}, ""},
		{"min(length(" + q + "))", []string{`min:min(length("fare amount"))`}, ""},
		// nonFinite's guarded forms, as the planner renders them.
		{duck(nonFinite(sqlexpr.StddevPop, sqlexpr.Raw{SQL: "cat = 'b'"}, sqlexpr.Col{Name: "fare amount"})),
			[]string{"count:count(CASE WHEN ", "moments:var_pop(CASE WHEN "}, ""},
		{duck(nonFinite(sqlexpr.Corr, nil, sqlexpr.Col{Name: "a"}, sqlexpr.Col{Name: "b"})),
			[]string{"count:count(CASE WHEN ", "co-moments:corr(CASE WHEN "}, ""},
		// A string literal holding a parenthesis does not end the call.
		{`count(CASE WHEN ("s" = ')(') THEN 1 END)`, []string{`count:count(CASE WHEN ("s" = ')(') THEN 1 END)`}, ""},
		{"count(DISTINCT x)", nil, "a distinct aggregate"},
		{"count(x) + 1", nil, "not a single aggregate call"},
		{"count(x) FILTER (WHERE y)", nil, "not a single aggregate call"},
		{"median(x)", nil, "not an aggregate the state cache merges (median)"},
		{"count(CASE WHEN x > (SELECT avg(x) FROM t) THEN 1 END)", nil, "reads other rows or data (a subquery or window)"},
		{"count(CASE WHEN round((1717243200000000 - epoch_us(ts)) / 3600000000.0, 2) <= 24 THEN 1 END)", nil, "depends on the run instant or other state"},
		{"count(CASE WHEN ts < now() THEN 1 END)", nil, "depends on the run instant or other state"},
		{"sum(random())", nil, "depends on the run instant or other state"},
		{"CASE WHEN count(*) > 0 THEN CAST('NaN' AS DOUBLE) ELSE median(x) END", nil, "not an aggregate the state cache merges (median)"},
	} {
		m, why := classifyAggregate(c.expr)
		if c.comps == nil {
			if m != nil || why != c.why {
				t.Errorf("%s: mergeable=%v why %q, want %q", c.expr, m != nil, why, c.why)
			}
			continue
		}
		if m == nil {
			t.Errorf("%s: not mergeable: %s", c.expr, why)
			continue
		}
		var keys []string
		for _, cp := range m.comps {
			keys = append(keys, cp.key())
		}
		same := len(keys) == len(c.comps)
		for i := 0; same && i < len(keys); i++ {
			same = strings.HasPrefix(keys[i], c.comps[i])
		}
		if !same {
			t.Errorf("%s: components\n%s\nwant\n%s", c.expr, strings.Join(keys, "\n"), strings.Join(c.comps, "\n"))
		}
	}
}

// Finishing mirrors DuckDB: avg divides the exact sum once; an exact sum
// beyond DuckDB's HUGEINT/DECIMAL range is recomputed (DuckDB raises an
// overflow), as is a variance that overflows.
func TestFinishMirrorsDuckDB(t *testing.T) {
	m, _ := classifyAggregate("avg(x)")
	sum, _ := statecache.SumOf("1", false)
	if v, ok := m.finish([]statecache.State{sum, {Kind: statecache.KindCount, N: 3}}); !ok || v.Float64 != 1.0/3 {
		t.Errorf("avg = %v %v", v, ok)
	}
	if v, ok := m.finish([]statecache.State{statecache.New(statecache.KindSum), {Kind: statecache.KindCount}}); !ok || v.Valid {
		t.Errorf("avg of nothing = %v %v, want NULL", v, ok)
	}
	s, _ := classifyAggregate("sum(x)")
	big, _ := statecache.SumOf("100000000000000000000000000000000000000", false)
	if _, ok := s.finish([]statecache.State{big}); ok {
		t.Error("a sum of 1e38 was not sent back to DuckDB")
	}
	v, _ := classifyAggregate("var_pop(x)")
	if _, ok := v.finish([]statecache.State{statecache.MomentsOf(2, 0, 1e308)}); ok {
		t.Error("an overflowing variance was not sent back to DuckDB")
	}
}

package engine

import "github.com/dqlabs/dq/dqdl"

// isDynamic reports whether a condition has operands that need evaluating
// (function calls or arithmetic) rather than plain numbers.
func isDynamic(c *dqdl.Condition) bool {
	if c == nil || c.Kind != dqdl.NumberCondition {
		return false
	}
	for _, o := range c.Operands {
		switch o.(type) {
		case *dqdl.Number, *dqdl.Keyword:
		default:
			return true
		}
	}
	return false
}

// noteResolved remembers what a dynamic condition evaluated to. Static
// conditions are not noted, so their rules print as written.
func (ev *evalState) noteResolved(c *dqdl.Condition, xs []float64) {
	if !isDynamic(c) {
		return
	}
	if ev.resolved == nil {
		ev.resolved = map[*dqdl.Condition][]float64{}
	}
	ev.resolved[c] = xs
}

// evaluatedRule is Glue's EvaluatedRule: the rule text with each dynamic
// operand replaced by the number it evaluated to, so that
// `RowCount > avg(last(5)) * 0.9` reads `RowCount > 9018.0` and a user can
// see the threshold a run was judged against (spec §12.3).
func (ev *evalState) evaluatedRule(r dqdl.Rule) string {
	if len(ev.resolved) == 0 {
		return r.String()
	}
	return resolveRule(r, ev.resolved).String()
}

func resolveRule(r dqdl.Rule, res map[*dqdl.Condition][]float64) dqdl.Rule {
	switch r := r.(type) {
	case *dqdl.SimpleRule:
		cp := *r
		cp.Condition = resolveCondition(r.Condition, res)
		cp.Threshold = resolveCondition(r.Threshold, res)
		return &cp
	case *dqdl.CompositeRule:
		cp := *r
		cp.Rules = make([]dqdl.Rule, len(r.Rules))
		for i, k := range r.Rules {
			cp.Rules[i] = resolveRule(k, res)
		}
		return &cp
	}
	return r
}

func resolveCondition(c *dqdl.Condition, res map[*dqdl.Condition][]float64) *dqdl.Condition {
	xs, ok := res[c]
	if !ok {
		return c
	}
	cp := *c
	cp.ListVar = nil
	cp.Operands = make([]dqdl.Operand, len(xs))
	for i, x := range xs {
		cp.Operands[i] = &dqdl.Number{Pos: c.Pos, Text: javaDouble(x), Value: x}
	}
	return &cp
}

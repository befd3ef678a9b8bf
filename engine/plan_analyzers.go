package engine

import (
	"context"

	"github.com/dqlabs/dq/dqdl"
)

// planAnalyzer plans an Analyzers entry as the metric part of the matching
// rule type; AllStatistics expands to several (spec §6.29, §10).
func (pl *planner) planAnalyzer(ctx context.Context, a *dqdl.Analyzer) (*analyzerPlan, error) {
	ap := &analyzerPlan{an: a, text: a.String()}
	add := func(typ string, params ...string) error {
		r := &dqdl.SimpleRule{Pos: a.Pos, Type: typ}
		if ts := dqdl.LookupRuleType(typ); len(ts) > 0 {
			r.Spec = ts[0]
		}
		for _, p := range params {
			r.Params = append(r.Params, &dqdl.Param{Value: p, Raw: p, Quoted: true})
		}
		lp, err := pl.planLeaf(ctx, r)
		if err != nil {
			return err
		}
		ap.parts = append(ap.parts, lp)
		return nil
	}
	if a.Type != "AllStatistics" {
		r := &dqdl.SimpleRule{Pos: a.Pos, Type: a.Type, Spec: a.Spec, Params: a.Params}
		lp, err := pl.planLeaf(ctx, r)
		if err != nil {
			return nil, err
		}
		ap.parts = append(ap.parts, lp)
		return ap, nil
	}
	var cols []column
	if len(a.Params) == 1 && !a.Params[0].Quoted && a.Params[0].Value == "AllColumns" {
		cols = pl.plan.rel.columns
	} else {
		for _, p := range a.Params {
			c, bad := pl.column(p.Value)
			if bad != nil {
				ap.fixed = bad
				return ap, nil
			}
			cols = append(cols, c)
		}
	}
	for _, typ := range []string{"RowCount", "ColumnCount"} {
		if err := add(typ); err != nil {
			return nil, err
		}
	}
	for _, c := range cols {
		types := []string{"Completeness", "Uniqueness"}
		if classify(c.typ) == classNumeric {
			types = append(types, "Entropy", "Mean", "StandardDeviation", "Sum")
		}
		for _, typ := range types {
			if err := add(typ, c.label()); err != nil {
				return nil, err
			}
		}
		// Minimum/Maximum for numbers, MinimumLength/MaximumLength for strings.
		if cls := classify(c.typ); cls != classNumeric && cls != classString {
			continue
		}
		lp := &leafPlan{rule: &dqdl.SimpleRule{Type: "ColumnValues"}}
		pl.valuesAnalyzer(lp, c)
		ap.parts = append(ap.parts, lp)
	}
	return ap, nil
}

package engine

import (
	"context"

	"github.com/dqlabs/dq/dqdl"
)

// ruleKind is everything the engine knows about one rule type, in one
// place: how it is planned (the planner sets the leaf's judge, row form
// and failure sample), the metrics it reports (for backtesting), whether
// it can take part in a ROW-mode composite, what DetectAnomalies and the
// observations make of its metric, which reference datasets it names, and
// whether a pushdown Backend can run it. Adding a rule type is adding an
// entry to ruleKinds.
type ruleKind struct {
	// plan plans a rule of this type. An error means planning itself
	// broke; the rule's own problems become lp.fixed.
	plan func(pl *planner, ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) error
	// metrics returns the metric names a rule reports and whether its
	// dynamic part is its `with threshold` (judged on a compliance
	// metric); ok false when backtesting does not support the rule as
	// written. nil: never supported.
	metrics func(r *dqdl.SimpleRule, cols []string) (names []string, threshold bool, ok bool)
	// thresholdDatasetLevel: with `with threshold` the rule is judged over
	// the whole dataset, so it cannot be evaluated per row.
	thresholdDatasetLevel bool
	// anomaly is what a band of the type's metric suggests as a static
	// rule (suggestRule); suggestNone for none.
	anomaly suggestKind
	// anomalyRank > 0: DetectAnomalies accepts the type's name (spec
	// §6.28); the rank is its place in Glue's documented list, which
	// messages keep.
	anomalyRank int
	// aliases lists the reference datasets a rule names (catalog
	// discovery); nil for single-dataset rules.
	aliases func(r *dqdl.SimpleRule) []string
	// localOnly says why a Backend cannot run the type ("" = it runs
	// wherever its expressions render).
	localOnly string
}

// suggestKind is how suggestRule turns an anomaly band into a rule.
type suggestKind int

const (
	suggestNone suggestKind = iota
	// suggestDatasetCount: Dataset.*.<Type>, a count: between floor-1 and
	// ceil+1.
	suggestDatasetCount
	// suggestColumnCount: Column.<c>.<Type>, a count, likewise.
	suggestColumnCount
	// suggestRatio: a ratio in [0, 1]: >= lower when the band reaches 1.
	suggestRatio
	// suggestBetween: any number: between the band's bounds.
	suggestBetween
)

// ruleKinds has one entry per rule type dq evaluates.
var ruleKinds map[string]*ruleKind

func init() {
	plain := func(f func(*planner, context.Context, *dqdl.SimpleRule, *leafPlan)) func(*planner, context.Context, *dqdl.SimpleRule, *leafPlan) error {
		return func(pl *planner, ctx context.Context, r *dqdl.SimpleRule, lp *leafPlan) error {
			f(pl, ctx, r, lp)
			return nil
		}
	}
	dataset := func(r *dqdl.SimpleRule, _ []string) ([]string, bool, bool) {
		return []string{datasetMetric(r.Type)}, false, true
	}
	column := func(r *dqdl.SimpleRule, cols []string) ([]string, bool, bool) {
		return colMetric(cols, r.Type), false, true
	}
	multi := func(r *dqdl.SimpleRule, cols []string) ([]string, bool, bool) {
		return []string{multiMetric(cols, r.Type)}, false, true
	}
	const files = "reads files, not the engine's tables"
	ruleKinds = map[string]*ruleKind{
		"RowCount":     {plan: plain((*planner).planRowCount), metrics: dataset, anomaly: suggestDatasetCount, anomalyRank: 1},
		"ColumnCount":  {plan: plain((*planner).planColumnCount), metrics: dataset, anomaly: suggestDatasetCount, anomalyRank: 14},
		"Completeness": {plan: plain((*planner).planCompleteness), metrics: column, anomaly: suggestRatio, anomalyRank: 2},
		"IsComplete":   {plan: plain((*planner).planCompleteness)},
		"Uniqueness":   {plan: plain((*planner).planFrequency), metrics: multi, anomaly: suggestRatio, anomalyRank: 3},
		"IsUnique":     {plan: plain((*planner).planFrequency)},
		"IsPrimaryKey": {plan: plain((*planner).planFrequency)},
		"UniqueValueRatio": {plan: plain((*planner).planFrequency), metrics: multi, anomaly: suggestRatio,
			anomalyRank: 9},
		"Entropy": {plan: plain((*planner).planFrequency), metrics: multi, anomaly: suggestBetween, anomalyRank: 7},
		"DistinctValuesCount": {plan: plain((*planner).planFrequency), metrics: multi, anomaly: suggestColumnCount,
			anomalyRank: 8},
		"Mean":                    {plan: plain((*planner).planStatistic), metrics: column, anomaly: suggestBetween, anomalyRank: 4},
		"Sum":                     {plan: plain((*planner).planStatistic), metrics: column, anomaly: suggestBetween, anomalyRank: 5},
		"StandardDeviation":       {plan: plain((*planner).planStatistic), metrics: column, anomaly: suggestBetween, anomalyRank: 6},
		"Variance":                {plan: plain((*planner).planStatistic), metrics: column, anomaly: suggestBetween},
		"ColumnCorrelation":       {plan: plain((*planner).planCorrelation), metrics: multi, anomalyRank: 12},
		"ColumnExists":            {plan: plain((*planner).planColumnExists)},
		"ColumnNamesMatchPattern": {plan: plain((*planner).planNamesMatch)},
		"ColumnLength": {plan: plain((*planner).planColumnLength), thresholdDatasetLevel: true, anomalyRank: 10,
			metrics: func(r *dqdl.SimpleRule, cols []string) ([]string, bool, bool) {
				if r.Threshold != nil {
					return colMetric(cols, "LengthCompliance"), true, true
				}
				if r.Condition == nil {
					return append(colMetric(cols, "MinimumLength"), colMetric(cols, "MaximumLength")...), false, true
				}
				return nil, false, false
			}},
		"ColumnValues": {plan: plain((*planner).planColumnValues), thresholdDatasetLevel: true, anomalyRank: 11,
			metrics: func(r *dqdl.SimpleRule, cols []string) ([]string, bool, bool) {
				if r.Threshold != nil {
					if r.Condition != nil && r.Condition.Op == dqdl.OpMatches {
						return colMetric(cols, "PatternMatch"), true, true
					}
					return colMetric(cols, "ColumnValues.Compliance"), true, true
				}
				if r.Condition == nil {
					return append(append(colMetric(cols, "Minimum"), colMetric(cols, "Maximum")...),
						append(colMetric(cols, "MinimumLength"), colMetric(cols, "MaximumLength")...)...), false, true
				}
				return nil, false, false
			}},
		"ColumnDataType": {plan: plain((*planner).planColumnDataType), thresholdDatasetLevel: true,
			metrics: func(r *dqdl.SimpleRule, cols []string) ([]string, bool, bool) {
				return colMetric(cols, "ColumnDataType.Compliance"), true, true
			}},
		"DataFreshness": {plan: plain((*planner).planDataFreshness)},
		"CustomSql": {plan: (*planner).planCustomSQL, thresholdDatasetLevel: true, anomalyRank: 13,
			metrics: func(r *dqdl.SimpleRule, _ []string) ([]string, bool, bool) {
				if r.Threshold != nil {
					return []string{datasetMetric("CustomSQL.Compliance")}, true, true
				}
				return []string{datasetMetric("CustomSQL")}, false, true
			}},
		"DetectAnomalies": {plan: (*planner).planDetectAnomalies},
		"ReferentialIntegrity": {plan: plain((*planner).planReferentialIntegrity),
			aliases: func(r *dqdl.SimpleRule) []string {
				if len(r.Params) > 1 {
					if alias, _, err := parseReferenceColumns(r.Params[1].Value); err == nil {
						return []string{alias}
					}
				}
				return nil
			}},
		"DatasetMatch":  {plan: plain((*planner).planDatasetMatch), aliases: firstParamAlias},
		"RowCountMatch": {plan: plain((*planner).planRowCountMatch), aliases: firstParamAlias},
		"SchemaMatch":   {plan: plain((*planner).planSchemaMatch), aliases: firstParamAlias},
		"AggregateMatch": {plan: plain((*planner).planAggregateMatch),
			aliases: func(r *dqdl.SimpleRule) []string {
				var out []string
				for _, p := range r.Params {
					if _, alias, _, err := parseAggregate(p.Value); err == nil && alias != "" {
						out = append(out, alias)
					}
				}
				return out
			}},
		"FileMatch":      {plan: plain((*planner).planFileRule), localOnly: files},
		"FileUniqueness": {plan: plain((*planner).planFileRule), localOnly: files},
		"FileFreshness":  {plan: plain((*planner).planFileRule), localOnly: files},
		"FileSize":       {plan: plain((*planner).planFileRule), localOnly: files},
	}
}

// anomalyTargets lists the metric names DetectAnomalies accepts (spec
// §6.28), in Glue's documented order: each is the rule type computing the
// metric. The docs spell CustomSQL; the rule type is CustomSql, so names
// are matched ignoring case.
func anomalyTargets() []string {
	out := make([]string, len(ruleKinds))
	n := 0
	for name, k := range ruleKinds {
		if k.anomalyRank > 0 {
			out[k.anomalyRank-1] = name
			n++
		}
	}
	return out[:n]
}

func firstParamAlias(r *dqdl.SimpleRule) []string {
	if len(r.Params) > 0 {
		return []string{r.Params[0].Value}
	}
	return nil
}

// colMetric is the Column.<first column>.<name> metric, or none when the
// rule names no column.
func colMetric(cols []string, name string) []string {
	if len(cols) == 0 {
		return nil
	}
	return []string{columnMetric(cols[0], name)}
}

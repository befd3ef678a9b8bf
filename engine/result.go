package engine

import "time"

// Outcome is a rule's verdict, spelled as Glue's GetDataQualityResult API
// spells it.
type Outcome string

const (
	Pass  Outcome = "PASS"
	Fail  Outcome = "FAIL"
	Error Outcome = "ERROR"
)

// Result mirrors Glue's GetDataQualityResult (spec §13). Its JSON form is
// dq's documented, stable output schema: field names follow the AWS API.
type Result struct {
	ResultID          string             `json:"ResultId"`
	Score             *float64           `json:"Score"` // passed / (passed+failed+errored); nil when there are no rules
	DataSource        *DataSource        `json:"DataSource,omitempty"`
	RulesetName       string             `json:"RulesetName"`
	EvaluationContext string             `json:"EvaluationContext,omitempty"`
	StartedOn         time.Time          `json:"StartedOn"`
	CompletedOn       time.Time          `json:"CompletedOn"`
	RuleResults       []RuleResult       `json:"RuleResults"`
	AnalyzerResults   []AnalyzerResult   `json:"AnalyzerResults"`
	Observations      []Observation      `json:"Observations,omitempty"`
	AggregatedMetrics *AggregatedMetrics `json:"AggregatedMetrics,omitempty"`
}

// DataSource names what was evaluated. Glue carries a Glue table here; dq
// also names local files and in-process sources.
type DataSource struct {
	GlueTable *GlueTable `json:"GlueTable,omitempty"`
	// Location is dq's own field: the path, glob or description of the
	// primary dataset.
	Location string `json:"Location,omitempty"`
	// UnparseableValues is dq's own field: for each column read with a
	// forced type (--column-type), how many values did not convert and
	// were read as NULL.
	UnparseableValues []UnparseableCount `json:"UnparseableValues,omitempty"`
	// Engine is dq's own field: the pushdown engine that computed the
	// metrics (--engine athena…) and what its queries scanned; nil for
	// embedded DuckDB. Sinks with a fixed schema leave it out.
	Engine *EngineRun `json:"Engine,omitempty"`
}

// EngineRun says where a run's metrics were computed and what it cost.
type EngineRun struct {
	Name     string   `json:"Name"`               // athena, postgres, redshift
	QueryIDs []string `json:"QueryIds,omitempty"` // the engine's ids, for its console
	// DataScannedBytes sums the engine's own count (Athena's
	// DataScannedInBytes); EstimatedCostUSD prices it at list price.
	DataScannedBytes int64   `json:"DataScannedBytes,omitempty"`
	EstimatedCostUSD float64 `json:"EstimatedCostUSD,omitempty"`
}

// UnparseableCount says how many present, non-blank values of a column
// could not be read as its type and became NULL.
type UnparseableCount struct {
	Column string `json:"Column"`
	Type   string `json:"Type"`
	Count  int64  `json:"Count"`
}

// GlueTable identifies a Glue Data Catalog table.
type GlueTable struct {
	DatabaseName string `json:"DatabaseName"`
	TableName    string `json:"TableName"`
	CatalogID    string `json:"CatalogId,omitempty"`
}

// RuleResult is the verdict on one top-level rule (composites count once).
type RuleResult struct {
	Name              string             `json:"Name"`        // Rule_<i>, 0-based in source order
	Description       string             `json:"Description"` // the rule's canonical text
	EvaluationMessage string             `json:"EvaluationMessage,omitempty"`
	Result            Outcome            `json:"Result"`
	EvaluatedMetrics  map[string]float64 `json:"EvaluatedMetrics"` // e.g. Column.fare_amount.Completeness
	EvaluatedRule     string             `json:"EvaluatedRule"`    // the rule with dynamic operands resolved
	Labels            map[string]string  `json:"Labels,omitempty"`
	// MetricWheres maps an EvaluatedMetrics name to the where clause it
	// was computed under; metrics of the whole dataset are absent. It is
	// not part of Glue's result or dq's JSON: the metric history uses it
	// (HistoryKey) so that `RowCount where "..."` and a plain RowCount
	// keep separate series.
	MetricWheres map[string]string `json:"-"`
	// FailureDetails is dq's own addition, absent from Glue's result: what
	// a person needs to fix the data. nil when there is nothing to add.
	FailureDetails *FailureDetails `json:"FailureDetails,omitempty"`
}

// FailureDetails says how a rule failed beyond Glue's EvaluationMessage,
// which dq keeps as Glue words it: how many rows failed out of how many,
// the most frequent offending values, and a hint such as a close column
// name for a missing one.
type FailureDetails struct {
	FailedRows *int64       `json:"FailedRows,omitempty"`
	TotalRows  *int64       `json:"TotalRows,omitempty"`
	TopValues  []ValueCount `json:"TopValues,omitempty"`
	Hint       string       `json:"Hint,omitempty"`
}

// ValueCount is one offending value and how many failing rows hold it.
// Value is nil for SQL NULL; a value longer than 200 characters is cut
// and ends in "…" (Summary shows at most 40).
type ValueCount struct {
	Value *string `json:"Value"`
	Count int64   `json:"Count"`
}

// HistoryKey is the name of a metric's series in the metric history: the
// Glue metric name, qualified by the where clause that filtered the rows it
// was computed on.
func HistoryKey(metric, where string) string {
	if where == "" {
		return metric
	}
	return metric + ` where "` + where + `"`
}

// AnalyzerResult is the output of one entry of the Analyzers section.
type AnalyzerResult struct {
	Name              string             `json:"Name"` // Analyzer_<i>
	Description       string             `json:"Description"`
	EvaluationMessage string             `json:"EvaluationMessage,omitempty"`
	EvaluatedMetrics  map[string]float64 `json:"EvaluatedMetrics"`
}

// Observation is a metric-based observation (anomaly detection, later issues).
type Observation struct {
	Description            string                  `json:"Description"`
	MetricBasedObservation *MetricBasedObservation `json:"MetricBasedObservation,omitempty"`
}

// MetricBasedObservation carries the numbers behind an Observation.
type MetricBasedObservation struct {
	MetricName   string       `json:"MetricName"`
	StatisticID  string       `json:"StatisticId,omitempty"`
	MetricValues MetricValues `json:"MetricValues"`
	NewRules     []string     `json:"NewRules,omitempty"`
}

// MetricValues are an observation's actual and expected values.
type MetricValues struct {
	ActualValue   *float64 `json:"ActualValue,omitempty"`
	ExpectedValue *float64 `json:"ExpectedValue,omitempty"`
	LowerLimit    *float64 `json:"LowerLimit,omitempty"`
	UpperLimit    *float64 `json:"UpperLimit,omitempty"`
}

// AggregatedMetrics are row and rule totals (spec §11.5).
type AggregatedMetrics struct {
	TotalRowsProcessed  float64 `json:"TotalRowsProcessed"`
	TotalRowsPassed     float64 `json:"TotalRowsPassed"`
	TotalRowsFailed     float64 `json:"TotalRowsFailed"`
	TotalRulesProcessed float64 `json:"TotalRulesProcessed"`
	TotalRulesPassed    float64 `json:"TotalRulesPassed"`
	TotalRulesFailed    float64 `json:"TotalRulesFailed"`
}

// Passed reports whether every rule passed.
func (r *Result) Passed() bool {
	for _, rr := range r.RuleResults {
		if rr.Result != Pass {
			return false
		}
	}
	return true
}

// Counts returns the number of rules that passed, failed and errored.
func (r *Result) Counts() (passed, failed, errored int) {
	for _, rr := range r.RuleResults {
		switch rr.Result {
		case Pass:
			passed++
		case Fail:
			failed++
		default:
			errored++
		}
	}
	return
}

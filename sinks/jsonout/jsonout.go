package jsonout

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/dqlabs/dq/engine"
)

// TimeLayout is how timestamps are written: ISO-8601 in UTC with
// millisecond precision, the resolution Glue's API reports.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// Write encodes r to w as indented JSON in the documented schema.
//
// Values encoding/json cannot represent are handled here rather than left
// to fail the encode: non-finite metrics are dropped from their map, a
// non-finite Score or aggregate becomes null, and a non-finite observation
// value is omitted.
func Write(w io.Writer, r *engine.Result) error {
	if r == nil {
		return fmt.Errorf("jsonout: nil result")
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Rule text is full of < and >; escaping them as \u003c makes the
	// output unreadable and buys nothing outside HTML.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(convert(r)); err != nil {
		return fmt.Errorf("jsonout: encoding result: %w", err)
	}
	return nil
}

// The mirror types below fix the wire form independently of engine's Go
// types: field names and order are the schema, and engine can evolve its
// structs without silently changing dq's output.

type result struct {
	ResultID          string             `json:"ResultId"`
	Score             *float64           `json:"Score"`
	DataSource        *dataSource        `json:"DataSource,omitempty"`
	RulesetName       string             `json:"RulesetName"`
	EvaluationContext string             `json:"EvaluationContext,omitempty"`
	StartedOn         *string            `json:"StartedOn"`
	CompletedOn       *string            `json:"CompletedOn"`
	RuleResults       []ruleResult       `json:"RuleResults"`
	AnalyzerResults   []analyzerResult   `json:"AnalyzerResults"`
	Observations      []observation      `json:"Observations,omitempty"`
	AggregatedMetrics *aggregatedMetrics `json:"AggregatedMetrics,omitempty"`
}

type dataSource struct {
	GlueTable         *glueTable    `json:"GlueTable,omitempty"`
	Location          string        `json:"Location,omitempty"`
	UnparseableValues []unparseable `json:"UnparseableValues,omitempty"`
	Engine            *engineRun    `json:"Engine,omitempty"`
}

type engineRun struct {
	Name             string   `json:"Name"`
	QueryIDs         []string `json:"QueryIds,omitempty"`
	DataScannedBytes int64    `json:"DataScannedBytes,omitempty"`
	EstimatedCostUSD float64  `json:"EstimatedCostUSD,omitempty"`
}

type unparseable struct {
	Column string `json:"Column"`
	Type   string `json:"Type"`
	Count  int64  `json:"Count"`
}

type glueTable struct {
	DatabaseName string `json:"DatabaseName"`
	TableName    string `json:"TableName"`
	CatalogID    string `json:"CatalogId,omitempty"`
}

type ruleResult struct {
	Name              string             `json:"Name"`
	Description       string             `json:"Description"`
	EvaluationMessage string             `json:"EvaluationMessage,omitempty"`
	Result            string             `json:"Result"`
	EvaluatedMetrics  map[string]float64 `json:"EvaluatedMetrics"`
	EvaluatedRule     string             `json:"EvaluatedRule"`
	Labels            map[string]string  `json:"Labels,omitempty"`
	// FailureDetails is dq's own field; Glue's fields above are unchanged.
	FailureDetails *failureDetails `json:"FailureDetails,omitempty"`
}

type failureDetails struct {
	FailedRows *int64       `json:"FailedRows,omitempty"`
	TotalRows  *int64       `json:"TotalRows,omitempty"`
	TopValues  []valueCount `json:"TopValues,omitempty"`
	Hint       string       `json:"Hint,omitempty"`
}

type valueCount struct {
	Value *string `json:"Value"`
	Count int64   `json:"Count"`
}

func convertDetails(d *engine.FailureDetails) *failureDetails {
	if d == nil {
		return nil
	}
	out := &failureDetails{FailedRows: d.FailedRows, TotalRows: d.TotalRows, Hint: d.Hint}
	for _, v := range d.TopValues {
		out.TopValues = append(out.TopValues, valueCount{Value: v.Value, Count: v.Count})
	}
	return out
}

type analyzerResult struct {
	Name              string             `json:"Name"`
	Description       string             `json:"Description"`
	EvaluationMessage string             `json:"EvaluationMessage,omitempty"`
	EvaluatedMetrics  map[string]float64 `json:"EvaluatedMetrics"`
}

type observation struct {
	Description            string                  `json:"Description"`
	MetricBasedObservation *metricBasedObservation `json:"MetricBasedObservation,omitempty"`
}

type metricBasedObservation struct {
	MetricName   string       `json:"MetricName"`
	StatisticID  string       `json:"StatisticId,omitempty"`
	MetricValues metricValues `json:"MetricValues"`
	NewRules     []string     `json:"NewRules,omitempty"`
}

type metricValues struct {
	ActualValue   *float64 `json:"ActualValue,omitempty"`
	ExpectedValue *float64 `json:"ExpectedValue,omitempty"`
	LowerLimit    *float64 `json:"LowerLimit,omitempty"`
	UpperLimit    *float64 `json:"UpperLimit,omitempty"`
}

type aggregatedMetrics struct {
	TotalRowsProcessed  *float64 `json:"TotalRowsProcessed"`
	TotalRowsPassed     *float64 `json:"TotalRowsPassed"`
	TotalRowsFailed     *float64 `json:"TotalRowsFailed"`
	TotalRulesProcessed *float64 `json:"TotalRulesProcessed"`
	TotalRulesPassed    *float64 `json:"TotalRulesPassed"`
	TotalRulesFailed    *float64 `json:"TotalRulesFailed"`
}

func convert(r *engine.Result) result {
	out := result{
		ResultID:          r.ResultID,
		Score:             finitePtr(r.Score),
		RulesetName:       r.RulesetName,
		EvaluationContext: r.EvaluationContext,
		StartedOn:         timestamp(r.StartedOn),
		CompletedOn:       timestamp(r.CompletedOn),
		// Always arrays, never null, so consumers can iterate blindly.
		RuleResults:     make([]ruleResult, 0, len(r.RuleResults)),
		AnalyzerResults: make([]analyzerResult, 0, len(r.AnalyzerResults)),
	}
	if ds := r.DataSource; ds != nil {
		out.DataSource = &dataSource{Location: ds.Location}
		for _, u := range ds.UnparseableValues {
			out.DataSource.UnparseableValues = append(out.DataSource.UnparseableValues, unparseable(u))
		}
		if gt := ds.GlueTable; gt != nil {
			out.DataSource.GlueTable = &glueTable{DatabaseName: gt.DatabaseName, TableName: gt.TableName, CatalogID: gt.CatalogID}
		}
		if en := ds.Engine; en != nil {
			out.DataSource.Engine = &engineRun{Name: en.Name, QueryIDs: en.QueryIDs, DataScannedBytes: en.DataScannedBytes, EstimatedCostUSD: en.EstimatedCostUSD}
		}
	}
	for _, rr := range r.RuleResults {
		out.RuleResults = append(out.RuleResults, ruleResult{
			Name:              rr.Name,
			Description:       rr.Description,
			EvaluationMessage: rr.EvaluationMessage,
			Result:            string(rr.Result),
			EvaluatedMetrics:  finiteMap(rr.EvaluatedMetrics),
			EvaluatedRule:     rr.EvaluatedRule,
			Labels:            rr.Labels,
			FailureDetails:    convertDetails(rr.FailureDetails),
		})
	}
	for _, ar := range r.AnalyzerResults {
		out.AnalyzerResults = append(out.AnalyzerResults, analyzerResult{
			Name:              ar.Name,
			Description:       ar.Description,
			EvaluationMessage: ar.EvaluationMessage,
			EvaluatedMetrics:  finiteMap(ar.EvaluatedMetrics),
		})
	}
	for _, o := range r.Observations {
		ob := observation{Description: o.Description}
		if m := o.MetricBasedObservation; m != nil {
			ob.MetricBasedObservation = &metricBasedObservation{
				MetricName:  m.MetricName,
				StatisticID: m.StatisticID,
				MetricValues: metricValues{
					ActualValue:   finitePtr(m.MetricValues.ActualValue),
					ExpectedValue: finitePtr(m.MetricValues.ExpectedValue),
					LowerLimit:    finitePtr(m.MetricValues.LowerLimit),
					UpperLimit:    finitePtr(m.MetricValues.UpperLimit),
				},
				NewRules: m.NewRules,
			}
		}
		out.Observations = append(out.Observations, ob)
	}
	if am := r.AggregatedMetrics; am != nil {
		out.AggregatedMetrics = &aggregatedMetrics{
			TotalRowsProcessed:  finite(am.TotalRowsProcessed),
			TotalRowsPassed:     finite(am.TotalRowsPassed),
			TotalRowsFailed:     finite(am.TotalRowsFailed),
			TotalRulesProcessed: finite(am.TotalRulesProcessed),
			TotalRulesPassed:    finite(am.TotalRulesPassed),
			TotalRulesFailed:    finite(am.TotalRulesFailed),
		}
	}
	return out
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func finite(f float64) *float64 {
	if !isFinite(f) {
		return nil
	}
	return &f
}

func finitePtr(f *float64) *float64 {
	if f == nil {
		return nil
	}
	return finite(*f)
}

// finiteMap copies m without non-finite values; nil becomes {} so the
// field is always an object.
func finiteMap(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		if isFinite(v) {
			out[k] = v
		}
	}
	return out
}

// timestamp renders t in UTC; the zero time means "not recorded" and is
// written as null rather than as year 1.
func timestamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(TimeLayout)
	return &s
}

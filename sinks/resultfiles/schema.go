package resultfiles

import (
	"encoding/json"
	"math"
	"time"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks"
)

// Column is one field of a result file: its JSON key, which is also the
// Parquet column name once lower-cased, and the Athena (Hive) type the DDL
// declares for it.
type Column struct {
	Key  string
	Type string
}

// RuleColumns are the fields of a rule-result line, in DDL order. The first
// ten are Glue's (spec §16) with Glue's names, in Glue's order, so a table
// created from Glue's documentation reads dq's files; the rest are dq's
// additions, which such a table simply does not select.
//
// evaluatedMetrics and labels are JSON objects in the files, as in Glue's.
// Glue's documented DDL declares evaluatedMetrics string, which only the
// OpenX SerDe tolerates (it hands over the object's text). dq's DDL uses the
// Hive JSON SerDe, which cannot read an object into a scalar column (Hive
// mis-parses the rest of the line; Athena's Trino-based reader fails the
// query with "value must be a scalar json value"), so both are declared as
// maps, which it reads exactly.
var RuleColumns = []Column{
	{"catalogId", "string"},
	{"databaseName", "string"},
	{"tableName", "string"},
	{"dqRunId", "string"},
	{"evaluationStartedOn", "timestamp"},
	{"evaluationCompletedOn", "timestamp"},
	{"rule", "string"},
	{"outcome", "string"},
	{"failureReason", "string"},
	{"evaluatedMetrics", "map<string,double>"},
	{"rulesetName", "string"},
	{"ruleName", "string"},
	{"evaluatedRule", "string"},
	{"dataset", "string"},
	{"labels", "map<string,string>"},
}

// RunColumns are the fields of a run-summary line: one per evaluation, for
// dashboards that chart scores and counts without scanning rule rows.
var RunColumns = []Column{
	{"dqRunId", "string"},
	{"rulesetName", "string"},
	{"catalogId", "string"},
	{"databaseName", "string"},
	{"tableName", "string"},
	{"dataset", "string"},
	{"evaluationStartedOn", "timestamp"},
	{"evaluationCompletedOn", "timestamp"},
	{"state", "string"},
	{"score", "double"},
	{"numRules", "int"},
	{"numRulesSucceeded", "int"},
	{"numRulesFailed", "int"},
	{"numRulesErrored", "int"},
	{"totalRowsProcessed", "bigint"},
}

// TimeLayout is how timestamps are written: UTC, in the form Java's
// java.sql.Timestamp.valueOf parses (yyyy-mm-dd hh:mm:ss.fff), with
// milliseconds and no zone designator. It is the one form every Hive-family
// JSON reader parses as a timestamp without configuration: the Hive JSON
// SerDe's default parser is Timestamp.valueOf, the OpenX SerDe accepts it,
// and so do Spark and DuckDB. ISO-8601 with "T" and "Z" is not that form, and
// how a SerDe treats it (NULL, an error, or a lenient parse) varies.
const TimeLayout = "2006-01-02 15:04:05.000"

// ruleRecord is one line of a rule-result file. Field order follows
// RuleColumns; absent values are JSON null (not omitted) so every line has
// every key.
type ruleRecord struct {
	CatalogID             *string `json:"catalogId"`
	DatabaseName          *string `json:"databaseName"`
	TableName             *string `json:"tableName"`
	DQRunID               string  `json:"dqRunId"`
	EvaluationStartedOn   *string `json:"evaluationStartedOn"`
	EvaluationCompletedOn *string `json:"evaluationCompletedOn"`
	Rule                  string  `json:"rule"`
	Outcome               string  `json:"outcome"`
	FailureReason         *string `json:"failureReason"`
	// EvaluatedMetrics and Labels are JSON objects in the file, which the
	// DDL declares as maps (see RuleColumns).
	EvaluatedMetrics map[string]float64 `json:"evaluatedMetrics"`
	RulesetName      string             `json:"rulesetName"`
	RuleName         string             `json:"ruleName"`
	EvaluatedRule    string             `json:"evaluatedRule"`
	Dataset          *string            `json:"dataset"`
	Labels           map[string]string  `json:"labels"`
}

type runRecord struct {
	DQRunID               string   `json:"dqRunId"`
	RulesetName           string   `json:"rulesetName"`
	CatalogID             *string  `json:"catalogId"`
	DatabaseName          *string  `json:"databaseName"`
	TableName             *string  `json:"tableName"`
	Dataset               *string  `json:"dataset"`
	EvaluationStartedOn   *string  `json:"evaluationStartedOn"`
	EvaluationCompletedOn *string  `json:"evaluationCompletedOn"`
	State                 string   `json:"state"`
	Score                 *float64 `json:"score"`
	NumRules              int      `json:"numRules"`
	NumRulesSucceeded     int      `json:"numRulesSucceeded"`
	NumRulesFailed        int      `json:"numRulesFailed"`
	NumRulesErrored       int      `json:"numRulesErrored"`
	TotalRowsProcessed    *int64   `json:"totalRowsProcessed"`
}

// ruleLines encodes r's rule results as JSON Lines.
func ruleLines(r *engine.Result) ([]byte, error) {
	t := sinks.Table(r)
	var buf []byte
	for _, rr := range r.RuleResults {
		rec := ruleRecord{
			CatalogID:             nonEmpty(t.CatalogID),
			DatabaseName:          nonEmpty(t.DatabaseName),
			TableName:             nonEmpty(t.TableName),
			DQRunID:               r.ResultID,
			EvaluationStartedOn:   timestamp(r.StartedOn),
			EvaluationCompletedOn: timestamp(r.CompletedOn),
			Rule:                  rr.Description,
			Outcome:               sinks.S3Outcome(rr.Result),
			FailureReason:         nonEmpty(rr.EvaluationMessage),
			EvaluatedMetrics:      finiteMap(rr.EvaluatedMetrics),
			RulesetName:           r.RulesetName,
			RuleName:              rr.Name,
			EvaluatedRule:         rr.EvaluatedRule,
			Dataset:               nonEmpty(sinks.Location(r)),
			Labels:                nonNilLabels(rr.Labels),
		}
		line, err := marshalLine(rec)
		if err != nil {
			return nil, err
		}
		buf = append(buf, line...)
	}
	return buf, nil
}

// runLine encodes r's summary as one JSON line.
func runLine(r *engine.Result) ([]byte, error) {
	t := sinks.Table(r)
	c := sinks.CountsOf(r)
	rec := runRecord{
		DQRunID:               r.ResultID,
		RulesetName:           r.RulesetName,
		CatalogID:             nonEmpty(t.CatalogID),
		DatabaseName:          nonEmpty(t.DatabaseName),
		TableName:             nonEmpty(t.TableName),
		Dataset:               nonEmpty(sinks.Location(r)),
		EvaluationStartedOn:   timestamp(r.StartedOn),
		EvaluationCompletedOn: timestamp(r.CompletedOn),
		State:                 sinks.State(r),
		NumRules:              c.Total(),
		NumRulesSucceeded:     c.Passed,
		NumRulesFailed:        c.NotPassed(),
		NumRulesErrored:       c.Errored,
	}
	if r.Score != nil && isFinite(*r.Score) {
		s := *r.Score
		rec.Score = &s
	}
	if am := r.AggregatedMetrics; am != nil && isFinite(am.TotalRowsProcessed) {
		n := int64(am.TotalRowsProcessed)
		rec.TotalRowsProcessed = &n
	}
	return marshalLine(rec)
}

// marshalLine is json.Marshal plus a newline, without HTML escaping: rule
// text is full of < and >, and \u003c would make the files unreadable.
func marshalLine(v any) ([]byte, error) {
	var b jsonBuffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // Encode appends the newline
		return nil, err
	}
	return b, nil
}

type jsonBuffer []byte

func (b *jsonBuffer) Write(p []byte) (int, error) {
	*b = append(*b, p...)
	return len(p), nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timestamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(TimeLayout)
	return &s
}

// nonNilLabels makes a rule without labels an empty map rather than null,
// like evaluatedMetrics, so cardinality(labels) is 0, not NULL.
func nonNilLabels(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// finiteMap drops values JSON cannot carry; nil becomes {} so the column is
// always an object, never null.
func finiteMap(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		if isFinite(v) {
			out[k] = v
		}
	}
	return out
}

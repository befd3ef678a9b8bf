// Package jsonout writes an evaluation result as JSON: dq's stable,
// documented machine-readable output (`dq eval --format json`).
//
// # Schema
//
// The document mirrors AWS Glue's GetDataQualityResult response, so tools
// written against Glue can read it; field names are Glue's. One object:
//
//	ResultId           string   dq's id for this evaluation
//	Score              number   passed / total rules, 0..1; null when there
//	                            are no rules
//	DataSource         object   optional: {"Location": path or glob} for
//	                            local data, or {"GlueTable": {"DatabaseName",
//	                            "TableName", "CatalogId"?}}; dq adds
//	                            "UnparseableValues": [{"Column", "Type",
//	                            "Count"}] for columns read with a forced
//	                            type (--column-type): values that did not
//	                            convert and were read as NULL; and, for
//	                            a pushdown engine (--engine athena),
//	                            "Engine": {"Name", "QueryIds"?,
//	                            "DataScannedBytes"?, "EstimatedCostUSD"?}
//	RulesetName        string   may be ""
//	EvaluationContext  string   optional
//	StartedOn          string   ISO-8601 UTC with milliseconds,
//	CompletedOn        string   e.g. "2026-11-27T10:00:00.123Z"; null if unknown
//	RuleResults        array    always present, one entry per top-level rule
//	                            in source order (a composite counts once):
//	  Name               string   "Rule_<i>", 0-based
//	  Description        string   the rule's canonical DQDL text
//	  EvaluationMessage  string   why it failed or errored; omitted on pass
//	  Result             string   "PASS" | "FAIL" | "ERROR"
//	  EvaluatedMetrics   object   metric name → number, always present,
//	                              e.g. "Column.fare_amount.Minimum"
//	  EvaluatedRule      string   the rule with dynamic operands resolved
//	  Labels             object   string → string; omitted when none
//	  FailureDetails     object   dq's addition (not in Glue), omitted when
//	                              empty: FailedRows and TotalRows (numbers;
//	                              rows judged after the where clause), TopValues
//	                              (up to 5 {"Value": string or null for NULL,
//	                              "Count": number}, most frequent offending
//	                              values first; a value over 200 characters
//	                              is cut and ends in "…"), Hint (e.g. a close column
//	                              name for a missing one)
//	AnalyzerResults    array    always present:
//	  Name               string   "Analyzer_<i>"
//	  Description        string
//	  EvaluationMessage  string   optional
//	  EvaluatedMetrics   object   as above
//	Observations       array    optional: {"Description", "MetricBasedObservation":
//	                            {"MetricName", "StatisticId"?, "MetricValues":
//	                            {"ActualValue"?, "ExpectedValue"?, "LowerLimit"?,
//	                            "UpperLimit"?}, "NewRules"?: [string]}}
//	AggregatedMetrics  object   optional: TotalRowsProcessed, TotalRowsPassed,
//	                            TotalRowsFailed, TotalRulesProcessed,
//	                            TotalRulesPassed, TotalRulesFailed (numbers)
//
// Numbers are IEEE doubles written in shortest round-trip form. JSON has no
// NaN or Infinity: a non-finite metric is left out of its EvaluatedMetrics
// map (the rule's message explains it), and a non-finite Score, aggregate
// or observation value is null or omitted. Characters such as < and > are
// not HTML-escaped. Fields may be added in later versions; existing ones
// keep their names and meaning.
//
// # Example
//
//	{
//	  "ResultId": "dqresult-0001",
//	  "Score": 0.6666666666666666,
//	  "DataSource": {
//	    "Location": "testdata/taxi/sample.parquet"
//	  },
//	  "RulesetName": "taxi",
//	  "StartedOn": "2026-11-27T10:00:00.123Z",
//	  "CompletedOn": "2026-11-27T10:00:01.357Z",
//	  "RuleResults": [
//	    {
//	      "Name": "Rule_0",
//	      "Description": "RowCount > 10000",
//	      "Result": "PASS",
//	      "EvaluatedMetrics": {
//	        "Dataset.*.RowCount": 20000
//	      },
//	      "EvaluatedRule": "RowCount > 10000"
//	    },
//	    {
//	      "Name": "Rule_1",
//	      "Description": "ColumnValues \"fare_amount\" >= 0",
//	      "EvaluationMessage": "Value: -73.0 does not meet the constraint requirement!",
//	      "Result": "FAIL",
//	      "EvaluatedMetrics": {
//	        "Column.fare_amount.Minimum": -73
//	      },
//	      "EvaluatedRule": "ColumnValues \"fare_amount\" >= 0",
//	      "Labels": {
//	        "severity": "high",
//	        "team": "finance"
//	      }
//	    }
//	  ],
//	  "AnalyzerResults": [
//	    {
//	      "Name": "Analyzer_0",
//	      "Description": "Mean \"tip_amount\"",
//	      "EvaluatedMetrics": {
//	        "Column.tip_amount.Mean": 2.093553000000003
//	      }
//	    }
//	  ],
//	  "AggregatedMetrics": {
//	    "TotalRowsProcessed": 20000,
//	    "TotalRowsPassed": 19975,
//	    "TotalRowsFailed": 25,
//	    "TotalRulesProcessed": 2,
//	    "TotalRulesPassed": 1,
//	    "TotalRulesFailed": 1
//	  }
//	}
//
// The full example, with an ERROR rule and an observation, is the golden
// file testdata/result.golden.json.
package jsonout

// Package engine evaluates DQDL rulesets with DuckDB, the way AWS Glue Data
// Quality does, without Spark.
//
// Evaluate registers the primary dataset in a locked-down DuckDB session,
// plans every rule as a set of metric requests (row count, completeness,
// compliance of a per-row predicate, mean, uniqueness, ...), and fuses them:
// all aggregates of the dataset go into one SELECT, each where clause
// becoming a FILTER; rules built on value frequencies share one GROUP BY per
// column set; CustomSql statements run on their own. The few rows that come
// back are judged in Go with Glue's semantics and messages.
//
//	rs, _ := dqdl.Parse("rules.dqdl", src)
//	res, err := engine.Evaluate(ctx, rs, engine.Files("trips/*.parquet", engine.FileOptions{}), engine.Options{})
//	// err: the run could not happen (unreadable data). Rule problems are
//	// FAIL or ERROR results in res.RuleResults.
//
// Explain returns the plan (the SQL and which rules each statement serves)
// without evaluating it.
package engine

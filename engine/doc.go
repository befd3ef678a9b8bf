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
// Frequency rules on different column sets deliberately stay separate
// statements rather than one pass over the data. Each statement reads
// only its own columns, so the data is decoded once per column either way,
// and a lone GROUP BY keeps DuckDB's perfect-hash and dictionary fast
// paths. Measured on 10M taxi rows (bench BenchmarkGroupingStrategies),
// one GROUPING SETS statement for 18 columns took 1.7x the CPU of 18
// GROUP BYs, an aggregation over unpivoted (column, value) pairs several
// times longer, and GROUP BYs over a materialised CTE held all the
// columns in memory.
//
//	rs, _ := dqdl.Parse("rules.dqdl", src)
//	res, err := engine.Evaluate(ctx, rs, engine.Files("trips/*.parquet", engine.FileOptions{}), engine.Options{})
//	// err: the run could not happen (unreadable data). Rule problems are
//	// FAIL or ERROR results in res.RuleResults.
//
// Explain returns the plan (the SQL and which rules each statement serves)
// without evaluating it.
//
// The planner builds its metric expressions and per-row predicates in
// sqlexpr, a dialect-neutral expression language, and renders them when a
// statement is made: in DuckDB for the embedded engine, in a Backend's
// dialect for EvaluateOnBackend and ExplainOnBackend, which compute the
// metrics where the data lives (Athena, Redshift, PostgreSQL) and judge
// them here. Each rule type is described once, in the table of rule kinds
// (rulekinds.go). A Plan is built once and never changed by running it:
// each execution keeps its results in its own state.
package engine

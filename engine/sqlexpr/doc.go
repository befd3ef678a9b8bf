// Package sqlexpr is dq's dialect-neutral SQL expression language: the
// metric expressions, predicates and casts a plan computes, as a tree of
// nodes that a Dialect renders to the SQL text of one engine (DuckDB,
// Trino/Athena, PostgreSQL/Redshift).
//
// The planner builds nodes once; each engine renders them. A construct an
// engine cannot express exactly has no entry in its Dialect's function
// table, and rendering fails with an *Unsupported error that names the
// dialect and the construct, so that the rule using it can run elsewhere
// or ERROR with that reason: dq never substitutes an approximation.
//
// User SQL (where clauses, CustomSql statements) stays text, in Spark's
// syntax as Glue takes it; Raw carries it and the dialect rewrites what
// differs (identifier quoting).
package sqlexpr

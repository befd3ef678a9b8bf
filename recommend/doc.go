// Package recommend profiles a dataset and proposes a starting DQDL
// ruleset from the profile (`dq profile`, `dq recommend`).
//
// Profile scans the data with one fused DuckDB aggregate (counts, NULLs,
// distinct values, min/max, moments, approximate quantiles, string lengths,
// and whether string values parse as typed values), plus one GROUPING SETS
// query for the histograms of low-cardinality columns. Recommend turns the
// profile into rules following the suggestion rules AWS Glue inherits from
// Deequ (spec Appendix B), each with a comment giving its evidence:
//
//	p, err := recommend.ProfileSource(ctx, engine.Files("trips.parquet", engine.FileOptions{}), recommend.ProfileOptions{})
//	rec := recommend.Recommend(p, recommend.Options{})
//	fmt.Print(rec.Text()) // canonical DQDL, ready for dq eval
//
// Every recommended rule holds on the data it was profiled from: ranges
// are widened past the observed extremes (DQDL's between is exclusive),
// thresholds are rounded down, and rules that would need a guess are left
// out rather than made to fit.
package recommend

// Package bench holds dq's end-to-end benchmarks (run them with `make bench`
// or `go test -tags duckdb_arrow -run '^$' -bench . ./bench`).
//
// BenchmarkEndToEnd times `dq eval testdata/taxi/taxi.dqdl <data>` as a
// process, against ./bench/handwritten — hand-written DuckDB SQL computing
// the same metrics, also as a process — on 1M and 10M generated taxi rows.
// It reports:
//
//	ns/op          dq eval wall time (process start to exit)
//	hand-ns/op     the hand-written query's wall time
//	dq/hand        their ratio; the team's target is <= 1.25 at 10M rows
//	dq/hand-cpu    the ratio of user+system CPU time, a cross-check that
//	               holds up better than wall time on a busy machine
//	dq-maxrss-KB   dq's peak RSS; the target is < 1 GiB (1048576 KB) at 10M
//	hand-maxrss-KB the baseline's peak RSS, for context
//
// Data is generated once by testdata/gen/taxigen into testdata/bench/
// (gitignored); delete that directory to regenerate. -short limits the run
// to 1M rows.
package bench

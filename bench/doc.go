// Package bench holds dq's end-to-end benchmarks (run them with `make bench`
// or `go test -tags duckdb_arrow -run '^$' -bench . ./bench`).
//
// BenchmarkEndToEnd times `dq eval testdata/taxi/taxi.dqdl <data>` as a
// process against ./bench/handwritten — hand-written DuckDB SQL computing
// the same metrics, also as a process — on 2.5M and 10M generated taxi
// rows, at 2 and 1 DuckDB threads. Each iteration runs, alternated and
// starting with each in turn, dq with history (a fresh store that grows by a
// run per iteration), dq --no-history and the hand-written statement:
//
//	go test -tags duckdb_arrow -run '^$' -bench EndToEnd -benchtime 10x ./bench
//
// It reports medians over the iterations (one iteration is all three runs,
// so ns/op is their sum):
//
//	dq-ms, dq-nohist-ms, hand-ms   wall time, process start to exit
//	dq/hand, dq-nohist/hand        wall-time ratios; the targets (history
//	                               on) are <= 1.15 at 2.5M rows and <= 1.10
//	                               at 10M rows
//	dq/hand-cpu, dq-nohist/hand-cpu  user+system CPU ratios, which hold up
//	                               better than wall time on a busy machine
//	*-maxrss-MiB                   peak RSS of each side
//
// BenchmarkEval100M (only with DQ_BENCH_100M=1) evaluates the same ruleset
// on 100M rows with the default and a 1GB memory limit and reports peak RSS.
//
// Data is generated once by testdata/gen/taxigen into testdata/bench/
// (gitignored); delete that directory to regenerate. -short limits
// BenchmarkEndToEnd to 2.5M rows at 2 threads.
package bench

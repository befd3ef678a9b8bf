//go:build linux

package main

// Keep DuckDB's ~60k C++ symbols out of dq's dynamic symbol table.
//
// duckdb-go-bindings links with -rdynamic so that DuckDB extensions loaded
// at run time can call into the DuckDB inside the executable. dq never
// loads one: every DuckDB it opens turns extension auto-install and
// auto-load off (engine.duckDSN, the history database), and a sealed
// session also has external access disabled; the extensions dq uses
// (parquet, json, icu, core functions) are linked in. So the export only
// costs: at start-up the dynamic loader looks up every symbol that libc,
// libm and libstdc++ bind in the executable's table first, and pages that
// table in, ~5-8 ms of every dq process (measured on `dq --version`).
//
// What still has to be exported stays exported: ld exports on its own the
// executable's symbols that a linked shared library refers to (libstdc++'s
// template statics, for instance), and cmd/link names cgo's //export
// callbacks with --export-dynamic-symbol. The flag comes after the
// bindings' -rdynamic on the linker's command line, so it wins;
// TestDynamicSymbolsNotExported checks that it still does.

// #cgo LDFLAGS: -Wl,--no-export-dynamic
import "C"

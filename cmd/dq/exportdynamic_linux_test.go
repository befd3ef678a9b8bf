//go:build linux

package main

import (
	"debug/elf"
	"os"
	"testing"
)

// TestDynamicSymbolsNotExported: exportdynamic_linux.go keeps DuckDB's C++
// symbols out of the executable's dynamic symbol table (the test binary is
// linked with the same cgo flags as dq). With -rdynamic in effect it holds
// ~60k symbols and every dq process pays for them at start-up.
func TestDynamicSymbolsNotExported(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	// Today ~480: libc/libm/libstdc++ imports, the symbols those libraries
	// bind to in the executable, and cgo's exported callbacks.
	if len(syms) > 5000 {
		t.Errorf("%s exports %d dynamic symbols, want a few hundred: is -Wl,--no-export-dynamic still after the bindings' -rdynamic?", exe, len(syms))
	}
	var callback bool
	for _, s := range syms {
		if s.Name == "crosscall2" {
			callback = true
		}
	}
	if !callback {
		t.Errorf("%s does not export cgo's crosscall2: cgo callbacks need it", exe)
	}
}

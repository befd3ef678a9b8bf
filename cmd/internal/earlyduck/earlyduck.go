// Package earlyduck starts opening DuckDB as early as a dq process can:
// while the packages initialise.
//
// A dq eval of a dataset whose files' states are cached runs in about
// 200 ms, of which DuckDB's first open in the process takes about 30 ms,
// and initialising dq's Go packages (the AWS SDK's, Arrow's, …) about 20
// ms, one after the other: the open could only begin once main had parsed
// the command line. Go initialises a package as soon as the packages it
// imports are initialised, in import-path order; this one imports only
// duckopen, which imports only DuckDB's driver, so its init runs while
// the heavier packages are still to come, and the open proceeds on
// another core meanwhile. main hands it to the engine (Take).
//
// The state is the process's, and so is the decision: only `dq eval`,
// the command runs are scheduled with, starts the open here, judged from
// the raw arguments (flags before the command, help and the like find no
// opening and open their own as before).
package earlyduck

import (
	"os"

	"github.com/dqlabs/dq/engine/duckopen"
)

// opening is this process's early opening until Take hands it over.
var opening *duckopen.Opening

func init() {
	if wanted(os.Args[1:]) {
		opening = duckopen.Start()
	}
}

// wanted says whether the command line runs `dq eval` on embedded
// DuckDB, as far as its first words tell.
func wanted(args []string) bool {
	if len(args) < 2 || args[0] != "eval" {
		return false
	}
	for _, a := range args[1:] {
		switch a {
		case "-h", "--help":
			return false
		}
	}
	return true
}

// Take returns the opening begun for this process, once; nil when none
// was begun or it was taken already. The caller gives it to the engine
// (engine.SessionOptions.Opening) or closes it.
func Take() *duckopen.Opening {
	o := opening
	opening = nil
	return o
}

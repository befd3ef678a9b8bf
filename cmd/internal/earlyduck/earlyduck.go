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
// the raw arguments (other commands, and help, find no opening and open
// their own as before).
package earlyduck

import (
	"os"
	"strings"

	"github.com/dqlabs/dq/engine/duckopen"
)

// opening is this process's early opening until Take hands it over.
var opening *duckopen.Opening

func init() {
	if wanted(os.Args[1:]) {
		opening = duckopen.Start()
	}
}

// wanted says whether the command line runs `dq eval`, as far as its
// words tell: the first that is not a flag names the command (dq's global
// flags take no value, as main's tuneGC reads them too), and a request for
// help opens nothing.
func wanted(args []string) bool {
	cmd := -1
	for i, a := range args {
		if a == "-h" || a == "--help" {
			return false
		}
		if cmd < 0 && !strings.HasPrefix(a, "-") {
			cmd = i
		}
	}
	return cmd >= 0 && args[cmd] == "eval" && cmd < len(args)-1
}

// Take returns the opening begun for this process, once; nil when none
// was begun or it was taken already. The caller gives it to the engine
// (engine.SessionOptions.Opening) or closes it.
func Take() *duckopen.Opening {
	o := opening
	opening = nil
	return o
}

//go:build !unix

package history

import "os"

// Without flock, dq relies on DuckDB's own file lock, which it retries with
// the same bounded backoff (see DuckDB.open).
func tryLock(*os.File) (bool, error) { return true, nil }

func unlock(*os.File) error { return nil }

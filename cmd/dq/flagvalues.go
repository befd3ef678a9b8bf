package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// parseInstant reads --now: an RFC 3339 time, or a bare date meaning its
// midnight UTC, as --since and --before accept.
func parseInstant(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}

// parquetExts are the names --rows-out accepts for the Parquet file it
// writes.
var parquetExts = []string{".parquet", ".parq", ".pq"}

// checkRowsOutExt refuses a --rows-out name whose extension promises
// another format: rows.csv holding Parquet would confuse every reader
// (and dq itself, which reads by extension). A name without an extension,
// such as /dev/stdout or a named pipe, is accepted.
func checkRowsOutExt(path string) error {
	ext := strings.ToLower(filepath.Ext(path))
	for _, c := range []string{".gz", ".zst"} {
		if ext == c {
			return fmt.Errorf("--rows-out writes Parquet (compressed inside the file), not %s; name it e.g. %s", ext, strings.TrimSuffix(path, filepath.Ext(path)))
		}
	}
	if ext == "" || strings.Contains(ext, string(filepath.Separator)) {
		return nil
	}
	for _, p := range parquetExts {
		if ext == p {
			return nil
		}
	}
	return fmt.Errorf("--rows-out writes Parquet, but %s has the extension %s; name it %s", path, ext, strings.TrimSuffix(path, filepath.Ext(path))+".parquet")
}

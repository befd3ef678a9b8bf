package main

import (
	"fmt"
	"path/filepath"
	"slices"
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

// otherFormatExts are extensions that name a format other than the
// Parquet --rows-out writes.
var otherFormatExts = []string{".csv", ".tsv", ".txt", ".json", ".jsonl", ".ndjson", ".gz", ".zst", ".zstd", ".bz2", ".xz",
	".avro", ".orc", ".arrow", ".feather", ".xlsx", ".xls"}

// checkRowsOutExt refuses a --rows-out name whose extension promises
// another format: rows.csv holding Parquet would confuse every reader (and
// dq itself, which reads by extension). Other names (.parquet, none, or an
// extension of no data format) are accepted.
func checkRowsOutExt(path string) error {
	ext := strings.ToLower(filepath.Ext(path))
	if !slices.Contains(otherFormatExts, ext) {
		return nil
	}
	base := strings.TrimSuffix(path, filepath.Ext(path))
	if strings.HasSuffix(strings.ToLower(base), ".parquet") {
		return fmt.Errorf("--rows-out writes Parquet, which compresses inside the file, not %s; name it %s", ext, base)
	}
	return fmt.Errorf("--rows-out writes Parquet, but %s has the extension %s; name it %s", path, ext, base+".parquet")
}

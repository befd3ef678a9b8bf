package engine

import (
	"errors"
	"fmt"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// EnvironmentError reports that a check could not run because the machine
// or the stored bytes failed, not because of the data's values or the
// rules: DuckDB ran out of memory (or of spill space), an I/O operation
// failed, a data file is corrupt, or DuckDB hit a fatal error. Such a run
// has no verdict, so the evaluation stops instead of turning the failure
// into ERROR outcomes of the rules that happened to be running.
//
// Errors in the rules themselves (bad CustomSql, a missing column, an
// invalid regular expression) are never EnvironmentErrors: they stay the
// ERROR outcome of their rule.
type EnvironmentError struct {
	Kind EnvironmentKind
	Err  error // the DuckDB error
}

// EnvironmentKind says what failed.
type EnvironmentKind string

const (
	OutOfMemory  EnvironmentKind = "out of memory"
	IOFailure    EnvironmentKind = "I/O error"
	CorruptData  EnvironmentKind = "corrupt data file"
	FatalFailure EnvironmentKind = "fatal DuckDB error"
)

func (e *EnvironmentError) Error() string {
	return fmt.Sprintf("%s: %s", e.Kind, firstLine(e.Err.Error()))
}

func (e *EnvironmentError) Unwrap() error { return e.Err }

// Hint is a suggestion for the person running the check.
func (e *EnvironmentError) Hint() string {
	switch e.Kind {
	case OutOfMemory:
		return "raise --memory-limit, lower --threads, or free space for DuckDB's temporary files"
	case IOFailure:
		return "check free disk space (DuckDB spills to a temporary directory) and that the files are readable"
	case CorruptData:
		return "the file is damaged or incomplete (a truncated download or copy?); restore it and run again"
	}
	return "run again; if it persists, report it with DuckDB's message"
}

// AsEnvironmentError finds the DuckDB error in err's chain and, when it is
// an environment failure, returns it classified. It returns nil for nil
// and for every other error.
func AsEnvironmentError(err error) *EnvironmentError {
	if err == nil {
		return nil
	}
	var ee *EnvironmentError
	if errors.As(err, &ee) {
		return ee
	}
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return nil
	}
	if k, ok := classifyDuckDB(de); ok {
		return &EnvironmentError{Kind: k, Err: de}
	}
	return nil
}

// corruptStarts and corruptFileParts recognise DuckDB's messages for
// damaged files (Parquet footers and pages, compressed blocks, DuckDB's own
// storage). DuckDB reports most of them as "Invalid Input Error", the type
// it also uses for a rule's bad regular expression, so the type alone cannot
// tell them apart; and a message can quote user text (a pattern, a column
// name), so a fragment must be anchored where user text cannot be: at the
// start of the message, or after DuckDB's "Failed to read file "…": " or
// "File '…'" prefix. Lower case; matched case-insensitively.
var corruptStarts = []string{
	"corrupt", // "Corrupt database file: …", "Corrupted RLE segment: …", "Corrupt temporary file …"
	"no magic bytes found at end of file",
	"footer length error",
	"don't know what type", // Thrift: a damaged page or footer header
	"data corruption detected",
	"dictionary is corrupted",
}

var corruptFileParts = []string{
	"too small to be a parquet file",
	"metadata is corrupt",
	"decompression failure",
	"failed to decompress",
	"page size mismatch",
	"page sizes must be >= 0",
	"header inconsistency",
	"missing data page header",
	"invalid dictionary page header",
}

// missingInput are IO Error messages about the user's arguments (a path
// that matches nothing or cannot be opened), which are input errors (exit
// 2), not environment failures.
var missingInput = []string{
	"no files found that match the pattern",
	"no such file or directory",
	"cannot open file",
	"is a directory",
}

func classifyDuckDB(de *duckdb.Error) (EnvironmentKind, bool) {
	switch de.Type {
	case duckdb.ErrorTypeOutOfMemory:
		return OutOfMemory, true
	case duckdb.ErrorTypeFatal:
		return FatalFailure, true
	}
	msg := strings.ToLower(de.Msg)
	// Drop the "<Type> Error: " prefix.
	if typ, rest, ok := strings.Cut(msg, ": "); ok && strings.HasSuffix(typ, " error") {
		msg = rest
	}
	switch de.Type {
	case duckdb.ErrorTypeInvalidInput, duckdb.ErrorTypeInvalid, duckdb.ErrorTypeIO,
		duckdb.ErrorTypeInternal, duckdb.ErrorTypeSerialization:
		for _, m := range corruptStarts {
			if strings.HasPrefix(msg, m) {
				return CorruptData, true
			}
		}
		if strings.HasSuffix(firstLine(msg), "corrupt file?") { // DELTA_* encodings
			return CorruptData, true
		}
		if strings.HasPrefix(msg, "failed to read file") || strings.HasPrefix(msg, "file '") {
			for _, m := range corruptFileParts {
				if strings.Contains(msg, m) {
					return CorruptData, true
				}
			}
		}
	}
	if de.Type == duckdb.ErrorTypeIO {
		for _, m := range missingInput {
			if strings.Contains(msg, m) {
				return "", false
			}
		}
		return IOFailure, true
	}
	return "", false
}

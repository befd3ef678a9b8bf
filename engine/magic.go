package engine

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// ErrFormatUnknown is wrapped by the errors of a Files source whose format
// could not be told from the file names or contents; the fix is to give
// FileOptions.Format (the CLI's --format-in).
var ErrFormatUnknown = errors.New("format unknown")

// formatError is an error that Is ErrFormatUnknown without saying so in
// its text.
type formatError struct{ msg string }

func (e *formatError) Error() string        { return e.msg }
func (e *formatError) Is(target error) bool { return target == ErrFormatUnknown }

func unknownFormat(format string, args ...any) error {
	return &formatError{msg: fmt.Sprintf(format, args...)}
}

// Content kinds found by sniffKind, besides the format names.
const (
	kindText   = "text"   // UTF-8 text that is not JSON: CSV only if the user says so
	kindOther  = "other"  // binary of some other kind
	kindNoRead = "noread" // could not be read
)

// sniffKind tells a file's kind from its first bytes: Parquet's "PAR1"
// magic, JSON's first non-space byte '{' or '[', or text. A gzip, bzip2
// or zstd file is looked into.
func sniffKind(path string) string {
	// A pipe or FIFO is not looked into: its first bytes would be gone
	// for whoever reads it next (stream.go).
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return kindNoRead
	}
	f, err := os.Open(path)
	if err != nil {
		return kindNoRead
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if fileCompression(path) != "" {
		zr, ok, err := openDecompressed(path)
		if err != nil || !ok {
			return kindOther
		}
		defer zr.Close()
		head = make([]byte, 4096)
		n, err := io.ReadFull(zr, head)
		if n == 0 && err != nil && !errors.Is(err, io.EOF) {
			return kindOther // not really compressed that way
		}
		head = head[:n]
	}
	return kindOfBytes(head)
}

func kindOfBytes(head []byte) string {
	if bytes.HasPrefix(head, []byte("PAR1")) {
		return FormatParquet
	}
	text := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if bytes.IndexByte(text, 0) >= 0 {
		return kindOther
	}
	// The head may end inside a multi-byte character.
	for i := 0; i < utf8.UTFMax && len(text) > 0 && !utf8.Valid(text); i++ {
		text = text[:len(text)-1]
	}
	if !utf8.Valid(text) {
		return kindOther
	}
	trimmed := bytes.TrimLeft(text, " \t\r\n")
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		return FormatJSON
	}
	return kindText
}

// fileCompression is DuckDB's compression name for a file: from its
// suffix, else from its magic bytes (DuckDB itself only looks at the
// suffix, so an extension-less gzip part file needs saying); "" = none.
func fileCompression(path string) string {
	if c := compressionOf(path); c != "" {
		return c
	}
	// Parquet compresses inside the file. A "data.csv" may still be
	// gzip (a download saved without its .gz): its magic bytes decide,
	// as they do for names without an extension.
	if formatOf(path) == FormatParquet {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var b [10]byte
	n, _ := io.ReadFull(f, b[:])
	switch {
	case n >= 2 && b[0] == 0x1f && b[1] == 0x8b:
		return "gzip"
	case n >= 4 && [4]byte(b[:4]) == [4]byte{0x28, 0xb5, 0x2f, 0xfd}:
		return "zstd"
	case n == 10 && string(b[:3]) == "BZh" && b[3] >= '1' && b[3] <= '9' &&
		(string(b[4:]) == "\x31\x41\x59\x26\x53\x59" || string(b[4:]) == "\x17\x72\x45\x38\x50\x90"):
		// A block or the end of the stream must follow: a CSV may
		// begin with "BZh1".
		return "bzip2"
	}
	return ""
}

// selectFormat decides the format and keeps the files of that format.
// Files with a known extension are taken by it; files without one (Hive
// and Spark writers produce names like 000000_0) by their content: Parquet
// and JSON by magic bytes, text as CSV only when the format is given.
// Files of other kinds are left out, and notice says which.
func selectFormat(files []string, format string, notice func(string)) ([]string, string, error) {
	explicit := format != ""
	kinds := make([]string, len(files))
	seen := map[string]bool{}
	for i, f := range files {
		if k := formatOf(f); k != "" {
			kinds[i] = k
		} else {
			kinds[i] = sniffKind(f)
		}
		switch kinds[i] {
		case FormatParquet, FormatCSV, FormatJSON:
			seen[kinds[i]] = true
		}
	}
	if !explicit {
		switch len(seen) {
		case 0:
			if msg := unsupportedCompression(files[0]); len(files) == 1 && msg != "" {
				return nil, "", fmt.Errorf("%s: %s", files[0], msg)
			}
			if len(files) == 1 {
				what := "its name or content"
				if kinds[0] == kindText {
					what = "its name (it is text: CSV?)"
				}
				return nil, "", unknownFormat("cannot tell the format of %s from %s; give the format explicitly", files[0], what)
			}
			return nil, "", unknownFormat("no Parquet, CSV or JSON files found among %s; give the format explicitly", pluralCount(int64(len(files)), "file"))
		case 1:
			for k := range seen {
				format = k
			}
		default:
			return nil, "", unknownFormat("files of several formats found (%s); give the format explicitly to read one of them", strings.Join(sortedKeys(seen), ", "))
		}
	}
	var keep, skipped []string
	for i, f := range files {
		ok := kinds[i] == format ||
			// Extension-less text is CSV when the user says the data is CSV.
			kinds[i] == kindText && format == FormatCSV && explicit && formatOf(f) == "" ||
			// A file named as one format whose content is the format
			// given (Parquet data saved as .csv, text as .parquet):
			// the user's word, backed by the content, wins over its name.
			explicit && formatOf(f) != "" && contentIs(f, format)
		if ok {
			keep = append(keep, f)
		} else {
			skipped = append(skipped, fmt.Sprintf("%s (%s)", filepath.Base(f), kindName(kinds[i])))
		}
	}
	if len(keep) == 0 {
		if msg := unsupportedCompression(files[0]); len(files) == 1 && msg != "" {
			return nil, "", fmt.Errorf("%s: %s", files[0], msg)
		}
		if len(files) == 1 {
			return nil, "", fmt.Errorf("%s is %s, not %s; check the format you gave", files[0], kindName(kinds[0]), kindName(format))
		}
		delete(seen, format)
		if len(seen) > 0 {
			return nil, "", fmt.Errorf("no %s files found, only %s; check the format you gave", format, strings.Join(sortedKeys(seen), ", "))
		}
		return nil, "", fmt.Errorf("no %s files found", format)
	}
	if len(skipped) > 0 && notice != nil {
		total := len(skipped)
		const show = 5
		more := ""
		if total > show {
			more = fmt.Sprintf(" and %d more", total-show)
			skipped = skipped[:show]
		}
		verb := "are"
		if total == 1 {
			verb = "is"
		}
		notice(fmt.Sprintf("skipped %s that %s not %s: %s%s", pluralCount(int64(total), "file"), verb, kindName(format), strings.Join(skipped, ", "), more))
	}
	return keep, format, nil
}

// contentIs reports whether the first bytes of f fit format: Parquet's
// magic, JSON, or (for CSV) text.
func contentIs(f, format string) bool {
	k := sniffKind(f)
	return k == format || k == kindText && format == FormatCSV
}

// mislabelled explains a failed read of files as format by the first
// file whose content is of another kind than its name says (Parquet saved
// as .csv, CSV text as .parquet), or returns err. It runs only once the
// read failed: DuckDB's complaint about such a file (a ragged CSV, a
// "corrupt" Parquet file with no magic bytes) points the wrong way.
func mislabelled(files []string, format string, err error) error {
	const maxLook = 1000
	for i, f := range files {
		if i == maxLook {
			break
		}
		k := sniffKind(f)
		switch {
		case k == format, k == kindNoRead, k == kindOther: // damaged, or unknown
		case k == kindText && format == FormatCSV:
		default:
			what := kindName(k)
			if k == kindText {
				what = "text (CSV?)"
			}
			return unknownFormat("%s is named as %s but its content is %s; rename it, or give the format explicitly", f, kindName(format), what)
		}
	}
	return err
}

func kindName(k string) string {
	switch k {
	case FormatParquet:
		return "Parquet"
	case FormatCSV:
		return "CSV"
	case FormatJSON:
		return "JSON"
	case kindText:
		return "text"
	case kindNoRead:
		return "unreadable"
	}
	return "of another kind"
}

// pluralCount formats a count with a noun, adding an s unless n is 1.
func pluralCount(n int64, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// DetectFormat tells the data format of one file from its name or, for a
// name without a known extension, its first bytes (Parquet magic, JSON's
// first character, looking into gzip): FormatParquet, FormatCSV,
// FormatJSON, or "" when it does not look like data dq reads.
func DetectFormat(path string) string {
	if f := formatOf(path); f != "" {
		return f
	}
	switch k := sniffKind(path); k {
	case FormatParquet, FormatJSON:
		return k
	}
	return ""
}

package engine

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// raggedLine is what findRagged learnt: the first line whose field count
// differs (ragged), or else the consistent field count want.
type raggedLine struct {
	ragged          bool
	line, got, want int
	delim           string
}

// findRagged reads a CSV file (plain, gzip or bzip2) with RFC 4180 quoting,
// after its first skip lines, and returns the first record whose field
// count differs from the first record's (ragged), or the field count all records share; nil when it
// cannot tell. An empty delim is guessed from the first line: the
// most frequent of , ; tab |. Quotes other than '"' are not checked here
// (nil); DuckDB's strict reading still reports their lines.
func findRagged(path, delim string, skip int) (*raggedLine, error) {
	r, ok, err := openDecompressed(path)
	if err != nil || !ok {
		return nil, err
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<16)
	// A UTF-8 byte order mark would make a quoted first field unquoted.
	if bom, err := br.Peek(3); err == nil && string(bom) == "\xef\xbb\xbf" {
		_, _ = br.Discard(3)
	}
	for i := 0; i < skip; i++ { // lines before the header (CSVOptions.Skip)
		if _, err := br.ReadString('\n'); err != nil {
			return nil, nil
		}
	}
	if delim == "" {
		first, err := br.Peek(1 << 16)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
		line, _, _ := strings.Cut(string(first), "\n")
		best := 0
		for _, c := range []string{",", ";", "\t", "|"} {
			if n := strings.Count(line, c); n > best {
				best, delim = n, c
			}
		}
		if delim == "" {
			return nil, nil // one column: nothing to be ragged
		}
	}
	comma, size := utf8.DecodeRuneInString(delim)
	if size != len(delim) || comma == '"' || comma == '\r' || comma == '\n' {
		return nil, nil
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	cr.FieldsPerRecord = 0 // set by the first record
	want := -1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			if want < 0 {
				return nil, nil
			}
			return &raggedLine{want: want, delim: delim}, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			return &raggedLine{ragged: true, line: pe.StartLine + skip, got: len(rec), want: want, delim: delim}, nil
		}
		if err != nil {
			// Not RFC 4180 (e.g. another quote character): leave it to DuckDB.
			return nil, nil
		}
		if want < 0 {
			want = len(rec)
		}
	}
}

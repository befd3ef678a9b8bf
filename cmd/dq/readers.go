package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dqlabs/dq/engine"
)

// readerFlags say how to read CSV and JSON data (eval, explain, profile,
// recommend). They describe the primary data; references are read with the
// defaults.
type readerFlags struct {
	Delimiter       string   `placeholder:"CHAR" help:"CSV field delimiter; \\t or tab for a tab. Default: detected."`
	Quote           string   `placeholder:"CHAR" help:"CSV quote character. Default: detected."`
	Header          *bool    `negatable:"" help:"The CSV's first line is a header (--no-header: it is data). Default: detected."`
	NullValue       []string `name:"null-value" sep:"none" placeholder:"TEXT" help:"A CSV field text read as NULL in every column, e.g. NA. Repeatable."`
	CSVEmpty        string   `name:"csv-empty" enum:"string,null" default:"string" placeholder:"string|null" help:"A blank CSV field in a text column is an empty string (default, as AWS Glue) or NULL. Blank numeric, date and boolean fields are always NULL."`
	CSVRagged       string   `name:"csv-ragged" enum:"error,ignore,null-pad" default:"error" placeholder:"error|ignore|null-pad" help:"CSV lines whose field count differs from the header's: stop with an error naming the line (default), drop them, or pad short lines with NULLs."`
	CSVSkip         int      `name:"csv-skip" placeholder:"N" help:"Skip the first N lines of each CSV file (a title or notes above the header). An Excel 'sep=;' first line is skipped without it."`
	CSVEncoding     string   `name:"csv-encoding" placeholder:"NAME" help:"Text encoding of CSV files: utf-8 (default), windows-1252 (alias latin1), iso-8859-15, utf-16, shift_jis, gbk, ... Other encodings are decoded to UTF-8 copies in the session's temporary directory."`
	DateFormat      string   `name:"date-format" placeholder:"FORMAT" help:"strptime format of dates in CSV/JSON text, e.g. %d/%m/%Y. Default: ISO and common formats are detected."`
	TimestampFormat string   `name:"timestamp-format" placeholder:"FORMAT" help:"strptime format of timestamps in CSV/JSON text, e.g. '%d/%m/%Y %H:%M'."`
	ColumnType      []string `name:"column-type" sep:"none" placeholder:"COLUMN=TYPE" help:"Read COLUMN as a DuckDB TYPE, e.g. amount=DECIMAL(10,2). Values that do not convert become NULL and are counted in the result. Repeatable."`
}

// readerOptions checks the reader flags and turns them into engine options.
func (f *readerFlags) readerOptions() (engine.FileOptions, error) {
	fo := engine.FileOptions{
		CSV: engine.CSVOptions{
			Delimiter:   f.Delimiter,
			Quote:       f.Quote,
			Header:      f.Header,
			NullValues:  f.NullValue,
			EmptyAsNull: f.CSVEmpty == "null",
			Ragged:      f.CSVRagged,
			Skip:        f.CSVSkip,
			Encoding:    f.CSVEncoding,
		},
		DateFormat:      f.DateFormat,
		TimestampFormat: f.TimestampFormat,
	}
	if f.CSVSkip < 0 {
		return fo, fmt.Errorf("--csv-skip must be 0 or more, got %d", f.CSVSkip)
	}
	if _, err := engine.CSVEncoding(f.CSVEncoding); err != nil {
		return fo, fmt.Errorf("--csv-encoding: %w", err)
	}
	for _, nv := range f.NullValue {
		if nv == "" {
			return fo, errors.New("--null-value: blank fields are already NULL in typed columns; use --csv-empty null for text columns")
		}
	}
	for _, ct := range f.ColumnType {
		col, typ, ok := strings.Cut(ct, "=")
		col, typ = strings.TrimSpace(col), strings.TrimSpace(typ)
		if !ok || col == "" || typ == "" {
			return fo, fmt.Errorf("--column-type must be COLUMN=TYPE, e.g. amount=DECIMAL(10,2); got %q", ct)
		}
		if _, err := engine.ParseColumnType(typ); err != nil {
			return fo, fmt.Errorf("--column-type %s: %w", ct, err)
		}
		if fo.ColumnTypes == nil {
			fo.ColumnTypes = map[string]string{}
		}
		if _, dup := fo.ColumnTypes[col]; dup {
			return fo, fmt.Errorf("--column-type: column %q is given twice", col)
		}
		fo.ColumnTypes[col] = typ
	}
	return fo, nil
}

// sourceHint adds the flag to use to the engine's reading errors.
func sourceHint(err error) error {
	var rag *engine.RaggedCSVError
	var enc *engine.NotUTF8Error
	switch {
	case errors.As(err, &enc):
		return fmt.Errorf("%w (--csv-encoding windows-1252|utf-16|...)", err)
	case errors.Is(err, engine.ErrFormatUnknown):
		return fmt.Errorf("%w (--format-in parquet|csv|json)", err)
	case errors.As(err, &rag) && rag.Skip > 0:
		return fmt.Errorf("%w (--csv-skip %d; or --csv-ragged ignore|null-pad)", err, rag.Skip)
	case errors.As(err, &rag):
		return fmt.Errorf("%w (--csv-ragged ignore|null-pad)", err)
	case strings.Contains(err.Error(), "Hive partition mismatch"):
		// Files at different depths of k=v directories (a stray file
		// beside the partitions, or partitions added over time).
		msg, _, _ := strings.Cut(err.Error(), "\n\nLINE ") // DuckDB's SQL context
		return fmt.Errorf("%s (the files are not all under the same k=v directories; --no-hive reads them without partition columns)", msg)
	}
	return err
}

// dataKind names the data format a file has by its name or first bytes
// ("Parquet", "CSV", "JSON"), or "" when it does not look like data. It is
// how a ruleset given where data belongs (and the reverse) is caught.
func dataKind(path string) string {
	switch engine.DetectFormat(path) {
	case engine.FormatParquet:
		return "Parquet"
	case engine.FormatCSV:
		return "CSV"
	case engine.FormatJSON:
		return "JSON"
	}
	return ""
}

// checkRulesPath refuses a data file given as the ruleset, with the hint
// that the arguments are probably swapped.
func checkRulesPath(rules, data string) error {
	if rules == "-" {
		return nil
	}
	if k := dataKind(rules); k != "" {
		hint := ""
		if looksLikeRuleset(data) {
			hint = fmt.Sprintf(", and %s looks like a ruleset", data)
		}
		return fmt.Errorf("the ruleset %s is %s data%s: RULES and DATA are swapped? The ruleset comes first: dq eval RULES DATA", rules, k, hint)
	}
	return nil
}

// checkDataPath refuses a ruleset given as the data.
func checkDataPath(data string) error {
	if looksLikeRuleset(data) {
		return fmt.Errorf("the data %s is a DQDL ruleset: RULES and DATA are swapped? The ruleset comes first: dq eval RULES DATA", data)
	}
	return nil
}

// looksLikeRuleset: a .dqdl file, or a regular file whose first word is a
// DQDL section name followed by "=".
func looksLikeRuleset(path string) bool {
	if strings.EqualFold(filepath.Ext(path), ".dqdl") {
		st, err := os.Stat(path)
		return err == nil && st.Mode().IsRegular()
	}
	// Stat before opening: a pipe or FIFO (the data on standard input,
	// <(zcat data.csv.gz)) must not be opened or read here.
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, _ := f.Read(buf)
	for _, line := range strings.Split(string(buf[:n]), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, sec := range []string{"Rules", "Analyzers", "Metadata", "DataSources"} {
			if rest, ok := strings.CutPrefix(line, sec); ok && strings.HasPrefix(strings.TrimSpace(rest), "=") {
				return true
			}
		}
		return false
	}
	return false
}

// looksLikeCSVText reports text whose first line is a delimited header
// (two or more fields, no DQDL "=" or brackets) over lines with as many
// delimiters: CSV given where a ruleset belongs.
func looksLikeCSVText(src string) bool {
	lines := strings.SplitN(src, "\n", 3)
	if len(lines) < 2 {
		return false
	}
	head := lines[0]
	if strings.ContainsAny(head, "=[]#") {
		return false
	}
	for _, d := range []string{",", ";", "\t", "|"} {
		if n := strings.Count(head, d); n > 0 && strings.Count(lines[1], d) == n {
			return true
		}
	}
	return false
}

// parseErrorHint explains an "unexpected argument" that is a data file
// following another data file of the same kind: the shell expanded a glob
// that was not quoted, and dq reads one data path.
func parseErrorHint(args []string, err error) error {
	extra, ok := strings.CutPrefix(err.Error(), "unexpected argument ")
	if !ok || dataKind(extra) == "" {
		return err
	}
	var cmd string
	var files []string
	for _, a := range args {
		switch {
		case cmd == "" && !strings.HasPrefix(a, "-"):
			cmd = a
		case !strings.HasPrefix(a, "-") && dataKind(a) == dataKind(extra):
			if st, serr := os.Stat(a); serr == nil && st.Mode().IsRegular() {
				files = append(files, a)
			}
		}
	}
	if len(files) < 2 {
		return err
	}
	usage := "dq " + cmd + " "
	if cmd == "eval" || cmd == "explain" {
		usage += "RULES "
	}
	return fmt.Errorf("%w: got %d data files (%s); the shell expanded an unquoted glob. Quote it so that dq expands it: %s'%s'",
		err, len(files), shortList(files, 3), usage, globHint(files))
}

// globHint proposes a glob matching files: their directory and extension.
func globHint(files []string) string {
	dir := filepath.Dir(files[0])
	ext := filepath.Ext(files[0])
	for _, f := range files[1:] {
		if filepath.Dir(f) != dir {
			dir = "DIR"
		}
		if filepath.Ext(f) != ext {
			ext = ""
		}
	}
	return filepath.Join(dir, "*"+ext)
}

func shortList(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(", … %d more", len(items)-n)
}

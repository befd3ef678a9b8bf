package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

// CSV files exported by spreadsheets and older systems are often not
// UTF-8 (Windows-1252 above all). DuckDB reads UTF-8, UTF-16 and strict
// Latin-1 only — Latin-1 without the 0x80–0x9F block, where Windows-1252
// keeps €, curly quotes and dashes — so dq decodes such files itself into
// UTF-8 copies in the session's private directory and reads those.

// CSVEncoding resolves an encoding name (WHATWG/IANA labels:
// "windows-1252", "latin1", "iso-8859-15", "utf-16", "shift_jis", "gbk",
// ...). "" and "utf-8" mean no decoding (nil). As in browsers, "latin1"
// and "iso-8859-1" name Windows-1252, a superset in the printable range.
func CSVEncoding(name string) (encoding.Encoding, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "", "utf-8", "utf8":
		return nil, nil
	case "utf-16", "utf16":
		// A byte-order mark decides; without one, little-endian (what
		// Windows writes).
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), nil
	}
	e, err := htmlindex.Get(n)
	if err != nil {
		return nil, fmt.Errorf("unknown text encoding %q; use a name such as windows-1252, latin1, iso-8859-15, utf-16, shift_jis or gbk", name)
	}
	if e == unicode.UTF8 {
		return nil, nil
	}
	return e, nil
}

// decodeCSVFiles writes a copy of each file under dir, at the file's
// absolute path below dir (so that Hive partition directories still name
// their columns, whatever base is): decoded from enc into UTF-8 (nil: no
// decoding) and decompressed (gzip, bzip2, zstd), dropping the
// compression suffix (the copy is plain). It returns the copies and base's
// place among them.
func decodeCSVFiles(ctx context.Context, enc encoding.Encoding, files []string, base, dir string) ([]string, string, error) {
	out := make([]string, len(files))
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, "", err
		}
		dst := filepath.Join(dir, abs)
		if fileCompression(f) != "" && compressionOf(f) != "" { // a suffix, not just magic bytes
			dst = strings.TrimSuffix(dst, filepath.Ext(dst))
		}
		if err := decodeFile(enc, f, dst); err != nil {
			return nil, "", err
		}
		out[i] = dst
	}
	absBase, err := filepath.Abs(base)
	if err != nil {
		return nil, "", err
	}
	return out, filepath.Join(dir, absBase), nil
}

func decodeFile(enc encoding.Encoding, src, dst string) (err error) {
	r, ok, err := openDecompressed(src)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s: cannot decompress it", src)
	}
	defer r.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(out, 1<<20)
	var in io.Reader = r
	if enc != nil {
		in = enc.NewDecoder().Reader(r)
	}
	if _, err := io.Copy(w, in); err != nil {
		return fmt.Errorf("decoding %s: %w", src, err)
	}
	return w.Flush()
}

// NotUTF8Error is a CSV file that is not valid UTF-8 while no other
// encoding was given.
type NotUTF8Error struct {
	File   string
	Line   int   // 1-based
	Offset int64 // byte offset of the first invalid sequence
	Byte   byte  // the first byte that is not UTF-8 there
}

func (e *NotUTF8Error) Error() string {
	return fmt.Sprintf("%s:%d: not UTF-8: byte 0x%02X at offset %d; if the file was exported by a spreadsheet or an older system it is probably windows-1252 (latin1) or utf-16",
		e.File, e.Line, e.Byte, e.Offset)
}

// firstInvalidUTF8 finds the first byte sequence of file (decompressed if
// gzip or bzip2) that is not UTF-8, or returns nil.
func firstInvalidUTF8(file string) (*NotUTF8Error, error) {
	r, ok, err := openDecompressed(file)
	if err != nil || !ok {
		return nil, err
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<20)
	line, off := 1, int64(0)
	for {
		b, err := br.Peek(utf8.UTFMax)
		if len(b) == 0 {
			if errors.Is(err, io.EOF) {
				return nil, nil
			}
			return nil, err
		}
		ru, size := utf8.DecodeRune(b)
		if ru == utf8.RuneError && size <= 1 {
			return &NotUTF8Error{File: file, Line: line, Offset: off, Byte: b[0]}, nil
		}
		if ru == '\n' {
			line++
		}
		if _, err := br.Discard(size); err != nil {
			return nil, err
		}
		off += int64(size)
	}
}

// isNotUTF8 reports whether err is DuckDB's complaint about a CSV file
// that is not UTF-8.
func isNotUTF8(err error) bool {
	return err != nil && strings.Contains(err.Error(), "not utf-8 encoded")
}

// decoded returns the files to read: plain UTF-8 copies (and true) of CSV
// files in another encoding and of bzip2-compressed CSV or JSON, which
// DuckDB cannot read, or the files themselves.
func (f fileSource) decoded(ctx context.Context, s *Session, format string, files []string, base string) ([]string, string, bool, error) {
	if format != FormatCSV && format != FormatJSON {
		return files, base, false, nil
	}
	var enc encoding.Encoding
	if format == FormatCSV {
		var err error
		if enc, err = CSVEncoding(f.opts.CSV.Encoding); err != nil {
			return nil, "", false, err
		}
		if f.opts.CSV.Encoding == "" {
			if enc, err = f.utf16ByBOM(files); err != nil {
				return nil, "", false, err
			}
		}
	}
	if enc == nil && !anyBzip2(files) {
		return files, base, false, nil
	}
	if s.private == "" {
		return nil, "", false, errors.New("decoding or decompressing (bzip2) the files needs the session's private directory")
	}
	dir := filepath.Join(s.private, s.internalName("utf8"))
	out, outBase, err := decodeCSVFiles(ctx, enc, files, base, dir)
	return out, outBase, err == nil, err
}

// utf16ByBOM is the UTF-16 decoding for CSV files that all begin with a
// UTF-16 byte order mark (Excel's "Unicode Text" export), which needs no
// flag to be recognised; nil when none does. Read as UTF-8 they looked
// ragged or garbled. Some files with the mark and some without is an
// error naming one of each.
func (f fileSource) utf16ByBOM(files []string) (encoding.Encoding, error) {
	var with, without []string
	for _, file := range files {
		if hasUTF16BOM(file) {
			with = append(with, file)
		} else {
			without = append(without, file)
		}
	}
	switch {
	case len(with) == 0:
		return nil, nil
	case len(without) > 0:
		return nil, fmt.Errorf("%s is UTF-16 (it begins with a UTF-16 byte order mark) but %s is not; read them separately, or convert them to one encoding", with[0], without[0])
	}
	f.notice(fmt.Sprintf("%s: read as UTF-16, which its byte order mark says it is", shortFiles(files)))
	return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), nil
}

// hasUTF16BOM reports a file (decompressed) beginning with FF FE or FE FF.
func hasUTF16BOM(file string) bool {
	r, ok, err := openDecompressed(file)
	if err != nil || !ok {
		return false
	}
	defer r.Close()
	var b [2]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return false
	}
	return b == [2]byte{0xff, 0xfe} || b == [2]byte{0xfe, 0xff}
}

// notUTF8 replaces DuckDB's complaint (which names the wrong line) with
// the first invalid byte sequence of the first file that has one.
func notUTF8(files []string, duck error) error {
	for _, f := range files {
		if e, err := firstInvalidUTF8(f); err == nil && e != nil {
			return e
		}
	}
	return duck
}

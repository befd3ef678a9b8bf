package engine

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// CSV files in other encodings are decoded into UTF-8 copies and read
// exactly; the originals are not touched; an undeclared one is refused
// with the line and byte of the first invalid sequence.
func TestCSVEncodings(t *testing.T) {
	dir := t.TempDir()
	// Windows-1252: € (0x80), “ ” (0x93 0x94), é (0xE9), – (0x96): the
	// 0x80–0x9F block is where strict Latin-1 (DuckDB's) refuses.
	cp1252 := []byte("id,name\r\n1,\x80uro \x93q\x94\r\n2,Ren\xe9e \x96 x\r\n")
	want := "1|€uro “q”|8|2|Renée – x|9" // rows and fields joined by |

	utf16le := []byte{0xFF, 0xFE}
	for _, r := range "id,name\n1,€uro “q”\n2,Renée – x\n" {
		utf16le = append(utf16le, byte(r), byte(r>>8))
	}
	utf16be := []byte{0xFE, 0xFF}
	for _, r := range "id,name\n1,€uro “q”\n2,Renée – x\n" {
		utf16be = append(utf16be, byte(r>>8), byte(r))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(cp1252)
	zw.Close()

	for _, tc := range []struct {
		name, enc string
		files     map[string][]byte
		query     string
		want      string
	}{
		{"windows-1252", "windows-1252", map[string][]byte{"a.csv": cp1252}, "", want},
		{"latin1 names windows-1252", "Latin1", map[string][]byte{"a.csv": cp1252}, "", want},
		{"utf-16 little-endian BOM", "utf-16", map[string][]byte{"a.csv": utf16le}, "", want},
		{"utf-16 big-endian BOM", "UTF-16", map[string][]byte{"a.csv": utf16be}, "", want},
		{"shift_jis", "shift_jis", map[string][]byte{"a.csv": []byte("id,name\n1,\x93\xfa\x96\x7b\n")}, "", "1|日本|2"},
		// gzip and Hive partitions: the copies keep the directory layout.
		{"gzip in Hive partitions", "windows-1252", map[string][]byte{"year=2024/a.csv.gz": gz.Bytes(), "year=2025/b.csv": cp1252},
			`SELECT year, count(*), string_agg(name, '/' ORDER BY name) FROM "primary" GROUP BY year ORDER BY year`,
			"2024|2|Renée – x/€uro “q”|2025|2|Renée – x/€uro “q”"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
			for name, b := range tc.files {
				writeText(t, root, name, string(b))
			}
			path := root
			if len(tc.files) == 1 {
				for name := range tc.files {
					path = filepath.Join(root, name)
				}
			}
			ds, s := registered(t, path, FileOptions{CSV: CSVOptions{Encoding: tc.enc}})
			if colType(ds, "name") != "VARCHAR" {
				t.Errorf("columns %v", ds.Columns)
			}
			q := tc.query
			if q == "" {
				q = `SELECT id, name, length(name) FROM "primary" ORDER BY id`
			}
			if got := query(t, s, q); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if ds.local.read != "" {
				t.Errorf("decoded copies must not be keyed by the state cache: read = %q", ds.local.read)
			}
			for name, b := range tc.files {
				got, err := os.ReadFile(filepath.Join(root, name))
				if err != nil || !bytes.Equal(got, b) {
					t.Errorf("%s changed (%v)", name, err)
				}
			}
			private := s.private
			s.Close()
			if _, err := os.Stat(private); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the decoded copies outlive the session: %v", err)
			}
		})
	}

	// Undeclared: the first invalid byte, located, past DuckDB's sample.
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := 0; i < 5000; i++ {
		b.WriteString("1,plain ascii\n")
	}
	b.WriteString("2,caf\xe9\n")
	late := writeText(t, dir, "late.csv", b.String())
	s := openTestSession(t, SessionOptions{Threads: 1})
	_, err := s.Register(context.Background(), "primary", Files(late, FileOptions{}))
	var nu *NotUTF8Error
	if !errors.As(err, &nu) {
		t.Fatalf("err = %v, want a NotUTF8Error", err)
	}
	if nu.Line != 5002 || nu.Byte != 0xE9 || nu.Offset != int64(len("id,name\n")+5000*len("1,plain ascii\n")+len("2,caf")) {
		t.Errorf("%+v", nu)
	}
	if !strings.Contains(err.Error(), "late.csv:5002: not UTF-8: byte 0xE9") || !strings.Contains(err.Error(), "windows-1252") {
		t.Errorf("message: %v", err)
	}
	// The UTF-8 replacement character itself is valid UTF-8.
	if e, err := firstInvalidUTF8(writeText(t, dir, "fffd.csv", "a\n\uFFFD\n")); e != nil || err != nil {
		t.Errorf("U+FFFD: %v %v", e, err)
	}

	for _, name := range []string{"", "utf-8", "UTF8"} {
		if e, err := CSVEncoding(name); e != nil || err != nil {
			t.Errorf("%q: %v %v", name, e, err)
		}
	}
	if _, err := CSVEncoding("klingon"); err == nil || !strings.Contains(err.Error(), "windows-1252") {
		t.Errorf("unknown: %v", err)
	}
}

// utf16 encodes s as UTF-16 with a byte order mark, little- or big-endian.
func utf16(s string, big bool) string {
	var b []byte
	if big {
		b = append(b, 0xfe, 0xff)
	} else {
		b = append(b, 0xff, 0xfe)
	}
	for _, r := range s {
		if r > 0xffff {
			panic("BMP only")
		}
		if big {
			b = append(b, byte(r>>8), byte(r))
		} else {
			b = append(b, byte(r), byte(r>>8))
		}
	}
	return string(b)
}

// A CSV with a UTF-16 byte order mark (Excel's "Unicode Text" export,
// tab-separated) is decoded without --csv-encoding; it was refused as
// "ragged" (its NUL bytes split lines oddly). Files with and without the
// mark together are an error naming one of each.
func TestCSVUTF16ByBOM(t *testing.T) {
	dir := t.TempDir()
	var notes []string
	le := writeText(t, dir, "le/export.txt", utf16("id\tname\tprice\r\n1\tJosé\t1.5\r\n2\t€\t\r\n", false))
	ds, s := registered(t, le, FileOptions{Format: FormatCSV, Note: func(m string) { notes = append(notes, m) }})
	// By hand: ids 1+2, names "José€", one price 1.5.
	if got := query(t, s, "SELECT count(*) || ' ' || sum(id) || ' ' || string_agg(name, '' ORDER BY id) || ' ' || sum(price) FROM "+ds.Relation); got != "2 3 José€ 1.5" {
		t.Errorf("UTF-16LE: %q, want \"2 3 José€ 1.5\"", got)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "read as UTF-16") {
		t.Errorf("notes %q", notes)
	}
	be := writeText(t, dir, "be/export.csv", utf16("id,name\n7,ü\n", true))
	ds, s = registered(t, be, FileOptions{})
	if got := query(t, s, "SELECT count(*) || ' ' || sum(id) || ' ' || string_agg(name, '') FROM "+ds.Relation); got != "1 7 ü" {
		t.Errorf("UTF-16BE: %q, want \"1 7 ü\"", got)
	}
	writeText(t, dir, "be/plain.csv", "id,name\n8,x\n")
	s = openTestSession(t, SessionOptions{Threads: 1})
	if _, err := s.Register(context.Background(), "primary", Files(filepath.Join(dir, "be"), FileOptions{})); err == nil ||
		!strings.Contains(err.Error(), "export.csv is UTF-16 (it begins with a UTF-16 byte order mark) but "+filepath.Join(dir, "be", "plain.csv")+" is not") {
		t.Errorf("mixed: %v", err)
	}
}

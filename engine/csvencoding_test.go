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

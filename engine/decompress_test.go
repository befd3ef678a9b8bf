package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bzip2 of "id,amount,name\n1,10.5,é\n2,,b\n3,7,c\n" and of
// `[{"v":1},{"v":2.5},{"v":null}]` (Python's bz2.compress; the standard
// library has no bzip2 writer).
const (
	csvBz2  = "\x42\x5a\x68\x39\x31\x41\x59\x26\x53\x59\x66\x31\x87\x70\x00\x00\x0d\x59\x94\x00\x10\x00\x05\x7a\x80\x3e\x23\x86\x00\x00\x20\x08\x00\x20\x00\x22\x26\x86\x86\x86\x43\x4d\x05\x1a\x32\x06\x8d\x32\x34\x47\xca\x19\xdd\x4d\x3a\xab\x54\xa0\x82\xc5\x86\x1c\x62\x60\x9b\xce\x8f\xe2\xf8\xbb\x92\x29\xc2\x84\x83\x31\x8c\x3b\x80"
	jsonBz2 = "\x42\x5a\x68\x39\x31\x41\x59\x26\x53\x59\x44\x97\xdf\x5d\x00\x00\x07\x9b\x80\x10\x05\x32\x10\x00\x0a\x00\x05\x03\x0a\x20\x00\x31\x4c\x00\x01\x1a\x81\xb5\x06\xca\x50\x41\xc1\xe4\x19\x1e\xd3\x52\xe4\x3a\x84\xcf\xc5\xdc\x91\x4e\x14\x24\x11\x25\xf7\xd7\x40"
)

// bzip2-compressed CSV and JSON, which Hadoop and Glue jobs write and
// DuckDB cannot read, are read through plain copies: by name, by magic
// bytes in an extension-less Spark part file, and in Hive partitions.
// They were refused as "cannot tell the format".
func TestBzip2Files(t *testing.T) {
	dir := t.TempDir()
	p := writeText(t, dir, "export.csv.bz2", csvBz2)
	ds, s := registered(t, p, FileOptions{})
	// By hand: ids 1+2+3, amounts 10.5+7 with one blank, names é, b, c.
	if got := query(t, s, "SELECT count(*) || ' ' || sum(id) || ' ' || count(amount) || ' ' || sum(amount) || ' ' || string_agg(name, '' ORDER BY id) FROM "+ds.Relation); got != "3 6 2 17.5 ébc" {
		t.Errorf("csv.bz2: %q, want \"3 6 2 17.5 ébc\"", got)
	}
	if got := colType(ds, "amount"); got != "DOUBLE" {
		t.Errorf("amount is %s, want DOUBLE", got)
	}

	p = writeText(t, dir, "events.json.bz2", jsonBz2)
	ds, s = registered(t, p, FileOptions{})
	if got := query(t, s, "SELECT count(*) || ' ' || count(v) || ' ' || sum(v) FROM "+ds.Relation); got != "3 2 3.5" {
		t.Errorf("json.bz2: %q, want \"3 2 3.5\"", got)
	}

	lake := filepath.Join(dir, "lake")
	writeText(t, lake, "year=2024/part-00000", csvBz2) // bzip2 by its magic
	writeText(t, lake, "year=2025/part-00001.csv.bz2", csvBz2)
	writeText(t, lake, "_SUCCESS", "")
	ds, s = registered(t, lake, FileOptions{Format: FormatCSV})
	if got := query(t, s, "SELECT count(*) || ' ' || sum(amount) || ' ' || string_agg(DISTINCT year::VARCHAR, ',' ORDER BY year::VARCHAR) FROM "+ds.Relation); got != "6 35.0 2024,2025" {
		t.Errorf("hive lake: %q, want \"6 35 2024,2025\"", got)
	}
	if k := DetectFormat(filepath.Join(lake, "year=2024", "part-00000")); k != "" {
		t.Errorf("DetectFormat(bzip2 CSV without extension) = %q, want \"\" (text needs --format-in)", k)
	}
	if k := DetectFormat(filepath.Join(dir, "events.json.bz2")); k != FormatJSON {
		t.Errorf("DetectFormat(events.json.bz2) = %q, want json", k)
	}
}

// zstd files are looked into like gzip and bzip2: an extension-less Spark
// part file is recognised by content (it was "of another kind" even with
// --format-in csv), and Windows-1252 text in one is decoded (it was
// refused). Compressions nothing reads are refused by name, not with
// "cannot tell the format; give it explicitly", which could not help.
func TestZstdAndUnsupportedCompression(t *testing.T) {
	dir := t.TempDir()
	s := openTestSession(t, SessionOptions{Threads: 1})
	for _, d := range []string{"json", "csv"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		"COPY (SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, NULL)) v(id, name)) TO " + QuoteString(filepath.Join(dir, "json", "part-00000")) + " (FORMAT json, COMPRESSION zstd)",
		"COPY (SELECT * FROM (VALUES (4, 'd')) v(id, name)) TO " + QuoteString(filepath.Join(dir, "csv", "part-00000")) + " (FORMAT csv, HEADER, COMPRESSION zstd)",
	} {
		if _, err := s.Conn().ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	ds, s2 := registered(t, filepath.Join(dir, "json"), FileOptions{})
	if got := query(t, s2, "SELECT count(*) || ' ' || sum(id) || ' ' || count(name) FROM "+ds.Relation); got != "3 6 2" {
		t.Errorf("zstd JSON part file: %q, want \"3 6 2\"", got)
	}
	ds, s2 = registered(t, filepath.Join(dir, "csv"), FileOptions{Format: FormatCSV})
	if got := query(t, s2, "SELECT count(*) || ' ' || sum(id) || ' ' || string_agg(name, '') FROM "+ds.Relation); got != "1 4 d" {
		t.Errorf("zstd CSV part file: %q, want \"1 4 d\"", got)
	}

	for _, name := range []string{"export.csv.xz", "export.csv.zip", "events.json.lz4"} {
		p := writeText(t, dir, name, "\xfd7zXZ\x00junk")
		s3 := openTestSession(t, SessionOptions{Threads: 1})
		_, err := s3.Register(context.Background(), "primary", Files(p, FileOptions{Format: FormatCSV}))
		if err == nil || !strings.Contains(err.Error(), "-compressed files are not read; decompress them first") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

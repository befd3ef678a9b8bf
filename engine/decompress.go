package engine

import (
	"bufio"
	"compress/bzip2"
	"compress/gzip"
	"fmt"
	"io"
	"os"
)

// DuckDB reads gzip and zstd files itself, but not bzip2, which Hadoop
// and AWS Glue jobs commonly write (part-00000.csv.bz2) and Glue reads.
// dq decompresses bzip2 files into plain copies in the session's private
// directory, as it decodes other text encodings (csvencoding.go), and
// DuckDB reads those.

// openDecompressed opens path for reading its content: gzip and bzip2
// are decompressed; plain files are read as they are. zstd is not (no
// decoder in the standard library): ok is false for it, and r is nil.
func openDecompressed(path string) (r io.ReadCloser, ok bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	switch fileCompression(path) {
	case "":
		return readCloser{Reader: br, close: f.Close}, true, nil
	case "gzip":
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		return readCloser{Reader: zr, close: func() error { zr.Close(); return f.Close() }}, true, nil
	case "bzip2":
		return readCloser{Reader: bzip2.NewReader(br), close: f.Close}, true, nil
	}
	f.Close()
	return nil, false, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

// anyBzip2 reports whether some file is bzip2-compressed, which DuckDB
// cannot read.
func anyBzip2(files []string) bool {
	for _, f := range files {
		if fileCompression(f) == "bzip2" {
			return true
		}
	}
	return false
}

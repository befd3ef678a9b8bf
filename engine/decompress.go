package engine

import (
	"bufio"
	"compress/bzip2"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// DuckDB reads gzip and zstd files itself, but not bzip2, which Hadoop
// and AWS Glue jobs commonly write (part-00000.csv.bz2) and Glue reads.
// dq decompresses bzip2 files into plain copies in the session's private
// directory, as it decodes other text encodings (csvencoding.go), and
// DuckDB reads those.

// openDecompressed opens path for reading its content: gzip, bzip2 and
// zstd are decompressed; plain files are read as they are. ok is false
// (and r nil) for a compression dq cannot read.
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
	case "zstd":
		// dq only peeks into zstd files (DuckDB reads them): one
		// goroutine and little memory.
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			f.Close()
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		return readCloser{Reader: zr, close: func() error { zr.Close(); return f.Close() }}, true, nil
	}
	f.Close()
	return nil, false, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

// unsupportedCompression names a compression suffix dq recognises but
// cannot read (neither DuckDB nor dq decompresses it), or "".
func unsupportedCompression(name string) string {
	lower := strings.ToLower(name)
	for _, c := range []struct{ suffix, name, tool string }{
		{".xz", "xz", "xz -d"}, {".lz4", "lz4", "lz4 -d"}, {".snappy", "snappy", ""},
		{".lzo", "lzo", "lzop -d"}, {".zip", "zip", "unzip"}, {".7z", "7z", "7z x"},
		{".br", "brotli", "brotli -d"}, {".lz", "lzip", "lzip -d"}, {".z", "compress (.Z)", "uncompress"},
	} {
		if strings.HasSuffix(lower, c.suffix) {
			if c.tool != "" {
				return fmt.Sprintf("%s-compressed files are not read; decompress them first (%s)", c.name, c.tool)
			}
			return fmt.Sprintf("%s-compressed files are not read; decompress them first", c.name)
		}
	}
	return ""
}

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

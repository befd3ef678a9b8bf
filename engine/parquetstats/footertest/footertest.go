// Package footertest rewrites Parquet footers for tests: statistics a
// writer did not write, wrong bounds, other writer versions — the inputs
// answers from metadata must distrust or survive.
package footertest

import (
	"context"
	"encoding/binary"
	"os"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// Rewrite replaces the footer of the Parquet file at path with the one
// edit makes of it; the data pages are kept byte for byte.
func Rewrite(t testing.TB, path string, edit func(md *metadata.FileMetaData)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	start := len(data) - 8 - n
	md, err := metadata.NewFileMetaData(data[start:len(data)-8], nil)
	if err != nil {
		t.Fatal(err)
	}
	edit(md)
	foot, err := md.Serialize(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := append(append([]byte(nil), data[:start]...), foot...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(foot)))
	out = append(out, "PAR1"...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

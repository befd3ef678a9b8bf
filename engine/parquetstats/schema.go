package parquetstats

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"

	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/thrift/lib/go/thrift"
)

// SchemaFingerprint digests everything in a footer that a reader may
// derive a file's column types from: the schema elements exactly as the
// footer holds them (names, repetitions, field ids, physical, converted
// and logical types, lengths, precision and scale), the writer's name,
// and the key/value metadata (where writers keep an Arrow or Spark schema
// and GeoParquet its column descriptions). Two files with the same
// fingerprint are typed alike by any reader that looks at nothing else,
// such as DuckDB's read_parquet, whatever their row groups and statistics:
// a caller that learnt how a reader types one of them knows how it types
// the other without asking. Metadata that differs from file to file (a
// row count a writer records, say) only makes fingerprints differ: a
// miss, never a wrong answer. "" when the footer cannot be digested.
func SchemaFingerprint(md *metadata.FileMetaData) string {
	if md == nil || md.FileMetaData == nil {
		return ""
	}
	h := sha256.New()
	// Each element is written in Thrift's binary protocol, which writes
	// the fields that are set in field-id order: the same element always
	// gives the same bytes. Each is length-prefixed so that no two lists
	// of elements run together alike.
	ser := thrift.NewTSerializer()
	var n []byte
	add := func(b []byte) {
		n = binary.AppendUvarint(n[:0], uint64(len(b)))
		h.Write(n)
		h.Write(b)
	}
	ctx := context.Background()
	list := func(items []thrift.TStruct) bool {
		add(binary.AppendUvarint(nil, uint64(len(items))))
		for _, it := range items {
			b, err := ser.Write(ctx, it)
			if err != nil {
				return false
			}
			add(b)
		}
		return true
	}
	var els, kv []thrift.TStruct
	for _, el := range md.FileMetaData.GetSchema() {
		els = append(els, el)
	}
	for _, e := range md.FileMetaData.GetKeyValueMetadata() {
		kv = append(kv, e)
	}
	if !list(els) {
		return ""
	}
	add([]byte(md.FileMetaData.GetCreatedBy()))
	if !list(kv) {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

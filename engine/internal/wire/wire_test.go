package wire

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// TestReader reads back what encoding/binary writes, and every truncation
// of it fails without panicking or allocating beyond the input.
func TestReader(t *testing.T) {
	b := binary.AppendUvarint(nil, 300)
	b = binary.AppendVarint(b, -7)
	b = binary.AppendUvarint(b, 3)
	b = append(b, "héy"[:3]...)
	b = append(b, 0xfe)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(math.Copysign(0, -1)))
	r := NewReader(b)
	u, v, s, c, f := r.Uvarint(), r.Varint(), r.Bytes(), r.Byte(), r.Float64()
	if r.Err() != nil || r.Len() != 0 {
		t.Fatalf("err %v, %d bytes left", r.Err(), r.Len())
	}
	if u != 300 || v != -7 || string(s) != "hé"[:3] || c != 0xfe || f != 0 || !math.Signbit(f) {
		t.Errorf("read %d %d %q %#x %v", u, v, s, c, f)
	}
	if cap(s) != len(s) {
		t.Errorf("a byte string with room to append: cap %d", cap(s))
	}
	for n := range len(b) {
		r := NewReader(b[:n])
		r.Uvarint()
		r.Varint()
		r.Bytes()
		r.Byte()
		r.Float64()
		if !errors.Is(r.Err(), ErrShort) {
			t.Errorf("truncated to %d bytes: err %v", n, r.Err())
		}
	}
	// A length beyond what is left is damage, and stops the reader.
	big := NewReader(binary.AppendUvarint(nil, 1<<40))
	if big.Count() != 0 || big.Err() == nil || big.Len() != 0 {
		t.Error("a count beyond the input was accepted")
	}
	// The first error stays.
	mine := errors.New("mine")
	r = NewReader(nil)
	r.Fail(mine)
	r.Byte()
	if r.Err() != mine {
		t.Errorf("err %v, want the first", r.Err())
	}
}

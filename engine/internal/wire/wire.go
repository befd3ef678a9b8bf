// Package wire reads the compact binary encodings dq keeps in its caches
// (state entries, footer summaries, column lists): unsigned and zig-zag
// varints, length-prefixed byte strings and little-endian float64s, as
// encoding/binary's Append functions write them.
//
// A Reader keeps the first error and yields zero values after it, so a
// decoder reads a whole record and checks Err once. Lengths never exceed
// the bytes left: a damaged length is an error, never a large allocation.
package wire

import (
	"encoding/binary"
	"errors"
	"math"
)

// ErrShort is a Reader's error for input that ends early or announces more
// than it holds.
var ErrShort = errors.New("truncated or damaged encoding")

// Reader reads fields from the front of a byte slice.
type Reader struct {
	b   []byte
	err error
}

// NewReader reads b. Byte strings it returns alias b.
func NewReader(b []byte) Reader { return Reader{b: b} }

// Err is the first error met, nil when none.
func (r *Reader) Err() error { return r.err }

// Fail records err (unless an error was recorded already) and stops
// reading: a decoder's own checks of what it read end the record too.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

// Len is the number of bytes not read yet.
func (r *Reader) Len() int { return len(r.b) }

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.Fail(ErrShort)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// Varint reads a zig-zag varint.
func (r *Reader) Varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.Fail(ErrShort)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// Count reads a length or a number of elements, each of which takes at
// least one of the bytes left, so it cannot exceed them.
func (r *Reader) Count() int {
	v := r.Uvarint()
	if v > uint64(len(r.b)) {
		r.Fail(ErrShort)
		return 0
	}
	return int(v)
}

// Bytes reads a length-prefixed byte string (aliasing the input, with no
// room to append into it).
func (r *Reader) Bytes() []byte {
	n := r.Count()
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if len(r.b) == 0 {
		r.Fail(ErrShort)
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// Float64 reads a little-endian IEEE 754 double, bit for bit.
func (r *Reader) Float64() float64 {
	if len(r.b) < 8 {
		r.Fail(ErrShort)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

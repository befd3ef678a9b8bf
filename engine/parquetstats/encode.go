package parquetstats

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// SummaryVersion is the version of File's meaning and encoding. Bump it
// whenever the trust rules (chunkStats, decode) or the encoding change:
// summaries of another version do not decode, so a cache of them misses
// and the footers are parsed again.
const SummaryVersion = 1

// MarshalBinary encodes the summary (UnmarshalFile decodes it). Floats are
// kept bit for bit, so a -0.0 bound stays -0.0.
func (f *File) MarshalBinary() ([]byte, error) {
	b := binary.AppendUvarint(nil, SummaryVersion)
	b = binary.AppendUvarint(b, uint64(len(f.RowGroups)))
	for _, n := range f.RowGroups {
		b = binary.AppendVarint(b, n)
	}
	b = binary.AppendUvarint(b, uint64(len(f.Columns)))
	for _, c := range f.Columns {
		b = appendString(b, c.Name)
		b = appendString(b, c.Type)
		b = appendBool(b, c.Float)
		b = binary.AppendUvarint(b, uint64(len(c.Stats)))
		for _, st := range c.Stats {
			b = binary.AppendVarint(b, st.Rows)
			b = binary.AppendVarint(b, st.Nulls)
			b = appendBool(b, st.HasNulls)
			b = appendValue(b, st.Min)
			b = appendValue(b, st.Max)
		}
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// appendValue writes a nil bound as the kind 0.
func appendValue(b []byte, v *Value) []byte {
	if v == nil {
		return append(b, 0)
	}
	b = append(b, byte(v.Kind))
	b = binary.AppendVarint(b, v.Int)
	b = binary.AppendUvarint(b, v.Uint)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Float))
	b = binary.AppendUvarint(b, uint64(len(v.Bytes)))
	b = append(b, v.Bytes...)
	b = binary.AppendVarint(b, int64(v.Scale))
	b = append(b, byte(v.Unit))
	return appendBool(b, v.UTC)
}

var errTruncated = errors.New("truncated")

// UnmarshalFile decodes a summary that MarshalBinary encoded. A summary of
// another SummaryVersion, a truncated or malformed one, or one whose
// statistics do not fit its row groups is an error.
func UnmarshalFile(b []byte) (*File, error) {
	d := decoder{b: b}
	f, err := d.file()
	if err == nil && len(d.b) != 0 {
		err = fmt.Errorf("%d bytes after the end", len(d.b))
	}
	if err == nil {
		err = f.check()
	}
	if err != nil {
		return nil, fmt.Errorf("decoding a Parquet footer summary: %w", err)
	}
	return f, nil
}

type decoder struct {
	b []byte
	// vals is where decoded bounds are allocated, a chunk at a time
	// (a footer has hundreds).
	vals []Value
}

func (d *decoder) file() (*File, error) {
	v, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if v != SummaryVersion {
		return nil, fmt.Errorf("summary version %d, want %d", v, SummaryVersion)
	}
	f := &File{}
	n, err := d.count()
	if err != nil {
		return nil, err
	}
	for range n {
		rows, err := d.varint()
		if err != nil {
			return nil, err
		}
		if rows < 0 {
			return nil, fmt.Errorf("a row group of %d rows", rows)
		}
		f.RowGroups = append(f.RowGroups, rows)
	}
	if n, err = d.count(); err != nil {
		return nil, err
	}
	for range n {
		var c FileColumn
		if c.Name, err = d.string(); err != nil {
			return nil, err
		}
		if c.Type, err = d.string(); err != nil {
			return nil, err
		}
		if c.Float, err = d.bool(); err != nil {
			return nil, err
		}
		groups, err := d.count()
		if err != nil {
			return nil, err
		}
		for range groups {
			var st Stats
			if st.Rows, err = d.varint(); err != nil {
				return nil, err
			}
			if st.Nulls, err = d.varint(); err != nil {
				return nil, err
			}
			if st.HasNulls, err = d.bool(); err != nil {
				return nil, err
			}
			if st.HasNulls && (st.Nulls < 0 || st.Nulls > st.Rows) {
				return nil, fmt.Errorf("%d nulls in %d rows", st.Nulls, st.Rows)
			}
			if st.Min, err = d.value(); err != nil {
				return nil, err
			}
			if st.Max, err = d.value(); err != nil {
				return nil, err
			}
			if (st.Min == nil) != (st.Max == nil) {
				return nil, errors.New("a minimum without a maximum")
			}
			c.Stats = append(c.Stats, st)
		}
		f.Columns = append(f.Columns, c)
	}
	return f, nil
}

func (d *decoder) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		return 0, errTruncated
	}
	d.b = d.b[n:]
	return v, nil
}

func (d *decoder) varint() (int64, error) {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		return 0, errTruncated
	}
	d.b = d.b[n:]
	return v, nil
}

// count is a length, which cannot exceed the bytes left (every element
// takes at least one).
func (d *decoder) count() (int, error) {
	v, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if v > uint64(len(d.b)) {
		return 0, errTruncated
	}
	return int(v), nil
}

func (d *decoder) bytes() ([]byte, error) {
	n, err := d.count()
	if err != nil {
		return nil, err
	}
	out := d.b[:n:n]
	d.b = d.b[n:]
	return out, nil
}

func (d *decoder) string() (string, error) {
	b, err := d.bytes()
	return string(b), err
}

func (d *decoder) byte() (byte, error) {
	if len(d.b) == 0 {
		return 0, errTruncated
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c, nil
}

func (d *decoder) bool() (bool, error) {
	c, err := d.byte()
	if err != nil {
		return false, err
	}
	if c > 1 {
		return false, fmt.Errorf("a boolean of %d", c)
	}
	return c == 1, nil
}

func (d *decoder) value() (*Value, error) {
	k, err := d.byte()
	if err != nil || k == 0 {
		return nil, err
	}
	if Kind(k) < Int || Kind(k) > Bool {
		return nil, fmt.Errorf("a value of kind %d", k)
	}
	if len(d.vals) == 0 {
		d.vals = make([]Value, 128)
	}
	v := &d.vals[0]
	d.vals = d.vals[1:]
	v.Kind = Kind(k)
	if v.Int, err = d.varint(); err != nil {
		return nil, err
	}
	if v.Uint, err = d.uvarint(); err != nil {
		return nil, err
	}
	if len(d.b) < 8 {
		return nil, errTruncated
	}
	v.Float = math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	bs, err := d.bytes()
	if err != nil {
		return nil, err
	}
	if len(bs) > 0 {
		v.Bytes = append([]byte(nil), bs...)
	}
	scale, err := d.varint()
	if err != nil {
		return nil, err
	}
	if scale < math.MinInt32 || scale > math.MaxInt32 {
		return nil, fmt.Errorf("a scale of %d", scale)
	}
	v.Scale = int32(scale)
	u, err := d.byte()
	if err != nil {
		return nil, err
	}
	if Unit(u) > Nanos {
		return nil, fmt.Errorf("a unit of %d", u)
	}
	v.Unit = Unit(u)
	if v.UTC, err = d.bool(); err != nil {
		return nil, err
	}
	return v, nil
}

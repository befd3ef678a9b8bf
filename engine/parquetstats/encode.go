package parquetstats

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/dqlabs/dq/engine/internal/wire"
)

// SummaryVersion is the version of File's meaning and encoding. Bump it
// whenever the trust rules (chunkStats, decode) or the encoding change:
// summaries of another version do not decode, so a cache of them misses
// and the footers are parsed again.
//
// Version 2 writes each bound with the fields of its kind only, and each
// column's statistics after their length and their numbers of bounds and
// string bytes: a summary decodes into a few allocations per column, and
// a reader that needs some columns only skips the others' statistics
// (UnmarshalFileColumns). A run that plans from 31 cached summaries
// decodes thousands of bounds.
const SummaryVersion = 2

// The flags of one row group's statistics.
const (
	flagHasNulls = 1 << iota
	flagNulls    // Nulls ≠ 0 follows
	flagMin
	flagMax
	flagAll = flagHasNulls | flagNulls | flagMin | flagMax
)

// MarshalBinary encodes the summary (UnmarshalFile decodes it). Floats are
// kept bit for bit, so a -0.0 bound stays -0.0.
//
// The layout: the version; the numbers of row groups and columns; the row
// groups' row counts; then per column its name, type and float flag, the
// number of its bounds and of their string bytes, the length of its
// statistics and the statistics: per row group a flags byte, the null
// count when not 0 and the bounds. A Stats' Rows is its row group's, so it
// is not written: a summary whose statistics do not fit its row groups,
// or with a bound holding fields of another kind, is an error.
func (f *File) MarshalBinary() ([]byte, error) {
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("encoding a Parquet footer summary: %w", err)
	}
	b := make([]byte, 0, 64+len(f.RowGroups)*4+len(f.Columns)*(64+len(f.RowGroups)*20))
	b = binary.AppendUvarint(b, SummaryVersion)
	b = binary.AppendUvarint(b, uint64(len(f.RowGroups)))
	b = binary.AppendUvarint(b, uint64(len(f.Columns)))
	for _, n := range f.RowGroups {
		b = binary.AppendVarint(b, n)
	}
	var sec []byte
	for _, c := range f.Columns {
		var nvals, nbytes int
		sec = sec[:0]
		for _, st := range c.Stats {
			var flags byte
			if st.HasNulls {
				flags |= flagHasNulls
			}
			if st.Nulls != 0 {
				flags |= flagNulls
			}
			if st.Min != nil {
				flags |= flagMin
			}
			if st.Max != nil {
				flags |= flagMax
			}
			sec = append(sec, flags)
			if st.Nulls != 0 {
				sec = binary.AppendVarint(sec, st.Nulls)
			}
			for _, v := range [2]*Value{st.Min, st.Max} {
				if v == nil {
					continue
				}
				if !v.canonical() {
					return nil, fmt.Errorf("encoding a Parquet footer summary: column %q: a bound %+v with fields outside its kind", c.Name, *v)
				}
				nvals++
				nbytes += len(v.Bytes)
				sec = appendValue(sec, v)
			}
		}
		b = appendString(b, c.Name)
		b = appendString(b, c.Type)
		b = appendBool(b, c.Float)
		b = binary.AppendUvarint(b, uint64(nvals))
		b = binary.AppendUvarint(b, uint64(nbytes))
		b = binary.AppendUvarint(b, uint64(len(sec)))
		b = append(b, sec...)
	}
	return b, nil
}

// canonical says the value sets only the fields of its kind, which are
// all that appendValue writes.
func (v *Value) canonical() bool {
	w := Value{Kind: v.Kind}
	switch v.Kind {
	case Int, Date:
		w.Int = v.Int
	case Bool:
		if v.Int != 0 && v.Int != 1 {
			return false
		}
		w.Int = v.Int
	case Uint:
		w.Uint = v.Uint
	case Float:
		w.Float = v.Float
	case Decimal:
		w.Int, w.Scale = v.Int, v.Scale
	case Timestamp:
		if v.Unit < Millis || v.Unit > Nanos {
			return false
		}
		w.Int, w.Unit, w.UTC = v.Int, v.Unit, v.UTC
	case String:
		w.Bytes = v.Bytes
	default:
		return false
	}
	return w.Int == v.Int && w.Uint == v.Uint && math.Float64bits(w.Float) == math.Float64bits(v.Float) &&
		len(w.Bytes) == len(v.Bytes) && w.Scale == v.Scale && w.Unit == v.Unit && w.UTC == v.UTC
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

// appendValue writes the kind and the fields of that kind.
func appendValue(b []byte, v *Value) []byte {
	b = append(b, byte(v.Kind))
	switch v.Kind {
	case Int, Date:
		b = binary.AppendVarint(b, v.Int)
	case Bool:
		b = append(b, byte(v.Int))
	case Uint:
		b = binary.AppendUvarint(b, v.Uint)
	case Float:
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Float))
	case Decimal:
		b = binary.AppendVarint(b, v.Int)
		b = binary.AppendVarint(b, int64(v.Scale))
	case Timestamp:
		b = binary.AppendVarint(b, v.Int)
		b = append(b, byte(v.Unit))
		b = appendBool(b, v.UTC)
	case String:
		b = binary.AppendUvarint(b, uint64(len(v.Bytes)))
		b = append(b, v.Bytes...)
	}
	return b
}

var errTruncated = errors.New("truncated")

// UnmarshalFile decodes a summary that MarshalBinary encoded. A summary of
// another SummaryVersion, a truncated or malformed one, or one whose
// statistics do not fit its row groups is an error. The File does not
// share memory with b.
func UnmarshalFile(b []byte) (*File, error) {
	return UnmarshalFileColumns(b, nil)
}

// UnmarshalFileColumns is UnmarshalFile keeping only the columns whose
// names (as the file spells them) keep accepts; nil keeps all. The others'
// statistics are skipped unread. Such a File says nothing of the columns
// left out: combine it only with CombineColumns and the same keep.
func UnmarshalFileColumns(b []byte, keep func(name string) bool) (*File, error) {
	d := decoder{r: wire.NewReader(b)}
	f, err := d.file(keep)
	if err == nil && d.r.Len() != 0 {
		err = fmt.Errorf("%d bytes after the end", d.r.Len())
	}
	if err == nil {
		err = f.check()
	}
	if err != nil {
		return nil, fmt.Errorf("decoding a Parquet footer summary: %w", err)
	}
	return f, nil
}

// decoder reads an encoded File. A column's statistics, bounds and string
// bytes are each allocated at once, at the sizes its header announces.
type decoder struct {
	r     wire.Reader
	vals  []Value // the bounds not yet used
	bytes []byte  // the string bytes not yet used
}

func (d *decoder) file(keep func(string) bool) (*File, error) {
	v, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if v != SummaryVersion {
		return nil, fmt.Errorf("summary version %d, want %d", v, SummaryVersion)
	}
	// Every row group, column, bound and string byte takes at least one
	// byte of what is left: larger counts are damage, not allocations.
	groups, err := d.count()
	if err != nil {
		return nil, err
	}
	cols, err := d.count()
	if err != nil {
		return nil, err
	}
	if cols > 0 && groups > d.r.Len()/cols {
		return nil, errTruncated
	}
	f := &File{}
	if groups > 0 {
		f.RowGroups = make([]int64, groups)
	}
	for i := range f.RowGroups {
		rows, err := d.varint()
		if err != nil {
			return nil, err
		}
		if rows < 0 {
			return nil, fmt.Errorf("a row group of %d rows", rows)
		}
		f.RowGroups[i] = rows
	}
	if cols > 0 && keep == nil {
		f.Columns = make([]FileColumn, 0, cols)
	}
	for range cols {
		var c FileColumn
		name, err := d.raw()
		if err != nil {
			return nil, err
		}
		if c.Type, err = d.string(); err != nil {
			return nil, err
		}
		if c.Float, err = d.bool(); err != nil {
			return nil, err
		}
		nvals, err := d.count()
		if err != nil {
			return nil, err
		}
		nbytes, err := d.count()
		if err != nil {
			return nil, err
		}
		sec, err := d.raw()
		if err != nil {
			return nil, err
		}
		c.Name = string(name)
		if keep != nil && !keep(c.Name) {
			continue
		}
		if nvals > len(sec) || nbytes > len(sec) || groups > len(sec) {
			return nil, errTruncated
		}
		cd := decoder{r: wire.NewReader(sec)}
		if nvals > 0 {
			cd.vals = make([]Value, nvals)
		}
		if nbytes > 0 {
			cd.bytes = make([]byte, nbytes)
		}
		if groups > 0 {
			c.Stats = make([]Stats, groups)
		}
		for g := range c.Stats {
			if err := cd.stats(&c.Stats[g], f.RowGroups[g]); err != nil {
				return nil, fmt.Errorf("column %q: %w", c.Name, err)
			}
		}
		if cd.r.Len() != 0 || len(cd.vals) != 0 || len(cd.bytes) != 0 {
			return nil, fmt.Errorf("column %q: statistics of another length than announced", c.Name)
		}
		f.Columns = append(f.Columns, c)
	}
	return f, nil
}

// stats decodes one row group's statistics.
func (d *decoder) stats(st *Stats, rows int64) error {
	st.Rows = rows
	flags, err := d.byte()
	if err != nil {
		return err
	}
	if flags&^flagAll != 0 {
		return fmt.Errorf("statistics flags %#x", flags)
	}
	if (flags&flagMin == 0) != (flags&flagMax == 0) {
		return errors.New("a minimum without a maximum")
	}
	st.HasNulls = flags&flagHasNulls != 0
	if flags&flagNulls != 0 {
		if st.Nulls, err = d.varint(); err != nil {
			return err
		}
		if st.Nulls == 0 {
			return errors.New("a null count of 0 flagged as not 0")
		}
	}
	if st.HasNulls && (st.Nulls < 0 || st.Nulls > st.Rows) {
		return fmt.Errorf("%d nulls in %d rows", st.Nulls, st.Rows)
	}
	if flags&flagMin != 0 {
		if st.Min, err = d.value(); err != nil {
			return err
		}
		if st.Max, err = d.value(); err != nil {
			return err
		}
	}
	return nil
}

// The primitives return errTruncated for the reader's error (wire.Reader
// keeps it), so that each field can be checked where it is read.

func (d *decoder) failed() error {
	if d.r.Err() != nil {
		return errTruncated
	}
	return nil
}

func (d *decoder) uvarint() (uint64, error) {
	v := d.r.Uvarint()
	return v, d.failed()
}

func (d *decoder) varint() (int64, error) {
	v := d.r.Varint()
	return v, d.failed()
}

func (d *decoder) count() (int, error) {
	v := d.r.Count()
	return v, d.failed()
}

// raw returns the next length-prefixed field, aliasing the input.
func (d *decoder) raw() ([]byte, error) {
	b := d.r.Bytes()
	return b, d.failed()
}

func (d *decoder) string() (string, error) {
	b, err := d.raw()
	return string(b), err
}

func (d *decoder) byte() (byte, error) {
	c := d.r.Byte()
	return c, d.failed()
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
	if err != nil {
		return nil, err
	}
	if len(d.vals) == 0 {
		return nil, errors.New("more bounds than announced")
	}
	v := &d.vals[0]
	d.vals = d.vals[1:]
	v.Kind = Kind(k)
	switch v.Kind {
	case Int, Date:
		v.Int, err = d.varint()
	case Bool:
		var c byte
		if c, err = d.byte(); err == nil && c > 1 {
			err = fmt.Errorf("a boolean bound of %d", c)
		}
		v.Int = int64(c)
	case Uint:
		v.Uint, err = d.uvarint()
	case Float:
		v.Float = d.r.Float64()
		err = d.failed()
	case Decimal:
		if v.Int, err = d.varint(); err != nil {
			return nil, err
		}
		var scale int64
		if scale, err = d.varint(); err == nil && (scale < math.MinInt32 || scale > math.MaxInt32) {
			err = fmt.Errorf("a scale of %d", scale)
		}
		v.Scale = int32(scale)
	case Timestamp:
		if v.Int, err = d.varint(); err != nil {
			return nil, err
		}
		var u byte
		if u, err = d.byte(); err != nil {
			return nil, err
		}
		if Unit(u) < Millis || Unit(u) > Nanos {
			return nil, fmt.Errorf("a unit of %d", u)
		}
		v.Unit = Unit(u)
		v.UTC, err = d.bool()
	case String:
		var bs []byte
		if bs, err = d.raw(); err != nil {
			return nil, err
		}
		if len(bs) > len(d.bytes) {
			return nil, errors.New("more string bytes than announced")
		}
		if len(bs) > 0 {
			v.Bytes = d.bytes[:len(bs):len(bs)]
			copy(v.Bytes, bs)
			d.bytes = d.bytes[len(bs):]
		}
	default:
		return nil, fmt.Errorf("a value of kind %d", k)
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

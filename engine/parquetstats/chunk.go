package parquetstats

import (
	"encoding/binary"
	"math"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// rawStats are a column chunk's footer statistics as written.
type rawStats struct {
	present bool
	// typeOrdered: the file declares TYPE_ORDER for the column, which is
	// what makes min_value/max_value meaningful.
	typeOrdered bool
	// min and max are the deprecated fields, written before sort orders
	// were defined (signed byte-wise order for every type).
	min, max           []byte
	hasMin, hasMax     bool
	minValue, maxValue []byte
	hasMinValue        bool
	hasMaxValue        bool
	nullCount          *int64
	minExact, maxExact *bool
	// writer is the file's created_by, parsed: some writers' versions
	// computed bounds in the wrong order.
	writer *metadata.AppVersion
}

// chunkStats applies the trust rules to one column chunk.
func chunkStats(c *schema.Column, raw rawStats, rows int64) Stats {
	st := Stats{Rows: rows}
	if !raw.present {
		return st
	}
	if raw.nullCount != nil && *raw.nullCount >= 0 && *raw.nullCount <= rows {
		st.Nulls, st.HasNulls = *raw.nullCount, true
	}
	var lo, hi []byte
	switch {
	case raw.typeOrdered && raw.hasMinValue && raw.hasMaxValue:
		if c.SortOrder() == schema.SortUNKNOWN {
			return st
		}
		// Truncation is only possible for byte arrays; their bounds are
		// exact only when the writer says so.
		if isBytes(c) && (raw.minExact == nil || !*raw.minExact || raw.maxExact == nil || !*raw.maxExact) {
			return st
		}
		lo, hi = raw.minValue, raw.maxValue
	case raw.hasMin && raw.hasMax:
		// The deprecated fields were computed with signed comparison:
		// right only for types whose order is signed and that are not
		// byte arrays (PARQUET-251).
		if c.SortOrder() != schema.SortSIGNED || isBytes(c) || c.PhysicalType() == parquet.Types.Int96 {
			return st
		}
		lo, hi = raw.min, raw.max
	default:
		return st
	}
	// Bounds that the writer's version is known to get wrong for this
	// type (parquet-mr before 1.10 and parquet-cpp before 1.3 ordered
	// unsigned and some logical types as signed: PARQUET-686).
	if raw.writer != nil && !raw.writer.HasCorrectStatistics(c.PhysicalType(), c.LogicalType(),
		metadata.EncodedStatistics{HasMin: true, Min: lo, HasMax: true, Max: hi}, c.SortOrder()) {
		return st
	}
	mn, ok1 := decode(c, lo)
	mx, ok2 := decode(c, hi)
	if !ok1 || !ok2 {
		return st
	}
	if mn.Kind == Float {
		// NaN bounds are a writer's mistake.
		if math.IsNaN(mn.Float) || math.IsNaN(mx.Float) {
			return st
		}
		// A zero bound may stand for -0.0 or +0.0 (the spec has writers
		// write -0.0 as a minimum and +0.0 as a maximum whichever
		// occurs): keep it as that, see Column.SignedZero.
		if mn.Float == 0 {
			mn.Float = math.Copysign(0, -1)
		}
		if mx.Float == 0 {
			mx.Float = 0
		}
	}
	if cmp, ok := compare(mn, mx); !ok || cmp > 0 {
		return st
	}
	st.Min, st.Max = &mn, &mx
	return st
}

func isBytes(c *schema.Column) bool {
	t := c.PhysicalType()
	return t == parquet.Types.ByteArray || t == parquet.Types.FixedLenByteArray
}

// decode reads a plain-encoded bound as a typed value; ok is false for
// types whose bounds dq does not use (INT96, FIXED_LEN_BYTE_ARRAY, TIME,
// non-string byte arrays, ...).
func decode(c *schema.Column, b []byte) (Value, bool) {
	lt := c.LogicalType()
	hasLogical := lt != nil && lt.IsValid() && !lt.IsNone()
	switch c.PhysicalType() {
	case parquet.Types.Boolean:
		if len(b) != 1 || hasLogical {
			return Value{}, false
		}
		return Value{Kind: Bool, Int: int64(b[0] & 1)}, true
	case parquet.Types.Int32:
		if len(b) != 4 {
			return Value{}, false
		}
		u := binary.LittleEndian.Uint32(b)
		return integer(lt, hasLogical, int64(int32(u)), uint64(u))
	case parquet.Types.Int64:
		if len(b) != 8 {
			return Value{}, false
		}
		u := binary.LittleEndian.Uint64(b)
		return integer(lt, hasLogical, int64(u), u)
	case parquet.Types.Float:
		if len(b) != 4 || hasLogical {
			return Value{}, false
		}
		return Value{Kind: Float, Float: float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))}, true
	case parquet.Types.Double:
		if len(b) != 8 || hasLogical {
			return Value{}, false
		}
		return Value{Kind: Float, Float: math.Float64frombits(binary.LittleEndian.Uint64(b))}, true
	case parquet.Types.ByteArray:
		if _, ok := lt.(schema.StringLogicalType); ok {
			return Value{Kind: String, Bytes: append([]byte(nil), b...)}, true
		}
	}
	return Value{}, false
}

func integer(lt schema.LogicalType, hasLogical bool, s int64, u uint64) (Value, bool) {
	if !hasLogical {
		return Value{Kind: Int, Int: s}, true
	}
	switch t := lt.(type) {
	case schema.IntLogicalType:
		if !t.IsSigned() {
			if t.BitWidth() < 64 {
				u &= (1 << uint(t.BitWidth())) - 1
			}
			return Value{Kind: Uint, Uint: u}, true
		}
		return Value{Kind: Int, Int: s}, true
	case schema.DecimalLogicalType:
		return Value{Kind: Decimal, Int: s, Scale: t.Scale()}, true
	case schema.DateLogicalType:
		return Value{Kind: Date, Int: s}, true
	case schema.TimestampLogicalType:
		var unit Unit
		switch t.TimeUnit() {
		case schema.TimeUnitMillis:
			unit = Millis
		case schema.TimeUnitMicros:
			unit = Micros
		case schema.TimeUnitNanos:
			unit = Nanos
		default:
			return Value{}, false
		}
		return Value{Kind: Timestamp, Int: s, Unit: unit, UTC: t.IsAdjustedToUTC()}, true
	}
	return Value{}, false
}

package statecache

import (
	"encoding/binary"
	"math"
	"math/big"

	"github.com/dqlabs/dq/engine/internal/wire"
)

// A states entry's payload is the identity and the scope (so that an
// entry found under another's name is a miss), then the number of states
// and each state: its key, its kind, a mask of the fields that are set
// and those fields — a count as a varint, floats bit for bit (so -0.0 and
// NaN payloads are kept), an exact sum as big.Rat's own binary form. Hand
// written rather than gob: a run reads one entry per data file, and a gob
// decoder compiles its types anew for each.

// The mask bits of encodeState's fields.
const (
	fieldValid = 1 << iota
	fieldNaN
	fieldPosInf
	fieldNegInf
	fieldSum
	fieldN
	fieldV
	fieldMeanX
	fieldMeanY
	fieldM2X
	fieldM2Y
	fieldCxy
	fieldAll = 1<<iota - 1
)

// encodeEntry encodes the entry; a state whose exact sum does not encode
// is an error.
func encodeEntry(id Identity, scope string, states map[string]State) ([]byte, error) {
	b := make([]byte, 0, 64+len(id)+len(scope)+len(states)*64)
	b = appendBytes(b, []byte(id))
	b = appendBytes(b, []byte(scope))
	b = binary.AppendUvarint(b, uint64(len(states)))
	for k, st := range states {
		b = appendBytes(b, []byte(k))
		b = append(b, byte(st.Kind))
		floats := [...]struct {
			bit int
			v   float64
		}{{fieldV, st.V}, {fieldMeanX, st.MeanX}, {fieldMeanY, st.MeanY}, {fieldM2X, st.M2X}, {fieldM2Y, st.M2Y}, {fieldCxy, st.Cxy}}
		var mask int
		for _, f := range [...]struct {
			bit int
			set bool
		}{{fieldValid, st.Valid}, {fieldNaN, st.NaN}, {fieldPosInf, st.PosInf}, {fieldNegInf, st.NegInf}, {fieldSum, st.Sum != nil}, {fieldN, st.N != 0}} {
			if f.set {
				mask |= f.bit
			}
		}
		for _, f := range floats {
			if math.Float64bits(f.v) != 0 {
				mask |= f.bit
			}
		}
		b = binary.AppendUvarint(b, uint64(mask))
		if st.N != 0 {
			b = binary.AppendVarint(b, st.N)
		}
		for _, f := range floats {
			if mask&f.bit != 0 {
				b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f.v))
			}
		}
		if st.Sum != nil {
			r, err := st.Sum.GobEncode()
			if err != nil {
				return nil, err
			}
			b = appendBytes(b, r)
		}
	}
	return b, nil
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// decodeEntry decodes what encodeEntry encoded; anything malformed (a
// truncation, an unknown kind or field, a repeated key, bytes after the
// end) is errBadEntry.
func decodeEntry(b []byte) (entry, error) {
	d := wire.NewReader(b)
	id, scope := d.Bytes(), d.Bytes()
	n := d.Count()
	var e entry
	if d.Err() != nil {
		return entry{}, errBadEntry
	}
	e.Identity, e.Scope = Identity(id), string(scope)
	e.States = make(map[string]State, n)
	for range n {
		k := d.Bytes()
		st := State{Kind: Kind(d.Byte())}
		mask := int(d.Uvarint())
		if d.Err() != nil || st.Kind < KindCount || st.Kind > KindCoMoments || mask&^fieldAll != 0 || mask < 0 {
			return entry{}, errBadEntry
		}
		st.Valid, st.NaN = mask&fieldValid != 0, mask&fieldNaN != 0
		st.PosInf, st.NegInf = mask&fieldPosInf != 0, mask&fieldNegInf != 0
		if mask&fieldN != 0 {
			if st.N = d.Varint(); st.N == 0 {
				d.Fail(errBadEntry) // a set field holds a value
			}
		}
		for _, f := range [...]struct {
			bit int
			v   *float64
		}{{fieldV, &st.V}, {fieldMeanX, &st.MeanX}, {fieldMeanY, &st.MeanY}, {fieldM2X, &st.M2X}, {fieldM2Y, &st.M2Y}, {fieldCxy, &st.Cxy}} {
			if mask&f.bit != 0 {
				if *f.v = d.Float64(); math.Float64bits(*f.v) == 0 {
					d.Fail(errBadEntry)
				}
			}
		}
		if mask&fieldSum != 0 {
			st.Sum = new(big.Rat)
			if err := st.Sum.GobDecode(d.Bytes()); err != nil || d.Err() != nil {
				return entry{}, errBadEntry
			}
		}
		if d.Err() != nil {
			return entry{}, errBadEntry
		}
		if _, dup := e.States[string(k)]; dup {
			return entry{}, errBadEntry
		}
		if st.Kind == KindSum && st.Sum == nil {
			st.Sum = new(big.Rat)
		}
		e.States[string(k)] = st
	}
	if d.Len() != 0 {
		return entry{}, errBadEntry
	}
	return e, nil
}

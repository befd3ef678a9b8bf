package statecache

import (
	"encoding/binary"
	"math"
	"math/big"
	"testing"
)

// identical says two states hold the same fields, floats bit for bit and
// sums exactly.
func identical(a, b State) bool {
	bits := math.Float64bits
	if a.Kind != b.Kind || a.N != b.N || a.Valid != b.Valid || a.NaN != b.NaN || a.PosInf != b.PosInf || a.NegInf != b.NegInf ||
		bits(a.V) != bits(b.V) || bits(a.MeanX) != bits(b.MeanX) || bits(a.MeanY) != bits(b.MeanY) ||
		bits(a.M2X) != bits(b.M2X) || bits(a.M2Y) != bits(b.M2Y) || bits(a.Cxy) != bits(b.Cxy) {
		return false
	}
	if (a.Sum == nil) != (b.Sum == nil) {
		return false
	}
	return a.Sum == nil || a.Sum.Cmp(b.Sum) == 0
}

// codecStates are states of every kind with extreme and odd values.
func codecStates(t *testing.T) map[string]State {
	m := testStates(t)
	nanPayload := math.Float64frombits(0x7ff8_0000_0000_00ab)
	m["min(neg zero)"] = ExtremeOf(KindMin, math.Copysign(0, -1), false)
	m["max(nan payload)"] = ExtremeOf(KindMax, nanPayload, false)
	m["max(-inf)"] = ExtremeOf(KindMax, math.Inf(-1), false)
	m["count(big)"] = State{Kind: KindCount, N: math.MaxInt64}
	m["count(neg)"] = State{Kind: KindCount, N: math.MinInt64}
	m["count(0)"] = New(KindCount)
	m["sum(none)"] = New(KindSum)
	m["sum(nan+inf)"] = State{Kind: KindSum, Sum: big.NewRat(-7, 3), Valid: true, NaN: true, PosInf: true, NegInf: true}
	m["sum(tiny)"] = sumOf(t, "4.9406564584124654e-324")
	m["sum(−1/3 ünïcode key)"] = State{Kind: KindSum, Sum: big.NewRat(-1, 3), Valid: true}
	m["var_pop(none)"] = MomentsOf(0, 0, 0)
	m["var_pop(odd)"] = State{Kind: KindMoments, N: 1 << 40, MeanX: math.SmallestNonzeroFloat64, M2X: math.MaxFloat64}
	m["corr(odd)"] = State{Kind: KindCoMoments, N: 2, MeanX: -1, MeanY: math.Inf(1), M2X: nanPayload, M2Y: math.Copysign(0, -1), Cxy: 1e-300}
	m[""] = State{Kind: KindCount, N: 1}
	return m
}

// TestEntryCodec: entries decode to exactly the states encoded, and a
// malformed payload (every truncation, trailing bytes, an unknown kind or
// field, a repeated key) is errBadEntry, never a panic.
func TestEntryCodec(t *testing.T) {
	id := fakeIdentity("/data/ä.parquet")
	for _, states := range []map[string]State{codecStates(t), {}, nil} {
		b, err := encodeEntry(id, "scope \x00 v", states)
		if err != nil {
			t.Fatal(err)
		}
		e, err := decodeEntry(b)
		if err != nil {
			t.Fatal(err)
		}
		if e.Identity != id || e.Scope != "scope \x00 v" || len(e.States) != len(states) {
			t.Fatalf("decoded %q %q with %d states", e.Identity, e.Scope, len(e.States))
		}
		for k, want := range states {
			if got, ok := e.States[k]; !ok || !identical(got, want) {
				t.Errorf("%q: decoded %+v, want %+v", k, got, want)
			}
		}
	}
	b, err := encodeEntry(id, "sc", codecStates(t))
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(b); n++ {
		if _, err := decodeEntry(b[:n]); err == nil {
			t.Fatalf("an entry cut at %d of %d bytes decoded", n, len(b))
		}
	}
	if _, err := decodeEntry(append(append([]byte(nil), b...), 0)); err == nil {
		t.Error("trailing bytes decoded")
	}
	head := func(states byte) []byte {
		return append(appendBytes(appendBytes(nil, []byte(id)), []byte("sc")), states)
	}
	one := func(kind byte, mask uint64, rest ...byte) []byte {
		p := appendBytes(head(1), []byte("k"))
		p = append(p, kind)
		p = binary.AppendUvarint(p, mask)
		return append(p, rest...)
	}
	if _, err := decodeEntry(one(byte(KindCount), fieldN, 2)); err != nil {
		t.Fatalf("a well-formed hand-made entry: %v", err)
	}
	for name, p := range map[string][]byte{
		"kind 0":          one(0, 0),
		"kind 7":          one(byte(KindCoMoments)+1, 0),
		"unknown field":   one(byte(KindCount), fieldAll+1),
		"a zero count":    one(byte(KindCount), fieldN, 0),
		"a zero float":    one(byte(KindMin), fieldV, 0, 0, 0, 0, 0, 0, 0, 0),
		"a bad sum":       one(byte(KindSum), fieldSum, 3, 0xff, 0, 0),
		"more states":     append(head(2), 1, 'k', byte(KindCount), 0),
		"a repeated key":  append(head(2), 1, 'k', byte(KindCount), 0, 1, 'k', byte(KindCount), 0),
		"a huge count":    append(head(0xff), 0xff, 0xff, 0xff, 0x0f),
		"a huge mask":     one(byte(KindCount), 1<<63),
		"nothing at all":  nil,
		"identity only":   appendBytes(nil, []byte(id)),
		"a short float":   one(byte(KindMax), fieldValid|fieldV, 1, 2, 3),
		"a short varint":  one(byte(KindCount), fieldN, 0x80),
		"a short sum len": one(byte(KindSum), fieldSum, 9, 1),
	} {
		if e, err := decodeEntry(p); err == nil {
			t.Errorf("%s: decoded %+v", name, e)
		}
	}
	// Every single-byte change fails or decodes to well-formed states
	// (the store's checksum, not the codec, catches a changed value).
	for i := range b {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			bad := append([]byte(nil), b...)
			bad[i] ^= x
			e, err := decodeEntry(bad)
			if err != nil {
				continue
			}
			for k, st := range e.States {
				if st.Kind < KindCount || st.Kind > KindCoMoments || (st.Kind == KindSum && st.Sum == nil) {
					t.Fatalf("byte %d ^ %#x: state %q decoded as %+v", i, x, k, st)
				}
			}
		}
	}
}

// fakeIdentity is an identity of the form LocalIdentity gives,
// for a file that need not exist.
func fakeIdentity(path string) Identity {
	return Identity("file\x00" + path + "\x00123\x00456\x00\x007\x008\x009")
}

// Package statecache keeps the mergeable state of aggregate metrics per data
// file, so that a scheduled check of a growing dataset scans only the files
// that are new or changed since the last run and merges their states with
// the cached states of the others.
//
// A State is the partial result of one aggregate over some rows (one file):
// a count, an exact sum, a minimum or maximum, the moments (n, mean, M2) of
// a variance, or the co-moments of a correlation. States of disjoint row
// sets merge into the state of their union; finishing a merged state gives
// the aggregate's value over all rows, equal to a one-pass computation up
// to floating-point rounding (sums of integers and decimals are exact;
// floating sums are added exactly as rationals and rounded once).
//
// A Store keeps each file's states on disk, keyed by the file's identity
// (Identity) and a scope naming how the file was read (the reader, the
// column types, the state format and engine versions): a change to either
// makes the entry unreachable. Entries are checksummed and written
// atomically; an entry that cannot be read is a miss, never an error, so a
// damaged cache costs a rescan and cannot change a result.
package statecache

import (
	"fmt"
	"math"
	"math/big"
	"strings"
)

// FormatVersion is the version of the stored state format and of the
// meaning of the states. Bump it when a metric's definition or a state's
// layout changes: older entries are then ignored. Version 2 encodes states
// by hand (codec.go) instead of with gob.
const FormatVersion = 2

// Kind says which aggregate a State belongs to.
type Kind uint8

const (
	// KindCount is count(x) or count(*): merged by adding.
	KindCount Kind = iota + 1
	// KindSum is sum(x): merged by adding exactly.
	KindSum
	// KindMin and KindMax are min(x) and max(x) of values cast to DOUBLE,
	// ordered as DuckDB orders doubles (NaN above +Inf).
	KindMin
	KindMax
	// KindMoments is (n, mean, M2) of the non-NULL values: var_pop,
	// stddev_pop and avg derive from it.
	KindMoments
	// KindCoMoments is (n, meanX, meanY, M2X, M2Y, Cxy) of the pairs with
	// both values non-NULL: corr and covar_pop derive from it.
	KindCoMoments
)

func (k Kind) String() string {
	switch k {
	case KindCount:
		return "count"
	case KindSum:
		return "sum"
	case KindMin:
		return "min"
	case KindMax:
		return "max"
	case KindMoments:
		return "moments"
	case KindCoMoments:
		return "co-moments"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// State is one aggregate's mergeable partial result. Only the fields of
// its Kind are used; the zero State of a kind (New) is the state of no
// rows.
type State struct {
	Kind Kind
	// N is the count (KindCount), or the number of values (KindMoments)
	// or pairs (KindCoMoments) aggregated.
	N int64
	// Sum (KindSum) is the exact sum of the finite values; Valid is false
	// until a non-NULL value is added. NaN, PosInf and NegInf record
	// non-finite values, which decide the sum as IEEE addition does.
	Sum                 *big.Rat
	Valid               bool
	NaN, PosInf, NegInf bool
	// V is the extreme (KindMin, KindMax) when Valid.
	V float64
	// Moments (KindMoments: Mean, M2 of X) and co-moments (KindCoMoments).
	MeanX, MeanY, M2X, M2Y, Cxy float64
}

// New is the state of kind k over no rows.
func New(k Kind) State {
	s := State{Kind: k}
	if k == KindSum {
		s.Sum = new(big.Rat)
	}
	return s
}

// Merge returns the state of the union of the rows of s and o, which must
// be disjoint and of the same kind.
func (s State) Merge(o State) (State, error) {
	if s.Kind != o.Kind {
		return State{}, fmt.Errorf("statecache: merging a %s state with a %s state", s.Kind, o.Kind)
	}
	switch s.Kind {
	case KindCount:
		return State{Kind: KindCount, N: s.N + o.N}, nil
	case KindSum:
		r := State{Kind: KindSum, Sum: new(big.Rat), Valid: s.Valid || o.Valid,
			NaN: s.NaN || o.NaN, PosInf: s.PosInf || o.PosInf, NegInf: s.NegInf || o.NegInf}
		r.Sum.Add(ratOf(s.Sum), ratOf(o.Sum))
		return r, nil
	case KindMin, KindMax:
		switch {
		case !o.Valid:
			return s, nil
		case !s.Valid:
			return o, nil
		}
		less := duckLess(s.V, o.V)
		if (s.Kind == KindMin) == less {
			return s, nil
		}
		return o, nil
	case KindMoments:
		return mergeMoments(s, o), nil
	case KindCoMoments:
		return mergeCoMoments(s, o), nil
	}
	return State{}, fmt.Errorf("statecache: unknown state kind %d", s.Kind)
}

func ratOf(r *big.Rat) *big.Rat {
	if r == nil {
		return new(big.Rat)
	}
	return r
}

// duckLess orders doubles as DuckDB's min and max do: NaN is greater than
// every number, +Inf included, and equal to itself.
func duckLess(a, b float64) bool {
	switch {
	case math.IsNaN(a):
		return false
	case math.IsNaN(b):
		return true
	}
	return a < b
}

// mergeMoments is Chan, Golub and LeVeque's pairwise update:
// n = na + nb, δ = mean_b − mean_a, mean = mean_a + δ·nb/n,
// M2 = M2_a + M2_b + δ²·na·nb/n.
func mergeMoments(a, b State) State {
	switch {
	case b.N == 0:
		return a
	case a.N == 0:
		return b
	}
	na, nb := float64(a.N), float64(b.N)
	n := na + nb
	d := b.MeanX - a.MeanX
	return State{Kind: KindMoments, N: a.N + b.N,
		MeanX: a.MeanX + d*nb/n,
		M2X:   a.M2X + b.M2X + d*d*na*nb/n}
}

// mergeCoMoments extends Chan's update to two variables; the co-moment
// gains δx·δy·na·nb/n.
func mergeCoMoments(a, b State) State {
	switch {
	case b.N == 0:
		return a
	case a.N == 0:
		return b
	}
	na, nb := float64(a.N), float64(b.N)
	n := na + nb
	dx, dy := b.MeanX-a.MeanX, b.MeanY-a.MeanY
	f := na * nb / n
	return State{Kind: KindCoMoments, N: a.N + b.N,
		MeanX: a.MeanX + dx*nb/n, MeanY: a.MeanY + dy*nb/n,
		M2X: a.M2X + b.M2X + dx*dx*f, M2Y: a.M2Y + b.M2Y + dy*dy*f,
		Cxy: a.Cxy + b.Cxy + dx*dy*f}
}

// Add adds one value to a KindSum, KindMin, KindMax or KindMoments state
// (a one-pass accumulation, for tests and callers holding raw values),
// or counts it in a KindCount state.
func (s *State) Add(x float64) {
	switch s.Kind {
	case KindCount:
		s.N++
	case KindSum:
		s.addSum(x)
	case KindMin, KindMax:
		v := State{Kind: s.Kind, Valid: true, V: x}
		*s, _ = s.Merge(v)
	case KindMoments:
		// Welford's update.
		s.N++
		d := x - s.MeanX
		s.MeanX += d / float64(s.N)
		s.M2X += d * (x - s.MeanX)
	}
}

// AddPair adds one (x, y) pair to a KindCoMoments state.
func (s *State) AddPair(x, y float64) {
	s.N++
	n := float64(s.N)
	dx, dy := x-s.MeanX, y-s.MeanY
	s.MeanX += dx / n
	s.MeanY += dy / n
	s.M2X += dx * (x - s.MeanX)
	s.M2Y += dy * (y - s.MeanY)
	s.Cxy += dx * (y - s.MeanY)
}

func (s *State) addSum(x float64) {
	if s.Sum == nil {
		s.Sum = new(big.Rat)
	}
	s.Valid = true
	switch {
	case math.IsNaN(x):
		s.NaN = true
	case math.IsInf(x, 1):
		s.PosInf = true
	case math.IsInf(x, -1):
		s.NegInf = true
	default:
		s.Sum.Add(s.Sum, new(big.Rat).SetFloat64(x))
	}
}

// SumOf is the KindSum state of a sum that DuckDB returned as text: an
// integer or decimal (exact), a double's shortest text, "inf", "-inf" or
// "nan"; null for a sum over no non-NULL values.
func SumOf(text string, null bool) (State, error) {
	s := New(KindSum)
	if null {
		return s, nil
	}
	s.Valid = true
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "nan", "-nan":
		s.NaN = true
		return s, nil
	case "inf", "+inf", "infinity":
		s.PosInf = true
		return s, nil
	case "-inf", "-infinity":
		s.NegInf = true
		return s, nil
	}
	if _, ok := s.Sum.SetString(text); !ok {
		return State{}, fmt.Errorf("statecache: sum %q is not a number", text)
	}
	return s, nil
}

// ExtremeOf is a KindMin or KindMax state holding v, or no value (null).
func ExtremeOf(k Kind, v float64, null bool) State {
	return State{Kind: k, Valid: !null, V: v}
}

// MomentsOf is the KindMoments state of n values with the given mean and
// population variance (DuckDB's count, avg and var_pop).
func MomentsOf(n int64, mean, varPop float64) State {
	if n == 0 {
		return State{Kind: KindMoments}
	}
	return State{Kind: KindMoments, N: n, MeanX: mean, M2X: varPop * float64(n)}
}

// CoMomentsOf is the KindCoMoments state of n pairs from DuckDB's
// regr_count, regr_avgx, regr_avgy, regr_sxx, regr_syy and regr_sxy.
func CoMomentsOf(n int64, meanX, meanY, sxx, syy, sxy float64) State {
	if n == 0 {
		return State{Kind: KindCoMoments}
	}
	return State{Kind: KindCoMoments, N: n, MeanX: meanX, MeanY: meanY, M2X: sxx, M2Y: syy, Cxy: sxy}
}

// Count returns a KindCount state's count.
func (s State) Count() int64 { return s.N }

// SumValue is the sum as a double, rounded once from the exact sum;
// ok is false for a sum over no values (SQL NULL). Non-finite inputs
// decide it as IEEE addition does: NaN, or +Inf and -Inf together, give
// NaN.
func (s State) SumValue() (v float64, ok bool) {
	if !s.Valid {
		return 0, false
	}
	switch {
	case s.NaN, s.PosInf && s.NegInf:
		return math.NaN(), true
	case s.PosInf:
		return math.Inf(1), true
	case s.NegInf:
		return math.Inf(-1), true
	}
	f, _ := ratOf(s.Sum).Float64()
	return f, true
}

// Extreme is a KindMin or KindMax state's value; ok is false when no
// value was seen.
func (s State) Extreme() (v float64, ok bool) { return s.V, s.Valid }

// Mean is avg over the values of a KindMoments state (ok false when none).
func (s State) Mean() (float64, bool) {
	if s.N == 0 {
		return 0, false
	}
	return s.MeanX, true
}

// VarPop is the population variance of a KindMoments state (ok false when
// there are no values, as DuckDB's var_pop is NULL).
func (s State) VarPop() (float64, bool) {
	if s.N == 0 {
		return 0, false
	}
	v := s.M2X / float64(s.N)
	if v < 0 { // rounding in the merge of near-constant data
		v = 0
	}
	return v, true
}

// StddevPop is the population standard deviation of a KindMoments state.
func (s State) StddevPop() (float64, bool) {
	v, ok := s.VarPop()
	return math.Sqrt(v), ok
}

// Corr is the Pearson correlation of a KindCoMoments state as DuckDB's
// corr computes it: NULL (ok false) without pairs, NaN when either
// variable has no variance (one pair included).
func (s State) Corr() (float64, bool) {
	if s.N == 0 {
		return 0, false
	}
	n := float64(s.N)
	sx, sy := math.Sqrt(math.Max(s.M2X, 0)/n), math.Sqrt(math.Max(s.M2Y, 0)/n)
	if s.N < 2 || sx*sy == 0 {
		return math.NaN(), true
	}
	return (s.Cxy / n) / (sx * sy), true
}

// String describes the state, for messages and tests.
func (s State) String() string {
	switch s.Kind {
	case KindCount:
		return fmt.Sprintf("count(%d)", s.N)
	case KindSum:
		v, ok := s.SumValue()
		if !ok {
			return "sum(NULL)"
		}
		return fmt.Sprintf("sum(%g)", v)
	case KindMin, KindMax:
		if !s.Valid {
			return s.Kind.String() + "(NULL)"
		}
		return fmt.Sprintf("%s(%g)", s.Kind, s.V)
	case KindMoments:
		return fmt.Sprintf("moments(n=%d mean=%g m2=%g)", s.N, s.MeanX, s.M2X)
	case KindCoMoments:
		return fmt.Sprintf("co-moments(n=%d mx=%g my=%g m2x=%g m2y=%g cxy=%g)", s.N, s.MeanX, s.MeanY, s.M2X, s.M2Y, s.Cxy)
	}
	return s.Kind.String()
}

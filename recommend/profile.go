package recommend

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/dqlabs/dq/engine"
)

// Class groups column types by what can be measured about them.
type Class string

// The classes of ColumnProfile.Class.
const (
	Numeric  Class = "numeric"  // integers, floats, decimals
	String   Class = "string"   // VARCHAR
	Boolean  Class = "boolean"  // BOOLEAN
	Temporal Class = "temporal" // DATE, TIME, TIMESTAMP[TZ]
	Other    Class = "other"    // lists, structs, blobs, ...
)

// ProfileOptions tune Profile.
type ProfileOptions struct {
	// Approx counts distinct values with DuckDB's HyperLogLog
	// (approx_count_distinct) instead of exactly. Columns whose estimate
	// makes them look unique or low-cardinality are still counted exactly,
	// because the recommendations built on them must hold.
	Approx bool
	// MaxCategories is the largest number of distinct values for which a
	// column gets a full histogram (ColumnProfile.Histogram). 0 means 100.
	MaxCategories int
	// Skip lists columns not to profile (exact names).
	Skip []string
	// Session bounds the DuckDB session Profile opens (threads, memory).
	Session engine.SessionOptions
}

func (o ProfileOptions) maxCategories() int {
	if o.MaxCategories <= 0 {
		return 100
	}
	return o.MaxCategories
}

// Profile is what one scan learns about a dataset.
type Profile struct {
	Location string `json:"location"`
	Rows     int64  `json:"rows"`
	// ApproxDistinct says Distinct counts may be HyperLogLog estimates
	// (see ColumnProfile.DistinctExact).
	ApproxDistinct bool             `json:"approx_distinct"`
	Columns        []*ColumnProfile `json:"columns"`
}

// Column returns the profile of the named column, or nil.
func (p *Profile) Column(name string) *ColumnProfile {
	for _, c := range p.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// ColumnProfile describes one column. Statistics that do not apply to the
// column's class are absent (nil).
type ColumnProfile struct {
	Name  string `json:"name"`
	Type  string `json:"type"` // as DuckDB names it
	Class Class  `json:"class"`
	Rows  int64  `json:"rows"`
	Nulls int64  `json:"nulls"`
	// Distinct is the number of distinct non-NULL values.
	Distinct      int64 `json:"distinct"`
	DistinctExact bool  `json:"distinct_exact"`
	// Min and Max are the smallest and largest value as text, for
	// strings, booleans and temporal columns (numbers: see Numeric).
	Min     string        `json:"min,omitempty"`
	Max     string        `json:"max,omitempty"`
	Numeric *NumericStats `json:"numeric,omitempty"`
	Length  *LengthStats  `json:"length,omitempty"`
	Parses  *Parses       `json:"parses,omitempty"`
	// Histogram holds every distinct non-NULL value with its count, most
	// frequent first, when there are at most MaxCategories of them.
	Histogram []ValueCount `json:"histogram,omitempty"`
	// Uniqueness and Entropy are Deequ's (NULLs excluded, natural log).
	// They need value frequencies, so they are known only for columns with
	// a histogram or whose values are all distinct.
	Uniqueness *float64 `json:"uniqueness,omitempty"`
	Entropy    *float64 `json:"entropy,omitempty"`
}

// Completeness is the fraction of rows that are not NULL (1 on no rows).
func (c *ColumnProfile) Completeness() float64 {
	if c.Rows == 0 {
		return 1
	}
	return float64(c.Rows-c.Nulls) / float64(c.Rows)
}

// NumericStats are over the finite values of a numeric column; NaN and
// ±Infinity are only counted, since one of them would turn every moment
// into NaN or Inf and hide what the rest of the column looks like.
type NumericStats struct {
	Min       float64 `json:"min"`
	Max       float64 `json:"max"`
	Mean      float64 `json:"mean"`
	StdDev    float64 `json:"stddev"` // population, as Deequ and Glue compute it
	Sum       float64 `json:"sum"`
	Q25       float64 `json:"q25"` // quantiles are t-digest approximations,
	Q50       float64 `json:"q50"` // as in DuckDB's SUMMARIZE
	Q75       float64 `json:"q75"`
	NonFinite int64   `json:"non_finite"`
}

// MarshalJSON writes a moment that overflowed (a mean, sum or deviation of
// finite values near ±1e308) as "Infinity" or "-Infinity", the way dq's
// results print such metrics, since JSON has no number for it.
func (s NumericStats) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Min       any   `json:"min"`
		Max       any   `json:"max"`
		Mean      any   `json:"mean"`
		StdDev    any   `json:"stddev"`
		Sum       any   `json:"sum"`
		Q25       any   `json:"q25"`
		Q50       any   `json:"q50"`
		Q75       any   `json:"q75"`
		NonFinite int64 `json:"non_finite"`
	}{jsonNumber(s.Min), jsonNumber(s.Max), jsonNumber(s.Mean), jsonNumber(s.StdDev), jsonNumber(s.Sum),
		jsonNumber(s.Q25), jsonNumber(s.Q50), jsonNumber(s.Q75), s.NonFinite})
}

// jsonNumber is f, or for NaN and ±Infinity, which JSON numbers cannot
// hold, the Java spelling dq's results use: "NaN", "Infinity",
// "-Infinity".
func jsonNumber(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return f
}

// LengthStats are the lengths in characters of a string column's values.
type LengthStats struct {
	Min  int64   `json:"min"`
	Max  int64   `json:"max"`
	Mean float64 `json:"mean"`
}

// Parses says, for a string column with at least one value, whether every
// non-NULL value converts to each DQDL type, judged exactly as
// ColumnDataType judges it.
type Parses struct {
	Integer   bool `json:"integer"`
	Double    bool `json:"double"`
	Boolean   bool `json:"boolean"`
	Date      bool `json:"date"`
	Timestamp bool `json:"timestamp"`
}

// ValueCount is one bucket of a histogram.
type ValueCount struct {
	Value  string   `json:"value"`            // as text
	Number *float64 `json:"number,omitempty"` // the value, for numeric columns
	Count  int64    `json:"count"`
}

// MarshalJSON writes a NaN or infinite value's number as a string (see
// jsonNumber); a histogram of a DOUBLE column often has NaN in it.
func (v ValueCount) MarshalJSON() ([]byte, error) {
	var num any
	if v.Number != nil {
		num = jsonNumber(*v.Number)
	}
	return json.Marshal(struct {
		Value  string `json:"value"`
		Number any    `json:"number,omitempty"`
		Count  int64  `json:"count"`
	}{v.Value, num, v.Count})
}

// ProfileSource registers src in a new DuckDB session and profiles it.
func ProfileSource(ctx context.Context, src engine.Source, opts ProfileOptions) (*Profile, error) {
	s, err := engine.OpenSession(ctx, opts.Session)
	if err != nil {
		return nil, fmt.Errorf("opening a DuckDB session: %w", err)
	}
	defer s.Close()
	ds, err := s.Register(ctx, "primary", src)
	if err != nil {
		return nil, err
	}
	// Profiling runs only dq's own SQL, but sealing costs nothing and
	// keeps the session as locked down as eval's.
	if err := s.Seal(ctx); err != nil {
		return nil, fmt.Errorf("sealing the session: %w", err)
	}
	return ProfileDataset(ctx, s, ds, opts)
}

// ProfileDataset profiles a dataset already registered in s. It runs one
// aggregate query over the whole dataset, then, when some column has few
// distinct values, one grouping query for their histograms (and, with
// Approx, one small query for exact counts the recommendations need).
func ProfileDataset(ctx context.Context, s *engine.Session, ds *engine.Dataset, opts ProfileOptions) (*Profile, error) {
	if err := checkSkip(opts.Skip, ds.Columns); err != nil {
		return nil, err
	}
	p := &Profile{Location: ds.Location, ApproxDistinct: opts.Approx, Columns: []*ColumnProfile{}}
	for _, c := range ds.Columns {
		if slices.Contains(opts.Skip, c.Name) {
			continue
		}
		p.Columns = append(p.Columns, &ColumnProfile{Name: c.Name, Type: c.Type, Class: classify(c.Type), DistinctExact: !opts.Approx})
	}
	if err := runAggregate(ctx, s, ds, p, opts.Approx); err != nil {
		return nil, fmt.Errorf("profiling %s: %w", ds.Location, s.NameObjects(err))
	}
	if err := runHistograms(ctx, s, ds, p, opts); err != nil {
		return nil, fmt.Errorf("profiling %s: value frequencies: %w", ds.Location, s.NameObjects(err))
	}
	if opts.Approx {
		if err := runExactDistinct(ctx, s, ds, p); err != nil {
			return nil, fmt.Errorf("profiling %s: exact distinct counts: %w", ds.Location, s.NameObjects(err))
		}
	}
	for _, c := range p.Columns {
		c.deriveFrequencyStats()
	}
	return p, nil
}

// deriveFrequencyStats fills Uniqueness and Entropy where the frequencies
// are known: from the histogram, or trivially when every value is distinct.
func (c *ColumnProfile) deriveFrequencyStats() {
	nonNull := c.Rows - c.Nulls
	switch {
	case nonNull == 0:
	case c.Histogram != nil:
		var singles int64
		var h float64
		for _, v := range c.Histogram {
			if v.Count == 1 {
				singles++
			}
			q := float64(v.Count) / float64(nonNull)
			h -= q * math.Log(q)
		}
		c.Uniqueness = ptr(float64(singles) / float64(nonNull))
		c.Entropy = ptr(h)
	case c.DistinctExact && c.Distinct == nonNull:
		c.Uniqueness = ptr(1.0)
		c.Entropy = ptr(math.Log(float64(nonNull)))
	}
}

func ptr[T any](v T) *T { return &v }

// classify mirrors the engine's type classes, so that the profile treats
// as numeric exactly the columns on which numeric rules evaluate.
func classify(typ string) Class {
	switch engine.TypeKind(typ) {
	case "numeric":
		return Numeric
	case "string":
		return String
	case "boolean":
		return Boolean
	case "date", "timestamp", "timestamptz":
		return Temporal
	}
	// TIME has no date; the engine's rules leave it alone, but a profile
	// still reports its range.
	if t := strings.ToUpper(typ); t == "TIME" || strings.HasPrefix(t, "TIME WITH") {
		return Temporal
	}
	return Other
}

// isFloat says whether the type can hold NaN and ±Infinity.
func isFloat(typ string) bool {
	switch strings.ToUpper(typ) {
	case "FLOAT", "REAL", "DOUBLE", "FLOAT4", "FLOAT8":
		return true
	}
	return false
}

// isInteger says whether a numeric type holds only whole numbers.
func isInteger(typ string) bool {
	t := strings.ToUpper(typ)
	return classify(typ) == Numeric && !isFloat(typ) && !strings.HasPrefix(t, "DECIMAL") && !strings.HasPrefix(t, "NUMERIC")
}

// Metrics returns the profile in the metric names of Glue's AllStatistics
// analyzer (spec §6.29): Dataset.*.RowCount and ColumnCount, then per
// column Completeness, Uniqueness, and for numbers Entropy, Mean,
// StandardDeviation, Sum, Minimum, Maximum, for strings MinimumLength and
// MaximumLength. A metric the profile does not know (Uniqueness of a
// column that is neither low-cardinality nor unique) or that does not
// exist (statistics of an all-NULL column) is left out.
func (p *Profile) Metrics() map[string]float64 {
	m := map[string]float64{
		"Dataset.*.RowCount":    float64(p.Rows),
		"Dataset.*.ColumnCount": float64(len(p.Columns)),
	}
	for _, c := range p.Columns {
		key := func(name string) string { return "Column." + c.Name + "." + name }
		if c.Rows > 0 {
			m[key("Completeness")] = c.Completeness()
		}
		if c.Uniqueness != nil {
			m[key("Uniqueness")] = *c.Uniqueness
		}
		if st := c.Numeric; st != nil && st.NonFinite == 0 {
			if c.Entropy != nil {
				m[key("Entropy")] = *c.Entropy
			}
			m[key("Mean")] = st.Mean
			m[key("StandardDeviation")] = st.StdDev
			m[key("Sum")] = st.Sum
			m[key("Minimum")] = st.Min
			m[key("Maximum")] = st.Max
		}
		if l := c.Length; l != nil {
			m[key("MinimumLength")] = float64(l.Min)
			m[key("MaximumLength")] = float64(l.Max)
		}
	}
	return m
}

// checkSkip reports Skip names that are not columns: a typo would
// otherwise profile (and recommend rules for) the column the user meant to
// leave out, without a word.
func checkSkip(skip []string, cols []engine.Column) error {
	var bad []string
	for _, name := range skip {
		found, hint := false, ""
		for _, c := range cols {
			if c.Name == name {
				found = true
				break
			}
			if strings.EqualFold(c.Name, name) {
				hint = c.Name
			}
		}
		if found {
			continue
		}
		if hint != "" {
			bad = append(bad, fmt.Sprintf("%q (did you mean %q? names are exact)", name, hint))
		} else {
			bad = append(bad, fmt.Sprintf("%q", name))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return &SkipError{Msg: fmt.Sprintf("no column %s; the columns are %s", strings.Join(bad, ", "), strings.Join(names, ", "))}
}

// SkipError is returned when ProfileOptions.Skip names a column the data
// does not have.
type SkipError struct{ Msg string }

func (e *SkipError) Error() string { return "skip: " + e.Msg }

package engine

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/dqlabs/dq/engine/parquetstats/footertest"
)

// floatGroups are the row groups of TestFooterFloatEdges, one file each:
// zeros of both signs, ±Inf, NaN among numbers, and a group of NaN only.
var floatGroups = []string{
	`(1, '1.5'), (2, '2.0'), (3, NULL), (4, '-0.0')`,
	`(5, 'inf'), (6, '3.0'), (7, '0.0')`,
	`(8, 'nan'), (9, '4.0'), (10, '-2.0')`,
	`(11, '-inf'), (12, '5.0')`,
	`(13, 'nan'), (14, 'nan')`,
	`(15, '0.0'), (16, '7.0')`,
}

// floatBounds rewrites each file's FLOAT/DOUBLE bounds as a kind of writer
// would have written them.
type floatBounds int

const (
	asDuckDB    floatBounds = iota // as written: none where NaN or ±Inf occurs
	specBounds                     // the spec's: NaN left out, -0.0 as a zero minimum, +0.0 as a zero maximum; none for NaN only
	nanMax                         // old writers: NaN as the maximum when it occurs
	sentinel                       // NaN-only chunks get min +Inf, max -Inf (an old arrow bug)
	swappedZero                    // zero bounds of the wrong sign (min +0.0, max -0.0)
)

// TestFooterFloatEdges: answers from footers of FLOAT and DOUBLE columns
// holding NaN, ±Inf and both zeros, under the bounds different writers
// write, must give exactly the scan's results, messages and metrics —
// and must still answer where the bounds prove the rule.
func TestFooterFloatEdges(t *testing.T) {
	subsets := map[string][]int{
		"finite":   {0, 5},
		"inf":      {0, 1, 3},
		"nan":      {0, 2},
		"nanonly":  {4},
		"all":      {0, 1, 2, 3, 4, 5},
		"zeroonly": {5},
	}
	var rules []string
	for _, c := range []string{"d", "f"} {
		q := `"` + c + `"`
		for _, cond := range []string{"> -10", ">= -2", "> -1", ">= 0", "> 0", "< 10", "<= 5", "< 0", "between -3 and 10", "between -1 and 8", "= 0", "= 1.5", "> 8"} {
			rules = append(rules, "ColumnValues "+q+" "+cond)
		}
		rules = append(rules, "ColumnValues "+q+" > -10 with threshold > 0.5", "IsComplete "+q, "Completeness "+q+" > 0.5")
	}
	rs := parseRules(t, "Rules = [\n  "+strings.Join(rules, ",\n  ")+"\n]\nAnalyzers = [ RowCount, ColumnValues \"d\", ColumnValues \"f\", Completeness \"d\" ]")
	// Each writer's bounds on the subsets where they differ from another's.
	cases := []struct {
		name string
		mode floatBounds
	}{
		{"finite", asDuckDB}, {"finite", specBounds}, {"finite", swappedZero},
		{"inf", asDuckDB}, {"inf", specBounds},
		{"nan", asDuckDB}, {"nan", specBounds}, {"nan", nanMax}, {"nan", swappedZero},
		{"nanonly", specBounds}, {"nanonly", sentinel},
		{"all", specBounds}, {"all", nanMax}, {"all", sentinel},
		{"zeroonly", specBounds}, {"zeroonly", swappedZero},
	}
	for _, tc := range cases {
		name, mode, groups := tc.name, tc.mode, subsets[tc.name]
		{
			t.Run(fmt.Sprintf("%s/%d", name, mode), func(t *testing.T) {
				dir := t.TempDir()
				for _, g := range groups {
					p := filepath.Join(dir, fmt.Sprintf("g%d.parquet", g))
					duckExec(t, fmt.Sprintf("COPY (SELECT id::BIGINT AS id, v::DOUBLE AS d, v::FLOAT AS f FROM (VALUES %s) t(id, v)) TO %s (FORMAT parquet)", floatGroups[g], QuoteString(p)))
					if mode != asDuckDB {
						rewriteFloatBounds(t, p, mode)
					}
				}
				src := Files(filepath.Join(dir, "*.parquet"), FileOptions{})
				plan, err := Explain(context.Background(), rs, src, Options{Now: testNow})
				if err != nil {
					t.Fatal(err)
				}
				only := footerOnly(plan)
				// Trustworthy bounds are used: bounds without NaN settle
				// "d > -10" (metrics: the minimum, and the count of
				// rows above -10, all non-NULL ones since NaN is above
				// too) when the minimum, -2, is above -10 — not when it is
				// -Inf ("inf") or a zero of unknown sign ("finite").
				if want := name == "nan" && mode != asDuckDB && mode != nanMax; only["Rule_0"] != want || only["Rule_16"] != want {
					t.Errorf("> -10 answered from footers: d %v, f %v; want %v\n%s", only["Rule_0"], only["Rule_16"], want, plan)
				}
				// A maximum is never taken from FLOAT/DOUBLE bounds (NaN
				// may be there, uncounted, and is the largest value).
				for _, r := range []string{"Rule_5", "Rule_6", "Rule_8", "Rule_21", "Rule_22", "Rule_24"} {
					if only[r] {
						t.Errorf("%s answered from footers, which cannot know its maximum", r)
					}
				}
				// Null counts answer completeness whatever the bounds.
				if !only["Rule_14"] || !only["Rule_15"] || !only["Rule_30"] {
					t.Errorf("completeness not answered from footers:\n%s", plan)
				}
				sameWithoutFooters(t, rs, src, rules)
			})
		}
	}
}

// rewriteFloatBounds sets the FLOAT/DOUBLE bounds of a one-row-group file
// as mode says, from the values DuckDB reads.
func rewriteFloatBounds(t *testing.T, path string, mode floatBounds) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type facts struct {
		lo, hi       sql.NullFloat64
		nan, negZero bool
		posZero      bool
	}
	get := func(col string) facts {
		var f facts
		q := QuoteIdent(col)
		err := db.QueryRow(`SELECT min(`+q+`) FILTER (WHERE NOT isnan(`+q+`)), max(`+q+`) FILTER (WHERE NOT isnan(`+q+`)),
			coalesce(bool_or(isnan(`+q+`)), false),
			coalesce(bool_or(`+q+` = 0 AND signbit(`+q+`)), false), coalesce(bool_or(`+q+` = 0 AND NOT signbit(`+q+`)), false)
			FROM read_parquet(`+QuoteString(path)+`)`).Scan(&f.lo, &f.hi, &f.nan, &f.negZero, &f.posZero)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	fs := map[string]facts{"d": get("d"), "f": get("f")}
	footertest.Rewrite(t, path, func(md *metadata.FileMetaData) {
		for i := 0; i < md.Schema.NumColumns(); i++ {
			c := md.Schema.Column(i)
			f, ok := fs[c.Name()]
			if !ok {
				continue
			}
			enc := func(v float64) []byte { return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)) }
			if c.PhysicalType().String() == "FLOAT" {
				enc = func(v float64) []byte { return binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(v))) }
			}
			for _, rg := range md.RowGroups {
				st := rg.Columns[i].MetaData.Statistics
				if st == nil {
					continue
				}
				st.Min, st.Max = nil, nil
				st.MinValue, st.MaxValue = nil, nil
				lo, hi := f.lo.Float64, f.hi.Float64
				switch {
				case !f.lo.Valid && f.nan && mode == sentinel:
					lo, hi = math.Inf(1), math.Inf(-1)
				case !f.lo.Valid:
					continue // no values but NaN (or none): no bounds
				}
				if lo == 0 {
					lo = math.Copysign(0, -1)
					if mode == swappedZero {
						lo = 0
					}
				}
				if hi == 0 {
					hi = 0
					if mode == swappedZero {
						hi = math.Copysign(0, -1)
					}
				}
				if mode == nanMax && f.nan {
					hi = math.NaN()
				}
				st.MinValue, st.MaxValue = enc(lo), enc(hi)
			}
		}
	})
}

// footerOnly lists the rules and analyzers the plan answers from footers
// without any statement.
func footerOnly(p *Plan) map[string]bool {
	served := map[string]bool{}
	for _, q := range p.Queries {
		for _, u := range q.Serves {
			served[u] = true
		}
	}
	out := map[string]bool{}
	for u := range p.footer {
		if !served[u] {
			out[u] = true
		}
	}
	return out
}

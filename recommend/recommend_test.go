package recommend

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/testdata/gen/taxigen"
)

// recommendAndEval profiles path, recommends with opts and evaluates the
// recommendation on evalPath.
func recommendAndEval(t *testing.T, path, evalPath string, opts Options) (*Recommendation, *engine.Result) {
	t.Helper()
	ctx := context.Background()
	p := profileFile(t, path, ProfileOptions{})
	rec, err := Recommend(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := dqdl.Parse("rec.dqdl", rec.Text)
	if err != nil {
		t.Fatalf("recommendation does not parse: %v\n%s", err, rec.Text)
	}
	if got := rs.String(); got != rec.Text {
		t.Errorf("recommendation is not in canonical form; fmt gives:\n%s", got)
	}
	if len(rs.Rules) != len(rec.Rules) {
		t.Fatalf("text has %d rules, Rules %d", len(rs.Rules), len(rec.Rules))
	}
	res, err := engine.Evaluate(ctx, rs, engine.Files(evalPath, engine.FileOptions{}), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rec, res
}

// TestRecommendationPassesOnItsData is the guarantee: on every fixture and
// at every strictness, each recommended rule passes on the data it was
// profiled from.
func TestRecommendationPassesOnItsData(t *testing.T) {
	db := duck(t)
	dir := t.TempDir()
	csv := filepath.Join(dir, "taxi.csv")
	jsonl := filepath.Join(dir, "taxi.json")
	ctx := context.Background()
	if err := taxigen.GenerateFile(ctx, csv, taxigen.Options{Rows: 8000, Seed: 7, Format: "csv"}, 0); err != nil {
		t.Fatal(err)
	}
	if err := taxigen.GenerateFile(ctx, jsonl, taxigen.Options{Rows: 3000, Seed: 9, Format: "json"}, 0); err != nil {
		t.Fatal(err)
	}
	fixtures := map[string]string{
		"sample":  samplePath,
		"edge":    writeParquet(t, db, "edge.parquet", edgeQuery),
		"csv":     csv,
		"json":    jsonl,
		"tiny":    writeParquet(t, db, "tiny.parquet", `SELECT * FROM (VALUES (1, 'a', 2.5), (2, NULL, NULL), (3, 'a', -1.0)) t(id, s, x)`),
		"empty":   writeParquet(t, db, "empty.parquet", `SELECT 1 AS id, 'x' AS s WHERE false`),
		"one row": writeParquet(t, db, "one.parquet", `SELECT 7 AS id, 'only' AS s, DATE '2020-02-29' AS d`),
		"extreme": writeParquet(t, db, "extreme.parquet", extremeQuery),
	}
	for name, path := range fixtures {
		for _, s := range []Strictness{Strict, Balanced, Loose} {
			if s != Balanced && (name == "csv" || name == "json") {
				continue // the same columns as the sample; keep the test quick
			}
			t.Run(name+"/"+string(s), func(t *testing.T) {
				rec, res := recommendAndEval(t, path, path, Options{Strictness: s})
				if len(rec.Rules) == 0 {
					t.Fatal("no rules")
				}
				for _, rr := range res.RuleResults {
					if rr.Result != engine.Pass {
						t.Errorf("%s %s: %s %v", rr.Result, rr.Description, rr.EvaluationMessage, rr.EvaluatedMetrics)
					}
				}
			})
		}
	}
}

// corruptQuery plants defects in a copy of the sample, each aimed at one
// family of rules; the other columns are left exactly as they were.
const corruptQuery = `SELECT * EXCLUDE (rn) REPLACE (
	CASE WHEN rn % 500 = 0 THEN 7 ELSE VendorID END AS VendorID,
	CASE WHEN rn % 700 = 0 THEN 5000.0 ELSE fare_amount END AS fare_amount,
	CASE WHEN rn % 5 = 0 THEN NULL ELSE passenger_count END AS passenger_count,
	CASE WHEN rn % 50 = 0 THEN 'X' ELSE store_and_fwd_flag END AS store_and_fwd_flag,
	CASE WHEN rn % 1000 = 0 THEN -3.0 ELSE trip_distance END AS trip_distance,
	CASE WHEN rn % 999 = 0 THEN tpep_pickup_datetime + INTERVAL 5 YEAR ELSE tpep_pickup_datetime END AS tpep_pickup_datetime
) FROM (SELECT *, row_number() OVER () AS rn FROM read_parquet('` + samplePath + `'))`

// TestRecommendationCatchesDefects: the ruleset recommended from the clean
// sample fails exactly where defects were planted in a copy.
func TestRecommendationCatchesDefects(t *testing.T) {
	bad := writeParquet(t, duck(t), "corrupt.parquet", corruptQuery)
	rec, res := recommendAndEval(t, samplePath, bad, Options{})
	failed := map[string]bool{}
	for _, rr := range res.RuleResults {
		switch rr.Result {
		case engine.Fail:
			failed[rr.Description] = true
		case engine.Error:
			t.Errorf("%s errored: %s", rr.Description, rr.EvaluationMessage)
		}
	}
	mustFail := []struct {
		col    string
		family Family
		text   string // a substring of the rule
	}{
		{"VendorID", FamilyCategorical, "in ["},
		{"fare_amount", FamilyRange, "between"},
		{"fare_amount", FamilyStatistics, "Mean"},
		{"passenger_count", FamilyCompleteness, "Completeness"},
		{"store_and_fwd_flag", FamilyCategorical, "in ["},
		{"store_and_fwd_flag", FamilyType, "Boolean"},
		{"trip_distance", FamilyRange, ">= 0"},
		{"tpep_pickup_datetime", FamilyRange, "between"},
	}
	touched := map[string]bool{}
	for _, m := range mustFail {
		touched[m.col] = true
		i := slices.IndexFunc(rec.Rules, func(r Rule) bool {
			return r.Column == m.col && r.Family == m.family && strings.Contains(r.Text, m.text)
		})
		if i < 0 {
			t.Errorf("no %s rule on %s containing %q", m.family, m.col, m.text)
			continue
		}
		if !failed[rec.Rules[i].Text] {
			t.Errorf("%s passed on the corrupted copy", rec.Rules[i].Text)
		}
	}
	// No false alarms: rules on columns nobody touched still pass.
	for _, r := range rec.Rules {
		if r.Column != "" && !touched[r.Column] && failed[r.Text] {
			t.Errorf("%s failed, but %s was not corrupted", r.Text, r.Column)
		}
	}
}

func TestRecommendOptions(t *testing.T) {
	p := profileFile(t, samplePath, ProfileOptions{})
	all, err := Recommend(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(all.Rules); n < 40 || n > 80 {
		t.Errorf("%d rules on the taxi sample, want about 50-60", n)
	}
	for _, tc := range []struct {
		name  string
		opts  Options
		check func(t *testing.T, rec *Recommendation)
	}{
		{"families", Options{Families: []Family{FamilyCompleteness, FamilyLength}}, func(t *testing.T, rec *Recommendation) {
			for _, r := range rec.Rules {
				if r.Family != FamilyCompleteness && r.Family != FamilyLength {
					t.Errorf("unwanted family: %s", r.Text)
				}
			}
			if len(rec.Rules) != 20 { // 19 completeness + 1 length
				t.Errorf("%d rules, want 20", len(rec.Rules))
			}
		}},
		{"skip", Options{Skip: []string{"fare_amount", "VendorID"}}, func(t *testing.T, rec *Recommendation) {
			for _, r := range rec.Rules {
				if strings.Contains(r.Text, `"fare_amount"`) || strings.Contains(r.Text, `"VendorID"`) {
					t.Errorf("skipped column in %s", r.Text)
				}
			}
		}},
		{"strict", Options{Strictness: Strict}, func(t *testing.T, rec *Recommendation) {
			if rec.Rules[0].Text != "RowCount = 20000" {
				t.Errorf("first rule %s", rec.Rules[0].Text)
			}
			if !slices.ContainsFunc(rec.Rules, func(r Rule) bool { return r.Text == `Completeness "passenger_count" >= 0.9714` }) {
				t.Error("strict completeness bound is not the observed 0.9714")
			}
		}},
		{"loose", Options{Strictness: Loose}, func(t *testing.T, rec *Recommendation) {
			if rec.Rules[0].Text != "RowCount between 1999 and 200001" {
				t.Errorf("first rule %s", rec.Rules[0].Text)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := Recommend(p, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, rec)
		})
	}
	if _, err := Recommend(p, Options{Strictness: "paranoid"}); err == nil {
		t.Error("unknown strictness accepted")
	}
	if _, err := Recommend(p, Options{Families: []Family{"colour"}}); err == nil {
		t.Error("unknown family accepted")
	}
	if fs, err := ParseFamilies(" Range, type ,"); err != nil || !slices.Equal(fs, []Family{FamilyRange, FamilyType}) {
		t.Errorf("ParseFamilies = %v, %v", fs, err)
	}
}

// TestEvidence: each rule's comment says what it was built from.
func TestEvidence(t *testing.T) {
	rec, err := Recommend(profileFile(t, samplePath, ProfileOptions{}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"    # 20,000 rows, 0 NULL\n    IsComplete \"VendorID\",",
		"    # 571 of 20,000 rows NULL (97.14% complete); bound = Wald lower limit, z = 1.96\n    Completeness \"passenger_count\" >= 0.96,",
		"    # 4 distinct values: 2 (14,355), 1 (5,607), 6 (25), 5 (13)\n    ColumnValues \"VendorID\" in [1,2,5,6],",
	} {
		if !strings.Contains(rec.Text, want) {
			t.Errorf("ruleset lacks\n%s", want)
		}
	}
	for _, r := range rec.Rules {
		if r.Evidence == "" {
			t.Errorf("%s has no evidence", r.Text)
		}
	}
}

func TestOutward(t *testing.T) {
	for _, tc := range []struct {
		a, b, min, max float64
		integer        bool
		lo, hi         string
	}{
		{-99.75, 221.25, -73, 194.5, false, "-100", "230"},
		{0.9, 1.1, 1, 1, false, "0.9", "1.1"},
		{495.495, 505.505, 500.5, 500.5, false, "495", "506"},
		{1, 265, 1, 265, true, "0", "266"},  // bounds must be strictly outside
		{1, 2, 1, 2, true, "0", "3"},        // integer unit is at least 1
		{-5, -5, -5, -5, false, "-6", "-4"}, // zero width
	} {
		lo, hi := outward(tc.a, tc.b, tc.min, tc.max, tc.integer)
		if lo != tc.lo || hi != tc.hi {
			t.Errorf("outward(%g, %g, %g, %g) = %s, %s; want %s, %s", tc.a, tc.b, tc.min, tc.max, lo, hi, tc.lo, tc.hi)
		}
		l, _ := strconv.ParseFloat(lo, 64)
		h, _ := strconv.ParseFloat(hi, 64)
		if !(l < tc.min && h > tc.max) {
			t.Errorf("outward: %s..%s does not strictly contain %g..%g", lo, hi, tc.min, tc.max)
		}
	}
}

func TestFloorTo(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		n    int
		want float64
	}{
		{0.97145, 2, 0.97},
		{0.97, 2, 0.97}, // 0.97*100 is 96.99999…, which must not become 0.96
		{0.9999999, 4, 0.9999},
		{1, 2, 1},
		{0.004, 2, 0},
	} {
		if got := floorTo(tc.f, tc.n); got != tc.want || got > tc.f {
			t.Errorf("floorTo(%g, %d) = %g, want %g", tc.f, tc.n, got, tc.want)
		}
	}
}

// extremeQuery holds what DQDL cannot say or what overflows: moments of
// values near ±1.8e308 (the squared deviations overflow), a categorical
// column with NaN, strings partly date-shaped (a DQDL date literal next to
// a string) and a month 13.
const extremeQuery = `SELECT
	CASE i % 4 WHEN 0 THEN 1.7976931348623157e308 WHEN 1 THEN -3.0 WHEN 2 THEN 5.0 ELSE 1e308 END AS huge,
	CASE i % 3 WHEN 0 THEN 'NaN'::DOUBLE WHEN 1 THEN 1.5 ELSE 2.0 END AS cat_nan,
	CASE i % 3 WHEN 0 THEN '2024-01-02' WHEN 1 THEN 'n/a' ELSE '2024-13-01' END AS when_text,
	i AS id
	FROM range(40) t(i)`

// TestRecommendExtremeValues: a column whose deviation overflows, NaN in
// a short list of values and date-shaped strings neither fail the profile
// nor put a rule DQDL cannot parse into the recommendation; the rules
// that cannot be written are left out, the others are kept.
func TestRecommendExtremeValues(t *testing.T) {
	path := writeParquet(t, duck(t), "extreme.parquet", extremeQuery)
	p := profileFile(t, path, ProfileOptions{})
	huge := p.Column("huge").Numeric
	if huge == nil || !math.IsInf(huge.StdDev, 1) || huge.Max != math.MaxFloat64 || huge.Min != -3 {
		t.Fatalf("huge: %+v, want stddev +Inf (Welford overflows), min -3, max %g", huge, math.MaxFloat64)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatalf("profile JSON: %v", err)
	}
	if !strings.Contains(string(b), `"stddev":"Infinity"`) {
		t.Errorf("profile JSON does not spell the overflowed deviation: %s", b)
	}
	rec, err := Recommend(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	has := func(prefix string) bool {
		return slices.ContainsFunc(rec.Rules, func(r Rule) bool { return strings.HasPrefix(r.Text, prefix) })
	}
	for _, want := range []string{`IsComplete "huge"`, `ColumnValues "huge" in`, `IsComplete "cat_nan"`, `IsComplete "when_text"`, `ColumnLength "when_text"`, `IsUnique "id"`} {
		if !has(want) {
			t.Errorf("no %s… rule in\n%s", want, rec.Text)
		}
	}
	for _, not := range []string{`StandardDeviation "huge"`, `Mean "huge"`, `ColumnValues "cat_nan" in`, `ColumnValues "when_text" in`} {
		if has(not) {
			t.Errorf("a %s… rule, which DQDL cannot express for this data:\n%s", not, rec.Text)
		}
	}
}

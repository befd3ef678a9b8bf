package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const taxiSample = "../../testdata/taxi/sample.parquet"

// TestRecommendThenEval is the first-time workflow of the README:
// recommend a ruleset, then evaluate it on the same data, which passes.
func TestRecommendThenEval(t *testing.T) {
	rules := filepath.Join(t.TempDir(), "rules.dqdl")
	r := runDQ(t, "", "recommend", taxiSample, "-o", rules)
	if r.code != exitOK {
		t.Fatalf("recommend exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "dq: recommended 62 rules from 20,000 rows × 19 columns") {
		t.Errorf("summary: %q", r.stderr)
	}
	src, err := os.ReadFile(rules)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "# 20,000 rows, 0 NULL\n    IsComplete \"VendorID\",") {
		t.Errorf("no evidence comments:\n%.600s", src)
	}
	if f := runDQ(t, "", "fmt", rules); f.code != exitOK || f.stdout != string(src) {
		t.Errorf("recommendation is not canonical (fmt exit %d)", f.code)
	}
	e := runDQ(t, "", "eval", "--format", "json", rules, taxiSample)
	if e.code != exitOK {
		t.Fatalf("eval of the recommendation exit %d: %s\n%.2000s", e.code, e.stderr, e.stdout)
	}
}

func TestRecommendFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stdout (code 0) or stderr
	}{
		{"families", []string{"--families", "completeness,rowcount"}, exitOK, "RowCount between 9999 and 40001,\n"},
		{"strict", []string{"--strictness", "strict", "--families", "rowcount"}, exitOK, "RowCount = 20000\n"},
		{"skip", []string{"--skip", "VendorID", "--families", "completeness"}, exitOK, `IsComplete "tpep_pickup_datetime"`},
		{"bad family", []string{"--families", "colour"}, exitInvalid, `unknown rule family "colour"`},
		{"bad strictness", []string{"--strictness", "paranoid"}, exitInvalid, "strictness"},
		{"missing data", []string{"--families", "rowcount", "no-such.parquet"}, exitInvalid, "no-such.parquet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"recommend"}, tc.args...)
			if tc.name != "missing data" {
				args = append(args, taxiSample)
			}
			r := runDQ(t, "", args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tc.code, r.stderr)
			}
			out := r.stdout
			if tc.code != exitOK {
				out = r.stderr
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out)
			}
			if tc.name == "skip" && strings.Contains(r.stdout, `"VendorID"`) {
				t.Error("skipped column recommended")
			}
		})
	}
}

func TestProfileCommand(t *testing.T) {
	r := runDQ(t, "", "profile", taxiSample)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"20,000 rows, 19 columns",
		"COLUMN", "TOP VALUES",
		"passenger_count", "571 (2.9%)",
		"store_and_fwd_flag", "1..1 (booleans)", "N 96%",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runDQ(t, "", "profile", "--format", "json", "--approx", taxiSample)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var p struct {
		Rows           int64
		ApproxDistinct bool `json:"approx_distinct"`
		Columns        []struct {
			Name  string
			Nulls int64
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatal(err)
	}
	if p.Rows != 20000 || !p.ApproxDistinct || len(p.Columns) != 19 || p.Columns[3].Name != "passenger_count" || p.Columns[3].Nulls != 571 {
		t.Errorf("json profile: %+v", p)
	}
}

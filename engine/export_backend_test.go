package engine

import "testing"

// CrosscheckSuite is one crosscheck dataset with the rules the crosscheck
// oracle checks on it, for the pushdown engines' equivalence suites
// (engine/backend_postgres_test.go), which live in package engine_test
// because they import the backends.
type CrosscheckSuite struct {
	Name    string
	Parquet string   // the rows, as TestCrosscheck reads them
	Rules   []string // one DQDL rule each
	// Check compares the result of Rules[i] with the oracle's: the
	// outcome, the metrics (rel. 1e-9) and the message; it returns the
	// differences.
	Check func(i int, got RuleResult) []string
}

// CrosscheckSuites returns every crosscheck dataset with its rules.
func CrosscheckSuites(t *testing.T) []CrosscheckSuite {
	var out []CrosscheckSuite
	for _, ds := range cxDatasets() {
		d := loadCx(t, ds.name, ds.sql)
		cases := cxCases(d)
		s := CrosscheckSuite{Name: ds.name, Parquet: d.path,
			Check: func(i int, got RuleResult) []string { return cxDiff(got, cases[i].want()) }}
		for _, c := range cases {
			s.Rules = append(s.Rules, c.rule)
		}
		out = append(out, s)
	}
	return out
}

// TestNow is the instant the crosscheck rules are evaluated at.
var TestNow = testNow

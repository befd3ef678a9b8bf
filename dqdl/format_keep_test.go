package dqdl_test

import (
	"strings"
	"testing"

	"github.com/dqlabs/dq/dqdl"
)

// TestFormatKeepsEveryComment: comments in every place the grammar allows
// one survive formatting, including between `Rules`, `=` and `[`.
func TestFormatKeepsEveryComment(t *testing.T) {
	srcs := []string{
		"Metadata = { # m1\n \"Version\": \"1.0\" # m2\n}\nRules = [ RowCount > 0 ]",
		"Rules # c1\n = # c2\n [ RowCount > 0 ]",
		"Rules = [ (RowCount > 0) # c3\n and # c4\n (IsComplete \"a\") ]",
		"Rules = [ IsComplete # c5\n \"a\" ]",
		"x = # c6\n \"5\"\nRules = [ ColumnValues \"a\" = $x ]",
		"DefaultLabels = [ # c7\n \"a\"=\"b\" ]\nRules = [ RowCount > 0 ]",
		"Rules = [ RowCount > 0 ]\nAnalyzers = [ # c8\n RowCount # c9\n, Completeness # c10\n \"a\" ]",
		"Rules = [ ColumnValues \"a\" in [ # c11\n \"x\", \"y\" ] ]",
		"Rules = [ ColumnValues \"a\" > 0 with threshold # c12\n > 0.5 ]",
		"DataSources = { \"Primary\": # c13\n \"x\" }\nRules = [ RowCount > 0 ]",
		"Rules = [ RowCount > 0 ] # c14\n] # c15\nleft over # c16\n",
	}
	for _, src := range srcs {
		rs, err := dqdl.Parse("x", src)
		if err != nil {
			t.Errorf("%q: %v", src, err)
			continue
		}
		out := rs.String()
		if len(rs.Comments) == 0 {
			t.Errorf("%q: no comments found", src)
		}
		for _, c := range rs.Comments {
			if strings.Count(out, c.Text) != 1 {
				t.Errorf("%q printed %d times from %q:\n%s", c.Text, strings.Count(out, c.Text), src, out)
			}
		}
	}
}

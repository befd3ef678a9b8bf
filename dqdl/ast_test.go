package dqdl_test

import (
	"testing"

	"github.com/dqlabs/dq/dqdl"
)

// Repeated tags and dictionary keys are accepted with a warning; like Glue,
// the last value is the one that counts.
func TestRepeatedKeysLastWins(t *testing.T) {
	rs, err := dqdl.Parse("t.dqdl", `Metadata = { "Version": "1.0", "Version": "2.0" }
Rules = [ ColumnValues "c" in ["a"] with ignoreCase = "true" with ignoreCase = "false" ]`)
	if err != nil {
		t.Fatal(err)
	}
	if got := rs.Metadata.Entry("Version").Value; got != "2.0" {
		t.Errorf("Metadata Version = %q, want the last value 2.0", got)
	}
	r := rs.Rules[0].(*dqdl.SimpleRule)
	if got := r.Tag("ignoreCase").Text(); got != "false" {
		t.Errorf("ignoreCase = %q, want the last value false", got)
	}
	if len(rs.Warnings) != 2 {
		t.Errorf("got %d warnings, want 2: %v", len(rs.Warnings), rs.Warnings)
	}
}

func TestEffectiveLabels(t *testing.T) {
	rs, err := dqdl.Parse("t.dqdl", `DefaultLabels = ["team"="a", "env"="prod"]
Rules = [ RowCount > 0 labels=["team"="b"], IsComplete "x" ]`)
	if err != nil {
		t.Fatal(err)
	}
	got := rs.EffectiveLabels(rs.Rules[0])
	if got["team"] != "b" || got["env"] != "prod" || len(got) != 2 {
		t.Errorf("rule 0 labels = %v, want team=b (rule wins) and env=prod", got)
	}
	got = rs.EffectiveLabels(rs.Rules[1])
	if got["team"] != "a" || len(got) != 2 {
		t.Errorf("rule 1 labels = %v, want the defaults", got)
	}
}

// filterOrder takes a list of strings in Glue's documentation for the
// File* rules; it round-trips and reads as a comma-separated string.
func TestListTag(t *testing.T) {
	src := `Rules = [ FileSize "d/" > 1 KB with filterOrder = ["uriRegex", "recentFiles"] ]`
	rs, err := dqdl.Parse("t.dqdl", src)
	if err != nil {
		t.Fatal(err)
	}
	r := rs.Rules[0].(*dqdl.SimpleRule)
	if got := r.Tag("filterOrder").Text(); got != "uriRegex,recentFiles" {
		t.Errorf("filterOrder = %q", got)
	}
	want := `FileSize "d/" > 1 KB with filterOrder = ["uriRegex","recentFiles"]`
	if got := r.String(); got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
	if _, err := dqdl.Parse("t.dqdl", `Rules = [ ColumnValues "a" > 1 with threshold = ["x"] ]`); err == nil {
		t.Error("a list threshold was accepted")
	}
}

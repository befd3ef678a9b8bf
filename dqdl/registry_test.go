package dqdl

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The embedded registry must stay byte-identical to the spec's copy of
// Glue's rules-config.json. The spec lives beside the repository (../shared
// in a developer's and CI's checkout); the test skips when it is absent.
func TestRegistryMatchesSpec(t *testing.T) {
	spec := filepath.Join("..", "..", "shared", "spec", "rules-config.json")
	want, err := os.ReadFile(spec)
	if err != nil {
		t.Skipf("spec registry not found beside the repository: %v", err)
	}
	if !bytes.Equal(want, rulesConfig) {
		t.Fatalf("dqdl/rules-config.json has drifted from %s; copy the spec's file over it and review the changes", spec)
	}
}

func TestRegistryContents(t *testing.T) {
	names := map[string]int{}
	for _, rt := range RuleTypes() {
		names[rt.Name]++
	}
	for _, want := range []string{"RowCount", "RowCountMatch", "ColumnCount", "Completeness", "IsComplete",
		"ColumnDataType", "ColumnNamesMatchPattern", "ColumnExists", "ColumnCorrelation", "Uniqueness", "IsUnique",
		"Mean", "Sum", "StandardDeviation", "Variance", "Entropy", "DistinctValuesCount", "UniqueValueRatio",
		"ColumnLength", "IsPrimaryKey", "ColumnValues", "DataFreshness", "CustomSql", "ReferentialIntegrity",
		"DatasetMatch", "SchemaMatch", "AggregateMatch", "DetectAnomalies", "AllStatistics", "FileMatch",
		"FileUniqueness", "FileFreshness", "FileSize"} {
		if names[want] == 0 {
			t.Errorf("rule type %s missing from the registry", want)
		}
	}
	tests := []struct {
		name    string
		nparams int
		want    bool
	}{
		{"IsUnique", 1, true}, {"IsUnique", 3, true}, {"IsUnique", 0, false},
		{"FileMatch", 0, true}, {"FileMatch", 1, true}, {"FileMatch", 2, true}, {"FileMatch", 3, false},
		{"DatasetMatch", 2, true}, {"DatasetMatch", 3, true}, {"DatasetMatch", 1, false},
		{"RowCount", 0, true}, {"RowCount", 1, false},
	}
	for _, tc := range tests {
		got, _ := builtin().resolve(tc.name, tc.nparams)
		if (got != nil) != tc.want {
			t.Errorf("resolve(%s, %d) = %v, want found=%v", tc.name, tc.nparams, got, tc.want)
		}
	}
	if cl, _ := builtin().resolve("ColumnLength", 1); !cl.Threshold || cl.Extension == "" {
		t.Errorf("ColumnLength must accept `with threshold` as a documented extension")
	}
}

func TestSuggest(t *testing.T) {
	for in, want := range map[string]string{
		"Completnes": "Completeness", "isComplete": "IsComplete", "rowcount": "RowCount",
		"ColumnValue": "ColumnValues", "Xyzzy": "",
	} {
		if got := builtin().suggest(in); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

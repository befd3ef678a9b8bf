package engine

import (
	"strings"
	"testing"

	"github.com/dqlabs/dq/dqdl"
)

// TestRuleKindsCoverDQDL: every rule type the language knows (but the
// analyzer-only AllStatistics) has one entry
// in the table of rule kinds, and the table names no type the language
// does not know.
func TestRuleKindsCoverDQDL(t *testing.T) {
	known := map[string]bool{}
	for _, rt := range dqdl.RuleTypes() {
		known[rt.Name] = true
		if rt.AnalyzerOnly {
			continue // planned by planAnalyzer
		}
		if ruleKinds[rt.Name] == nil {
			t.Errorf("rule type %s has no entry in ruleKinds", rt.Name)
		}
	}
	for name, k := range ruleKinds {
		if !known[name] || dqdl.LookupRuleType(name)[0].AnalyzerOnly {
			t.Errorf("ruleKinds has %s, which dqdl does not know", name)
		}
		if k.plan == nil {
			t.Errorf("%s has no plan function", name)
		}
	}
	want := []string{"RowCount", "Completeness", "Uniqueness", "Mean", "Sum", "StandardDeviation", "Entropy",
		"DistinctValuesCount", "UniqueValueRatio", "ColumnLength", "ColumnValues", "ColumnCorrelation", "CustomSql", "ColumnCount"}
	got := anomalyTargets()
	if len(got) != len(want) {
		t.Fatalf("anomaly targets %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("anomaly targets %v, want %v", got, want)
		}
	}
}

// TestAnomalyTargetsMatchDQDL: dqdl warns at validation about a
// DetectAnomalies metric the engine does not watch, from its own list;
// the two lists must agree.
func TestAnomalyTargetsMatchDQDL(t *testing.T) {
	got, want := anomalyTargets(), dqdl.AnomalyMetrics
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("engine watches %v, dqdl lists %v", got, want)
	}
}

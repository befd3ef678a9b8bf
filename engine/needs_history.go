package engine

import "github.com/dqlabs/dq/dqdl"

// NeedsHistory reports whether a rule of rs reads metric history: a
// dynamic condition or threshold (`RowCount > avg(last(5))`) or
// DetectAnomalies, also inside composites. A caller whose history store is
// unavailable can then tell a harmless loss (nothing is recorded) from
// rules that cannot be judged.
func NeedsHistory(rs *dqdl.Ruleset) bool {
	for _, r := range rs.Rules {
		if RuleNeedsHistory(r) {
			return true
		}
	}
	return false
}

// RuleNeedsHistory is NeedsHistory for one top-level rule.
func RuleNeedsHistory(r dqdl.Rule) bool {
	for _, leaf := range dqdl.Leaves(r) {
		if leaf.Type == "DetectAnomalies" || isDynamic(leaf.Condition) || isDynamic(leaf.Threshold) {
			return true
		}
	}
	return false
}

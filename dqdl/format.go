package dqdl

// String returns the rule in canonical DQDL form.
func (r *SimpleRule) String() string { return "" }

// String returns the composite rule in canonical DQDL form.
func (c *CompositeRule) String() string { return "" }

// String returns the ruleset in canonical DQDL form.
func (rs *Ruleset) String() string { return "" }

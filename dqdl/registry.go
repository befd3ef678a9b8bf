package dqdl

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// rulesConfig is Glue's rule-type registry as published with the official
// DQDL grammar (awslabs/dqdl configuration/rules/rules-config.json). It is
// embedded verbatim so that the registry cannot drift from the reference;
// registry_test.go compares it with the project's copy of the spec.
//
//go:embed rules-config.json
var rulesConfig []byte

// RuleType describes a rule type: its parameters, what its condition
// compares, and which clauses it supports.
type RuleType struct {
	Name        string
	Description string
	Params      []ParamSpec
	// ReturnType is the registry's return type: NUMBER, BOOLEAN, STRING,
	// NUMBER|BOOLEAN, STRING_ARRAY|NUMBER_ARRAY|DATE_ARRAY, DURATION_ARRAY,
	// DATE or SIZE.
	ReturnType string
	Scope      string // table, column or file
	// Where is true when a `where` clause is allowed.
	Where bool
	// Threshold is true when `with threshold` is allowed.
	Threshold bool
	// RowLevelCompositeExcluded marks ratio rules that cannot take part in
	// row-level composite evaluation.
	RowLevelCompositeExcluded bool
	AnalyzerOnly              bool
	Experimental              bool
	// Extension is non-empty where dq accepts more than the published
	// registry does; it says why (see the README's list of differences).
	Extension string
}

// ParamSpec is one declared parameter of a rule type.
type ParamSpec struct {
	Name        string
	Type        string
	Description string
	VarArg      bool
}

// VarArg reports whether the last parameter takes one or more values.
func (t *RuleType) VarArg() bool {
	return len(t.Params) > 0 && t.Params[len(t.Params)-1].VarArg
}

// Accepts reports whether the rule type takes n parameters.
func (t *RuleType) Accepts(n int) bool {
	if t.VarArg() {
		return n >= len(t.Params)
	}
	return n == len(t.Params)
}

// IsBoolean reports whether rules of this type take no condition.
func (t *RuleType) IsBoolean() bool { return t.ReturnType == "BOOLEAN" }

// Registry holds the rule types, in registry order, with overloads (the
// same name with different parameter counts) as separate entries.
type Registry struct {
	types  []*RuleType
	byName map[string][]*RuleType
}

type jsonRegistry struct {
	RuleTypes []struct {
		Name        string `json:"rule_type_name"`
		Description string `json:"description"`
		Parameters  []struct {
			Type        string `json:"type"`
			Name        string `json:"name"`
			Description string `json:"description"`
			VarArg      bool   `json:"is_var_arg"`
		} `json:"parameters"`
		ReturnType   string `json:"return_type"`
		Where        bool   `json:"is_where_clause_supported"`
		Threshold    bool   `json:"is_threshold_supported"`
		Excluded     bool   `json:"is_excluded_at_row_level_in_composite_rules"`
		AnalyzerOnly bool   `json:"is_analyzer_only"`
		Experimental bool   `json:"experimental"`
		Scope        string `json:"scope"`
	} `json:"rule_types"`
}

// extensions are where dq deliberately accepts more than the published
// registry, because Glue's production parser does (see spec §6.19, §17 #6).
var extensions = map[string]func(*RuleType){
	"ColumnLength": func(t *RuleType) {
		t.Threshold = true
		t.Extension = "`with threshold` is accepted: Glue's production parser and recommender use it although the published registry does not list it"
	},
}

func loadRegistry(data []byte) (*Registry, error) {
	var j jsonRegistry
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("dqdl: parsing rules-config.json: %w", err)
	}
	reg := &Registry{byName: make(map[string][]*RuleType)}
	for _, jt := range j.RuleTypes {
		t := &RuleType{
			Name:                      jt.Name,
			Description:               jt.Description,
			ReturnType:                jt.ReturnType,
			Scope:                     jt.Scope,
			Where:                     jt.Where,
			Threshold:                 jt.Threshold,
			RowLevelCompositeExcluded: jt.Excluded,
			AnalyzerOnly:              jt.AnalyzerOnly,
			Experimental:              jt.Experimental,
		}
		for _, p := range jt.Parameters {
			t.Params = append(t.Params, ParamSpec{Name: p.Name, Type: p.Type, Description: p.Description, VarArg: p.VarArg})
		}
		if ext, ok := extensions[t.Name]; ok {
			ext(t)
		}
		reg.types = append(reg.types, t)
		reg.byName[t.Name] = append(reg.byName[t.Name], t)
	}
	return reg, nil
}

// builtin is the embedded registry, decoded on first use (not at package
// init, which every dq process would pay for). It is immutable once built,
// so sharing it is safe.
var builtin = sync.OnceValue(func() *Registry {
	r, err := loadRegistry(rulesConfig)
	if err != nil {
		panic(err) // the embedded file is checked by tests; this cannot happen in a release
	}
	return r
})

// RuleTypes returns every rule type in registry order (overloads included).
func RuleTypes() []*RuleType { return append([]*RuleType(nil), builtin().types...) }

// LookupRuleType returns the overloads of a rule type name (case-sensitive),
// or nil when the name is unknown.
func LookupRuleType(name string) []*RuleType { return builtin().byName[name] }

// resolve picks the overload of name that takes nparams parameters.
func (r *Registry) resolve(name string, nparams int) (*RuleType, []*RuleType) {
	overloads := r.byName[name]
	for _, t := range overloads {
		if t.Accepts(nparams) {
			return t, overloads
		}
	}
	return nil, overloads
}

// suggest returns the known rule type name closest to name, or "" when none
// is close enough to be a plausible typo.
func (r *Registry) suggest(name string) string {
	best, bestDist := "", 1<<30
	lname := strings.ToLower(name)
	for n := range r.byName {
		d := levenshtein(lname, strings.ToLower(n))
		if d < bestDist || (d == bestDist && n < best) {
			best, bestDist = n, d
		}
	}
	limit := len(name)/3 + 1
	if bestDist <= limit {
		return best
	}
	return ""
}

// EditDistance is the Levenshtein distance between a and b in runes: what
// "did you mean" suggestions measure, here for rule types and in the engine
// for column names.
func EditDistance(a, b string) int { return levenshtein(a, b) }

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

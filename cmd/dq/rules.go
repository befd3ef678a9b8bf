package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/olekukonko/tablewriter"

	"github.com/dqlabs/dq/dqdl"
)

// RulesCmd is `dq rules`.
type RulesCmd struct {
	Format string   `enum:"table,json" default:"table" help:"Output format: table or json (${enum})."`
	Types  []string `arg:"" optional:"" name:"type" help:"Show only these rule types (case-sensitive, as in DQDL)."`
}

// ruleTypeJSON is one element of `dq rules --format json`. Like the validate
// report it is an interface: add fields, never rename or remove them.
type ruleTypeJSON struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  []paramSpecJSON `json:"parameters"`
	ReturnType  string          `json:"returnType"`
	// Conditions lists the condition kinds a rule may take, any one of
	// them: number, string, date, duration, size, or none (no condition).
	// It is empty for analyzer-only types, which never take a condition.
	Conditions                []string `json:"conditions"`
	Scope                     string   `json:"scope"`
	Where                     bool     `json:"where"`
	Threshold                 bool     `json:"threshold"`
	RowLevelCompositeExcluded bool     `json:"rowLevelCompositeExcluded"`
	AnalyzerOnly              bool     `json:"analyzerOnly"`
	Experimental              bool     `json:"experimental"`
	Extension                 string   `json:"extension,omitempty"`
}

type paramSpecJSON struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description"`
	VarArg      bool   `json:"varArg"`
}

// Run lists the rule types.
func (c *RulesCmd) Run(e *env) error {
	types, err := selectRuleTypes(c.Types)
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	if c.Format == "json" {
		return writeRuleTypesJSON(e, types)
	}
	return writeRuleTypesTable(e, types)
}

// selectRuleTypes returns the registry in its order, keeping only the named
// types when names are given. Overloads of a name stay together.
func selectRuleTypes(names []string) ([]*dqdl.RuleType, error) {
	all := dqdl.RuleTypes()
	if len(names) == 0 {
		return all, nil
	}
	want := make(map[string]bool, len(names))
	for _, n := range names {
		if dqdl.LookupRuleType(n) == nil {
			return nil, fmt.Errorf("rules: unknown rule type %q (names are case-sensitive; run \"dq rules\" for the list)", n)
		}
		want[n] = true
	}
	var out []*dqdl.RuleType
	for _, t := range all {
		if want[t.Name] {
			out = append(out, t)
		}
	}
	return out, nil
}

// conditionKinds says which conditions a rule of type t may take, derived
// from the registry's return type the way the parser resolves conditions.
func conditionKinds(t *dqdl.RuleType) []string {
	if t.AnalyzerOnly {
		return []string{}
	}
	switch t.ReturnType {
	case "NUMBER":
		return []string{"number"}
	case "BOOLEAN":
		return []string{"none"}
	case "STRING":
		return []string{"string"}
	case "NUMBER|BOOLEAN":
		return []string{"number", "none"}
	case "STRING_ARRAY|NUMBER_ARRAY|DATE_ARRAY":
		return []string{"string", "number", "date"}
	case "DURATION_ARRAY":
		return []string{"duration"}
	case "DATE":
		return []string{"date"}
	case "SIZE":
		return []string{"size"}
	}
	// A return type this version does not know: show it rather than guess.
	return []string{strings.ToLower(t.ReturnType)}
}

func writeRuleTypesJSON(e *env, types []*dqdl.RuleType) error {
	out := make([]ruleTypeJSON, 0, len(types))
	for _, t := range types {
		j := ruleTypeJSON{
			Name:                      t.Name,
			Description:               t.Description,
			Parameters:                make([]paramSpecJSON, 0, len(t.Params)),
			ReturnType:                t.ReturnType,
			Conditions:                conditionKinds(t),
			Scope:                     t.Scope,
			Where:                     t.Where,
			Threshold:                 t.Threshold,
			RowLevelCompositeExcluded: t.RowLevelCompositeExcluded,
			AnalyzerOnly:              t.AnalyzerOnly,
			Experimental:              t.Experimental,
			Extension:                 t.Extension,
		}
		for _, p := range t.Params {
			j.Parameters = append(j.Parameters, paramSpecJSON{Name: p.Name, Type: p.Type, Description: p.Description, VarArg: p.VarArg})
		}
		out = append(out, j)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding rule types: %w", err)
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", b)
	return err
}

func writeRuleTypesTable(e *env, types []*dqdl.RuleType) error {
	table := tablewriter.NewWriter(e.stdout)
	table.Header("Rule type", "Parameters", "Condition", "Where", "Threshold", "Notes")
	for _, t := range types {
		if err := table.Append([]string{t.Name, paramsText(t), conditionText(t), yes(t.Where), yes(t.Threshold), notesText(t)}); err != nil {
			return fmt.Errorf("rendering rule types: %w", err)
		}
	}
	if err := table.Render(); err != nil {
		return fmt.Errorf("rendering rule types: %w", err)
	}
	return nil
}

// paramsWidth is where parameter lists wrap, so that the table fits a
// 120-column terminal despite the few long lists (DatasetMatch).
const paramsWidth = 34

// paramsText renders parameters the way they are written in a rule, with
// "..." marking a parameter that takes one or more values.
func paramsText(t *dqdl.RuleType) string {
	if len(t.Params) == 0 {
		return "-"
	}
	var b strings.Builder
	line := 0
	for i, p := range t.Params {
		s := "<" + p.Name + ">"
		if p.VarArg {
			s += "..."
		}
		switch {
		case i == 0:
		case line+1+len(s) > paramsWidth:
			b.WriteByte('\n')
			line = 0
		default:
			b.WriteByte(' ')
			line++
		}
		b.WriteString(s)
		line += len(s)
	}
	return b.String()
}

func conditionText(t *dqdl.RuleType) string {
	kinds := conditionKinds(t)
	switch {
	case t.AnalyzerOnly:
		return "-"
	case len(kinds) == 2 && kinds[1] == "none":
		return kinds[0] + " or none"
	}
	return strings.Join(kinds, "/")
}

func notesText(t *dqdl.RuleType) string {
	var notes []string
	if t.AnalyzerOnly {
		notes = append(notes, "analyzer only")
	}
	if t.Experimental {
		notes = append(notes, "experimental")
	}
	if t.Extension != "" {
		notes = append(notes, "dq extension")
	}
	return strings.Join(notes, ", ")
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "-"
}

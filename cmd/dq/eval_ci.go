package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/sinks/junit"
	"github.com/dqlabs/dq/sinks/markdown"
)

// ciFlags are dq eval's flags for CI: which rules to evaluate and which
// failures fail the job.
type ciFlags struct {
	RulesWith []string `name:"rules-with" sep:"none" placeholder:"LABEL=VALUE" help:"Evaluate only the rules with this label (DefaultLabels included). Repeatable: values of one label are alternatives, different labels must all match."`
	FailOn    []string `name:"fail-on" sep:"none" placeholder:"LABEL=VALUE" help:"Exit 1 only for failures of rules with this label; other failures are printed as warnings (exit 0). Repeatable, combined as --rules-with."`
	WarnOn    []string `name:"warn-on" sep:"none" placeholder:"LABEL=VALUE" help:"Failures of rules with this label are printed as warnings and do not make dq exit 1. Repeatable, combined as --rules-with."`
}

// labelFilter matches rules by labels: every key must be present with one
// of its values.
type labelFilter map[string][]string

func parseLabelFilter(flag string, specs []string) (labelFilter, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	f := labelFilter{}
	for _, s := range specs {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--%s must be LABEL=VALUE, e.g. --%s severity=high, got %q", flag, flag, s)
		}
		f[k] = append(f[k], v)
	}
	return f, nil
}

func (f labelFilter) match(labels map[string]string) bool {
	for k, vs := range f {
		v, ok := labels[k]
		if !ok || !slices.Contains(vs, v) {
			return false
		}
	}
	return true
}

func (f labelFilter) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(f)) {
		for _, v := range f[k] {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

// selection is what --rules-with kept: the original index of each kept
// rule, so that results keep the names (Rule_<i>) the full ruleset gives
// them.
type selection []int

// selectRules applies --rules-with to rs (a copy is returned; rs is not
// changed). No rule matching is a usage error naming the labels there are.
func (c *ciFlags) selectRules(rs *dqdl.Ruleset) (*dqdl.Ruleset, selection, error) {
	f, err := parseLabelFilter("rules-with", c.RulesWith)
	if err != nil || f == nil {
		return rs, nil, err
	}
	out := *rs
	out.Rules = nil
	var keep selection
	seen := map[string]bool{}
	for i, r := range rs.Rules {
		labels := rs.EffectiveLabels(r)
		for k, v := range labels {
			seen[k+"="+v] = true
		}
		if f.match(labels) {
			out.Rules = append(out.Rules, r)
			keep = append(keep, i)
		}
	}
	if len(out.Rules) == 0 {
		have := "the rules have no labels"
		if len(seen) > 0 {
			have = "labels in the ruleset: " + strings.Join(slices.Sorted(maps.Keys(seen)), ", ")
		}
		return nil, nil, fmt.Errorf("no rule matches --rules-with %s (%s)", f, have)
	}
	return &out, keep, nil
}

// rename gives the results of selected rules their names in the full
// ruleset.
func (s selection) rename(res *engine.Result) {
	for i := range res.RuleResults {
		if i < len(s) {
			res.RuleResults[i].Name = fmt.Sprintf("Rule_%d", s[i])
		}
	}
}

// checkVerdictFlags validates --fail-on and --warn-on before the data is
// read.
func (c *ciFlags) check() error {
	for flag, specs := range map[string][]string{"rules-with": c.RulesWith, "fail-on": c.FailOn, "warn-on": c.WarnOn} {
		if _, err := parseLabelFilter(flag, specs); err != nil {
			return err
		}
	}
	return nil
}

// gating reports whether res should make dq exit 1: a rule that did not
// pass and is not exempted by --fail-on (it does not match) or --warn-on
// (it matches). Exempted failures are printed as warnings.
func (c *ciFlags) gating(e *env, res *engine.Result) bool {
	failOn, _ := parseLabelFilter("fail-on", c.FailOn)
	warnOn, _ := parseLabelFilter("warn-on", c.WarnOn)
	gate := false
	for _, rr := range res.RuleResults {
		if rr.Result == engine.Pass {
			continue
		}
		var why string
		switch {
		case warnOn != nil && warnOn.match(rr.Labels):
			why = "it matches --warn-on " + warnOn.String()
		case failOn != nil && !failOn.match(rr.Labels):
			why = "it does not match --fail-on " + failOn.String()
		default:
			gate = true
			continue
		}
		warnf(e, "%s %s (%s) does not fail the run: %s", rr.Name, rr.Result, rr.Description, why)
	}
	return gate
}

// writeFormat writes res on w in one of the CI formats.
func writeFormat(w io.Writer, format string, res *engine.Result, doc []byte) error {
	switch format {
	case "junit":
		return junit.Write(w, res)
	case "markdown":
		return markdown.Write(w, res)
	}
	_, err := w.Write(doc)
	return err
}

// summaryLine is the one line a CI log shows when stdout is a file or a
// pipe: the verdict without the details.
func summaryLine(res *engine.Result) string {
	p, f, er := res.Counts()
	s := fmt.Sprintf("dq: %s: %d passed, %d failed, %d errored", orDefault(res.RulesetName, "ruleset"), p, f, er)
	if res.Score != nil {
		s += fmt.Sprintf(", score %.2f", *res.Score)
	}
	return s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

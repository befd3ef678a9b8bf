// Package markdown writes an evaluation result as GitHub-flavoured
// Markdown: a heading with the verdict and counts, then a table with one
// row per rule, for pull-request comments and CI job summaries
// ($GITHUB_STEP_SUMMARY). Failing and erroring rules come first, so a
// long ruleset's problems are at the top.
package markdown

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/dqlabs/dq/engine"
)

// Write encodes r as Markdown.
func Write(w io.Writer, r *engine.Result) error {
	if r == nil {
		return fmt.Errorf("markdown: nil result")
	}
	var b strings.Builder
	passed, failed, errored := r.Counts()
	icon := "✅"
	switch {
	case failed > 0:
		icon = "❌"
	case errored > 0:
		icon = "⚠️"
	}
	name := r.RulesetName
	if name == "" {
		name = "ruleset"
	}
	fmt.Fprintf(&b, "### %s dq: %s\n\n", icon, escape(name))
	summary := fmt.Sprintf("%d passed, %d failed, %d errored", passed, failed, errored)
	if r.Score != nil && !math.IsNaN(*r.Score) {
		summary += fmt.Sprintf(" — score %.2f", *r.Score)
	}
	if r.DataSource != nil && r.DataSource.Location != "" {
		summary += " — " + code(r.DataSource.Location)
	}
	b.WriteString("**" + summary + "**\n\n")
	if len(r.RuleResults) > 0 {
		b.WriteString("| Rule | Result | Rule text | Message |\n|---|---|---|---|\n")
		rows := make([]engine.RuleResult, len(r.RuleResults))
		copy(rows, r.RuleResults)
		rank := map[engine.Outcome]int{engine.Fail: 0, engine.Error: 1, engine.Pass: 2}
		sort.SliceStable(rows, func(i, j int) bool { return rank[rows[i].Result] < rank[rows[j].Result] })
		for _, rr := range rows {
			text := code(rr.Description)
			if rr.EvaluatedRule != "" && rr.EvaluatedRule != rr.Description {
				text += "<br>→ " + code(rr.EvaluatedRule)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", rr.Name, mark(rr.Result), text, escape(rr.EvaluationMessage))
		}
	}
	if len(r.Observations) > 0 {
		fmt.Fprintf(&b, "\n%d observation(s):\n\n", len(r.Observations))
		for _, o := range r.Observations {
			b.WriteString("- " + escape(o.Description) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mark(o engine.Outcome) string {
	switch o {
	case engine.Pass:
		return "✅ PASS"
	case engine.Fail:
		return "❌ FAIL"
	}
	return "⚠️ " + string(o)
}

// escape makes s literal text inside a table cell: Markdown punctuation is
// backslash-escaped (CommonMark allows it before any ASCII punctuation),
// so a message never turns into emphasis, a link, HTML or a new cell, and
// line breaks become <br>.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString("<br>")
		case r == '\r':
		case strings.ContainsRune("\\`*_[]<>|~&", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// code is s as an inline code span inside a table cell: the fence is one
// backtick longer than the longest run of backticks in s, and | is escaped
// because GFM splits cells before it parses code spans.
func code(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r", ""), "\n", " ")
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	pad := ""
	if longest > 0 || strings.HasPrefix(s, " ") {
		pad = " "
	}
	return fence + pad + strings.ReplaceAll(s, "|", `\|`) + pad + fence
}

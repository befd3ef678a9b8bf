// Package junit writes an evaluation result as JUnit XML, the test report
// format CI systems (GitHub Actions reporters, GitLab, Jenkins, Azure
// Pipelines, CircleCI) read: one testsuite per run, one testcase per rule.
// A FAIL rule is a <failure>, an ERROR rule an <error>, each carrying the
// rule's message; the evaluated rule and metrics go in the element's text.
// Analyzers are not tests and are left out.
package junit

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/dqlabs/dq/engine"
)

// The element and attribute names follow the de-facto JUnit schema
// (Jenkins' junit-10.xsd, which the CI readers above accept).
type testsuites struct {
	XMLName  xml.Name    `xml:"testsuites"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Suites   []testsuite `xml:"testsuite"`
}

type testsuite struct {
	Name       string     `xml:"name,attr"`
	Tests      int        `xml:"tests,attr"`
	Failures   int        `xml:"failures,attr"`
	Errors     int        `xml:"errors,attr"`
	Skipped    int        `xml:"skipped,attr"`
	Time       string     `xml:"time,attr"`
	Timestamp  string     `xml:"timestamp,attr,omitempty"`
	Properties []property `xml:"properties>property,omitempty"`
	Cases      []testcase `xml:"testcase"`
}

type property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type testcase struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Time      string   `xml:"time,attr"`
	Failure   *problem `xml:"failure,omitempty"`
	Error     *problem `xml:"error,omitempty"`
	SystemOut string   `xml:"system-out,omitempty"`
}

type problem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// Write encodes r as a JUnit XML document.
func Write(w io.Writer, r *engine.Result) error {
	if r == nil {
		return fmt.Errorf("junit: nil result")
	}
	name := r.RulesetName
	if name == "" {
		name = "ruleset"
	}
	secs := "0"
	if !r.StartedOn.IsZero() && r.CompletedOn.After(r.StartedOn) {
		secs = strconv.FormatFloat(r.CompletedOn.Sub(r.StartedOn).Seconds(), 'f', 3, 64)
	}
	suite := testsuite{Name: name, Time: secs}
	if !r.StartedOn.IsZero() {
		suite.Timestamp = r.StartedOn.UTC().Format("2006-01-02T15:04:05")
	}
	suite.Properties = append(suite.Properties, property{"ResultId", r.ResultID})
	if r.DataSource != nil && r.DataSource.Location != "" {
		suite.Properties = append(suite.Properties, property{"DataSource", r.DataSource.Location})
	}
	if r.Score != nil {
		suite.Properties = append(suite.Properties, property{"Score", strconv.FormatFloat(*r.Score, 'f', -1, 64)})
	}
	for _, rr := range r.RuleResults {
		tc := testcase{
			Name:      rr.Name + ": " + rr.Description,
			Classname: "dq." + name,
			Time:      "0",
			SystemOut: details(rr),
		}
		msg := rr.EvaluationMessage
		switch rr.Result {
		case engine.Pass:
		case engine.Fail:
			if msg == "" {
				msg = "the rule failed"
			}
			tc.Failure = &problem{Message: msg, Type: string(rr.Result), Text: msg}
			suite.Failures++
		default:
			if msg == "" {
				msg = "the rule could not be evaluated"
			}
			tc.Error = &problem{Message: msg, Type: string(rr.Result), Text: msg}
			suite.Errors++
		}
		suite.Tests++
		suite.Cases = append(suite.Cases, tc)
	}
	doc := testsuites{Name: "dq", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Time: secs, Suites: []testsuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// details is what a reader needs beyond the verdict: the rule as
// evaluated, its labels and metrics, one per line in a stable order.
func details(rr engine.RuleResult) string {
	var b strings.Builder
	if rr.EvaluatedRule != "" && rr.EvaluatedRule != rr.Description {
		fmt.Fprintf(&b, "evaluated: %s\n", rr.EvaluatedRule)
	}
	keys := make([]string, 0, len(rr.Labels))
	for k := range rr.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "label %s = %s\n", k, rr.Labels[k])
	}
	keys = keys[:0]
	for k := range rr.EvaluatedMetrics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = %s\n", k, strconv.FormatFloat(rr.EvaluatedMetrics[k], 'g', -1, 64))
	}
	return b.String()
}

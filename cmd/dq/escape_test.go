package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dqlabs/dq/engine"
)

// TestTerminalEscapesInData: a CSV header and values carrying terminal
// escape sequences (set the title, clear the screen) reach the table,
// profile and error output escaped, while the JSON result keeps the exact
// text (issue 15 #11).
func TestTerminalEscapesInData(t *testing.T) {
	dir := t.TempDir()
	title := "a\x1b]0;pwned\x07"
	data := writeFile(t, dir, "evil.csv", "\""+title+"\",b\n1,\x1b[2Jx\n,\x1b[2Jx\n", 0o644)
	rules := writeFile(t, dir, "r.dqdl", `Rules = [ IsComplete "`+title+`", ColumnValues "b" in ["y"], CustomSql "select count(*) from primary where \"nope`+"\x1b[5m"+`\" > 0" = 0 ]`, 0o644)

	raw := func(s string) bool { return strings.ContainsAny(s, "\x1b\x07") }
	r := runDQ(t, "", "eval", "--no-history", "--format", "table", rules, data)
	if r.code != exitFailed {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if raw(r.stdout) || raw(r.stderr) {
		t.Errorf("raw control characters in the table:\n%q\n%q", r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, `a\x1b]0;pwned\x07`) {
		t.Errorf("the column name is not shown escaped:\n%s", r.stdout)
	}

	// JSON is for programs: exact text.
	res, _ := evalJSON(t, exitFailed, "--no-history", rules, data)
	var found bool
	for k := range res.RuleResults[0].EvaluatedMetrics {
		found = found || k == "Column."+title+".Completeness"
	}
	if !found || res.RuleResults[0].Result != engine.Fail {
		t.Errorf("JSON lost the exact column name: %+v", res.RuleResults[0])
	}

	p := runDQ(t, "", "profile", data)
	if p.code != exitOK || raw(p.stdout) || raw(p.stderr) {
		t.Errorf("profile: exit %d, raw control characters:\n%q\n%q", p.code, p.stdout, p.stderr)
	}
	pj := runDQ(t, "", "profile", "--format", "json", data)
	var prof struct{ Columns []struct{ Name string } }
	if err := json.Unmarshal([]byte(pj.stdout), &prof); err != nil || len(prof.Columns) == 0 || prof.Columns[0].Name != title {
		t.Errorf("profile JSON: %v %+v", err, prof)
	}

	// Errors quoting data go to stderr escaped.
	bad := writeFile(t, dir, "bad.dqdl", "Rules = [ RowCount > \x1b[31m ]", 0o644)
	e := runDQ(t, "", "eval", "--no-history", bad, data)
	if e.code != exitInvalid || raw(e.stderr) {
		t.Errorf("invalid ruleset: exit %d, stderr %q", e.code, e.stderr)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dqlabs/dq/dqdl"
)

const quickstart = "../../testdata/rules/quickstart.dqdl"

// result is what one invocation of run produced.
type result struct {
	code           int
	stdout, stderr string
}

func runDQ(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// requireParser skips tests that need a working dqdl.Parse. The parser was
// written in parallel with this command; the skip keeps `make test` green
// on a tree that has only the parser's stub.
func requireParser(t *testing.T) {
	t.Helper()
	if _, err := dqdl.Parse("probe", "Rules = [ RowCount > 0 ]\n"); err != nil {
		t.Skipf("dqdl.Parse cannot parse a trivial ruleset yet: %v", err)
	}
}

func writeFile(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	// WriteFile's mode is subject to the umask; set it exactly.
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExitCodesAreInterface(t *testing.T) {
	// Scripts depend on these values; changing one is a breaking change.
	if exitOK != 0 || exitFailed != 1 || exitInvalid != 2 || exitCouldNotRun != 3 {
		t.Fatalf("exit codes changed: ok=%d failed=%d invalid=%d could-not-run=%d", exitOK, exitFailed, exitInvalid, exitCouldNotRun)
	}
}

// TestUsage covers argument handling that does not need the parser.
func TestUsage(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.dqdl")
	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantCode   int
		wantStdout string // substring
		wantStderr string // substring
	}{
		{name: "no command", args: nil, wantCode: 2, wantStderr: "expected one of"},
		{name: "unknown command", args: []string{"bogus"}, wantCode: 2, wantStderr: `Run "dq --help"`},
		{name: "unknown flag", args: []string{"--nope", "rules"}, wantCode: 2, wantStderr: "unknown flag --nope"},
		{name: "help", args: []string{"--help"}, wantCode: 0, wantStdout: "Usage: dq <command>"},
		{name: "command help", args: []string{"fmt", "--help"}, wantCode: 0, wantStdout: "Usage: dq fmt"},
		{name: "help wins over missing args", args: []string{"validate", "-h"}, wantCode: 0, wantStdout: "Usage: dq validate"},
		{name: "version command", args: []string{"version"}, wantCode: 0, wantStdout: "dq "},
		{name: "version flag", args: []string{"--version"}, wantCode: 0, wantStdout: "dq "},
		{name: "rules table", args: []string{"rules"}, wantCode: 0, wantStdout: "ColumnValues"},
		{name: "rules filter", args: []string{"rules", "ColumnLength"}, wantCode: 0, wantStdout: "dq extension"},
		{name: "rules unknown type", args: []string{"rules", "columnvalues"}, wantCode: 2, wantStderr: `unknown rule type "columnvalues"`},
		{name: "rules bad format", args: []string{"rules", "--format", "xml"}, wantCode: 2, wantStderr: "--format must be one of"},
		{name: "validate needs a file", args: []string{"validate"}, wantCode: 2, wantStderr: "expected"},
		{name: "validate bad format", args: []string{"validate", "--format", "yaml", "x.dqdl"}, wantCode: 2, wantStderr: "--format must be one of"},
		{name: "validate missing file", args: []string{"validate", missing}, wantCode: 2, wantStderr: "no such file"},
		{name: "fmt missing file", args: []string{"fmt", missing}, wantCode: 2, wantStderr: "no such file"},
		{name: "fmt -w on stdin", args: []string{"fmt", "-w"}, wantCode: 2, wantStderr: "-w needs a file"},
		{name: "fmt -w on explicit stdin", args: []string{"fmt", "-w", "-"}, wantCode: 2, wantStderr: "-w needs a file"},
		{name: "fmt prints one file", args: []string{"fmt", missing, missing}, wantCode: 2, wantStderr: "use -w (rewrite them) or --check"},
		{name: "fmt invalid stdin", args: []string{"fmt"}, stdin: "Rules = [ RowCount >", wantCode: 2, wantStderr: "<stdin>:1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runDQ(t, tt.stdin, tt.args...)
			if r.code != tt.wantCode {
				t.Errorf("exit code = %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.wantCode, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, tt.wantStdout) {
				t.Errorf("stdout does not contain %q:\n%s", tt.wantStdout, r.stdout)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantStderr, r.stderr)
			}
		})
	}
}

func TestRulesFilterKeepsOnlyNamedTypes(t *testing.T) {
	r := runDQ(t, "", "rules", "FileSize")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got := strings.Count(r.stdout, "FileSize"); got != 2 { // both overloads
		t.Errorf("FileSize rows = %d, want 2:\n%s", got, r.stdout)
	}
	if strings.Contains(r.stdout, "RowCount") {
		t.Errorf("unrequested type listed:\n%s", r.stdout)
	}
}

func TestRulesJSON(t *testing.T) {
	r := runDQ(t, "", "rules", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	// The key set is an interface: decode loosely to catch renames.
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, r.stdout)
	}
	if len(raw) != len(dqdl.RuleTypes()) {
		t.Errorf("%d entries, want one per registry entry (%d)", len(raw), len(dqdl.RuleTypes()))
	}
	wantKeys := []string{"analyzerOnly", "conditions", "description", "experimental", "name", "parameters",
		"returnType", "rowLevelCompositeExcluded", "scope", "threshold", "where"}
	for _, m := range raw {
		var keys []string
		for k := range m {
			if k != "extension" { // present only on extensions
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		if !slices.Equal(keys, wantKeys) {
			t.Fatalf("keys = %v, want %v", keys, wantKeys)
		}
	}

	var types []ruleTypeJSON
	if err := json.Unmarshal([]byte(r.stdout), &types); err != nil {
		t.Fatal(err)
	}
	byName := map[string]ruleTypeJSON{}
	for _, rt := range types {
		if rt.Parameters == nil || rt.Conditions == nil {
			t.Errorf("%s: parameters and conditions must be arrays, never null", rt.Name)
		}
		byName[rt.Name] = rt
	}
	checks := []struct {
		name       string
		conditions []string
	}{
		{"RowCount", []string{"number"}},
		{"IsComplete", []string{"none"}},
		{"ColumnDataType", []string{"string"}},
		{"CustomSql", []string{"number", "none"}},
		{"ColumnValues", []string{"string", "number", "date"}},
		{"DataFreshness", []string{"duration"}},
		{"AllStatistics", []string{}},
	}
	for _, c := range checks {
		if got := byName[c.name].Conditions; !slices.Equal(got, c.conditions) {
			t.Errorf("%s conditions = %v, want %v", c.name, got, c.conditions)
		}
	}
	if cl := byName["ColumnLength"]; !cl.Threshold || cl.Extension == "" {
		t.Errorf("ColumnLength should accept a threshold as a documented extension: %+v", cl)
	}
	if u := byName["Uniqueness"]; len(u.Parameters) != 1 || !u.Parameters[0].VarArg {
		t.Errorf("Uniqueness should take one var-arg parameter: %+v", u.Parameters)
	}
}

func TestConditionKindsCoverRegistry(t *testing.T) {
	// Every return type in the registry must map to known condition kinds,
	// so that the table never shows a raw return type.
	known := map[string]bool{"number": true, "string": true, "date": true, "duration": true, "size": true, "none": true}
	for _, rt := range dqdl.RuleTypes() {
		for _, k := range conditionKinds(rt) {
			if !known[k] {
				t.Errorf("%s: return type %q maps to unknown condition kind %q", rt.Name, rt.ReturnType, k)
			}
		}
	}
}

func TestValidateJSONShape(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.dqdl", "Rules = [ RowCount >", 0o644)
	missing := filepath.Join(dir, "missing.dqdl")

	r := runDQ(t, "", "validate", "--format", "json", bad, missing)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2; stderr: %s", r.code, r.stderr)
	}
	if r.stderr != "" {
		t.Errorf("json mode must keep stderr clean for machine readers, got:\n%s", r.stderr)
	}
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, r.stdout)
	}
	if len(raw) != 2 {
		t.Fatalf("%d reports, want 2", len(raw))
	}
	for _, m := range raw {
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if want := []string{"analyzers", "diagnostics", "file", "rules", "valid"}; !slices.Equal(keys, want) {
			t.Fatalf("report keys = %v, want %v", keys, want)
		}
		var diags []map[string]json.RawMessage
		if err := json.Unmarshal(m["diagnostics"], &diags); err != nil || len(diags) == 0 {
			t.Fatalf("diagnostics = %s (%v), want a non-empty array", m["diagnostics"], err)
		}
		for _, d := range diags {
			var dk []string
			for k := range d {
				dk = append(dk, k)
			}
			slices.Sort(dk)
			if want := []string{"column", "line", "message", "offset", "severity"}; !slices.Equal(dk, want) {
				t.Fatalf("diagnostic keys = %v, want %v", dk, want)
			}
		}
	}

	var reports []validateReport
	if err := json.Unmarshal([]byte(r.stdout), &reports); err != nil {
		t.Fatal(err)
	}
	if b := reports[0]; b.File != bad || b.Valid || b.Diagnostics[0].Line < 1 || b.Diagnostics[0].Column < 1 || b.Diagnostics[0].Severity != "error" {
		t.Errorf("invalid file report = %+v", b)
	}
	if m := reports[1]; m.File != missing || m.Valid || m.Diagnostics[0].Line != 0 || !strings.Contains(m.Diagnostics[0].Message, "no such file") {
		t.Errorf("unreadable file report = %+v; want line 0 and the OS error", m)
	}
}

func TestValidateText(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.dqdl", "Rules = [\n    RowCount > 0,\n    Completness \"a\" > 0.5\n]\n", 0o644)

	r := runDQ(t, "", "validate", quickstart, bad)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2 (one file is invalid)\nstderr: %s", r.code, r.stderr)
	}
	if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(bad) + `:3:5: `).MatchString(r.stderr) {
		t.Errorf("want a file:line:col diagnostic for the misspelt rule type, stderr:\n%s", r.stderr)
	}
	if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(quickstart) + `: ok \(\d+ rules, \d+ analyzers`).MatchString(r.stdout) {
		t.Errorf("want an ok summary for the quick-start ruleset, stdout:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, bad+": invalid (1 error)") {
		t.Errorf("want an invalid summary for bad.dqdl, stdout:\n%s", r.stdout)
	}

	q := runDQ(t, "", "--quiet", "validate", quickstart)
	if q.code != 0 || q.stdout != "" {
		t.Errorf("--quiet on a valid file: exit %d, stdout %q; want 0 and nothing", q.code, q.stdout)
	}
}

func TestValidateQuickstartJSON(t *testing.T) {
	requireParser(t)
	r := runDQ(t, "", "validate", "--format", "json", quickstart)
	if r.code != 0 {
		t.Fatalf("quick-start ruleset is invalid (exit %d):\n%s%s", r.code, r.stdout, r.stderr)
	}
	var reports []validateReport
	if err := json.Unmarshal([]byte(r.stdout), &reports); err != nil {
		t.Fatal(err)
	}
	if len(reports) != 1 || !reports[0].Valid || reports[0].Rules == 0 || reports[0].Analyzers == 0 || len(reports[0].Diagnostics) != 0 {
		t.Errorf("report = %+v; want valid, with rules and analyzers, no diagnostics", reports)
	}
}

// trailing holds text after the last section, which Glue silently ignores
// and dq reports as a warning.
const trailing = "Rules = [ RowCount > 0 ]\n] IsComplete \"id\"\n"

func TestStrict(t *testing.T) {
	requireParser(t)
	if rs, err := dqdl.Parse("x", trailing); err != nil || len(rs.Warnings) == 0 {
		t.Fatalf("the library no longer warns on trailing text (err=%v); pick another warning for this test", err)
	}
	dir := t.TempDir()
	f := writeFile(t, dir, "trailing.dqdl", trailing, 0o644)

	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantCode   int
		wantStderr string
	}{
		{"validate warns", []string{"validate", f}, "", 0, f + ":2:1: warning: "},
		{"validate strict", []string{"validate", "--strict", f}, "", 2, f + ":2:1: "},
		{"fmt warns", []string{"fmt", f}, "", 0, "warning: "},
		{"fmt strict", []string{"fmt", "--strict", "-"}, trailing, 2, "<stdin>:2:1: "},
		{"quiet hides warnings", []string{"-q", "validate", f}, "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runDQ(t, tt.stdin, tt.args...)
			if r.code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, tt.wantCode, r.stderr)
			}
			if tt.wantStderr == "" && r.stderr != "" {
				t.Errorf("stderr = %q, want nothing", r.stderr)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantStderr, r.stderr)
			}
			if tt.wantCode == 2 && strings.Contains(r.stderr, "warning:") {
				t.Errorf("--strict should report warnings as errors:\n%s", r.stderr)
			}
		})
	}
}

func TestFmtStdin(t *testing.T) {
	requireParser(t)
	src, err := os.ReadFile(quickstart)
	if err != nil {
		t.Fatal(err)
	}
	r := runDQ(t, string(src), "fmt")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if _, err := dqdl.Parse("out", r.stdout); err != nil {
		t.Fatalf("formatted output does not parse: %v\n%s", err, r.stdout)
	}
	// Canonical means a fixed point: formatting the output changes nothing.
	again := runDQ(t, r.stdout, "fmt", "-")
	if again.stdout != r.stdout {
		t.Errorf("fmt is not idempotent:\nfirst:\n%s\nsecond:\n%s", r.stdout, again.stdout)
	}
}

func TestFmtWrite(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	messy := "Rules=[RowCount>0,\n  IsComplete   \"id\"]\n"
	f := writeFile(t, dir, "messy.dqdl", messy, 0o640)

	want := runDQ(t, messy, "fmt").stdout
	r := runDQ(t, "", "fmt", "-w", f)
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("fmt -w: exit %d, stdout %q, stderr %q; want 0 and no output", r.code, r.stdout, r.stderr)
	}
	got, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("file after -w:\n%s\nwant what fmt prints:\n%s", got, want)
	}
	fi, err := os.Stat(f)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640 kept", fi.Mode().Perm())
	}
	assertOnlyFiles(t, dir, "messy.dqdl")
}

func TestFmtWriteInvalidLeavesFileAlone(t *testing.T) {
	dir := t.TempDir()
	bad := "Rules = [ RowCount >"
	f := writeFile(t, dir, "bad.dqdl", bad, 0o600)

	r := runDQ(t, "", "fmt", "-w", f)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2", r.code)
	}
	if !strings.HasPrefix(r.stderr, f+":1:") {
		t.Errorf("stderr should start with %s:1:, got:\n%s", f, r.stderr)
	}
	if got, _ := os.ReadFile(f); string(got) != bad {
		t.Errorf("invalid file was modified: %q", got)
	}
	assertOnlyFiles(t, dir, "bad.dqdl")
}

func TestWriteFileAtomicFollowsSymlinks(t *testing.T) {
	dir := t.TempDir()
	target := writeFile(t, dir, "real.dqdl", "old", 0o604)
	link := filepath.Join(dir, "link.dqdl")
	if err := os.Symlink("real.dqdl", link); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
	if err := writeFileAtomic(link, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(target); string(got) != "new" {
		t.Errorf("target = %q, want new", got)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("link was replaced by a regular file (%v)", err)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o604 {
		t.Errorf("mode = %v, want 0604", fi.Mode().Perm())
	}
	assertOnlyFiles(t, dir, "link.dqdl", "real.dqdl")
}

// assertOnlyFiles fails if dir holds anything but names, e.g. a temporary
// file left behind by an atomic write.
func assertOnlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(names)
	if !slices.Equal(got, names) {
		t.Errorf("directory holds %v, want %v", got, names)
	}
}

// A new file is created 0644; /dev/null (a device) is written in place
// rather than replaced, so `-o /dev/null` works; a directory is refused.
func TestWriteFileAtomicNewDeviceDirectory(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "new.json")
	if err := writeFileAtomic(p, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("new file: %v, mode %v, want 0644", err, fi.Mode().Perm())
	}
	if err := writeFileAtomic(os.DevNull, []byte("discarded")); err != nil {
		t.Errorf("writing %s: %v", os.DevNull, err)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode().IsRegular() {
		t.Fatalf("%s was replaced by a regular file", os.DevNull)
	}
	if err := writeFileAtomic(dir, []byte("x")); err == nil {
		t.Error("writing over a directory succeeded")
	}
	assertOnlyFiles(t, dir, "new.json")
}

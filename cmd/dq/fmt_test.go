package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dqlabs/dq/dqdl"
)

// A second Rules block is an error for fmt -w (exit 2, file untouched,
// the reason named) and for eval; other text after the last section is kept
// by fmt as written.
func TestFmtNeverDeletesText(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	twice := "Rules = [\n    RowCount > 0\n]\n\n# more checks\nRules = [\n    IsComplete \"id\"\n]\n"
	f := writeFile(t, dir, "twice.dqdl", twice, 0o644)
	r := runDQ(t, "", "fmt", "-w", f)
	if r.code != 2 || !strings.Contains(r.stderr, f+":6:1: a second Rules section (the first is at line 1)") {
		t.Errorf("fmt -w of two Rules sections: exit %d\n%s", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(f); string(got) != twice {
		t.Errorf("file changed:\n%s", got)
	}
	data := writeFile(t, dir, "d.csv", "id\n1\n", 0o644)
	r = runDQ(t, "", "eval", "--no-history", "--format", "json", f, data)
	if r.code != 2 || !strings.Contains(r.stderr, "second Rules section") || r.stdout != "" {
		t.Errorf("eval of two Rules sections: exit %d, stdout %q\n%s", r.code, r.stdout, r.stderr)
	}

	junk := "Rules = [ RowCount > 0 ] # the check\n]\nleft over  # why\n  \"text\" ,\n"
	f = writeFile(t, dir, "junk.dqdl", junk, 0o644)
	r = runDQ(t, "", "fmt", "-w", f)
	if r.code != 0 || !strings.Contains(r.stderr, f+":2:1: warning: text after the last section is ignored") {
		t.Fatalf("fmt -w with trailing text: exit %d\n%s", r.code, r.stderr)
	}
	want := "Rules = [\n    RowCount > 0\n]\n\n# the check\n]\nleft over  # why\n  \"text\" ,\n"
	if got, _ := os.ReadFile(f); string(got) != want {
		t.Errorf("after fmt -w:\n%s\nwant:\n%s", got, want)
	}
}

func TestFmtCheck(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	messy := "# header\nRules=[RowCount>0,\n  IsComplete   \"id\", ColumnValues \"c\" in [ \"a\", \"b\" ]]\n"
	f := writeFile(t, dir, "messy.dqdl", messy, 0o644)
	r := runDQ(t, "", "fmt", "--check", f)
	if r.code != 1 || !strings.Contains(r.stderr, "1 file not formatted") {
		t.Fatalf("--check: exit %d\n%s", r.code, r.stderr)
	}
	wantDiff := "--- " + f + " (as written)\n+++ " + f + " (formatted)\n" +
		"@@ -1,3 +1,6 @@\n # header\n-Rules=[RowCount>0,\n-  IsComplete   \"id\", ColumnValues \"c\" in [ \"a\", \"b\" ]]\n" +
		"+Rules = [\n+    RowCount > 0,\n+    IsComplete \"id\",\n+    ColumnValues \"c\" in [\"a\",\"b\"]\n+]\n"
	if r.stdout != wantDiff {
		t.Errorf("diff:\n%s\nwant:\n%s", r.stdout, wantDiff)
	}
	if got, _ := os.ReadFile(f); string(got) != messy {
		t.Error("--check changed the file")
	}
	// The diff is a real patch: applied to the file it gives fmt's output.
	if _, err := exec.LookPath("patch"); err == nil {
		cmd := exec.Command("patch", "-s", "-o", filepath.Join(dir, "patched"), f)
		cmd.Stdin = strings.NewReader(r.stdout)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("patch: %v\n%s", err, out)
		}
		got, _ := os.ReadFile(filepath.Join(dir, "patched"))
		if want := runDQ(t, "", "fmt", f).stdout; string(got) != want {
			t.Errorf("patched file:\n%s\nwant:\n%s", got, want)
		}
	}
	runDQ(t, "", "fmt", "-w", f)
	if r := runDQ(t, "", "fmt", "--check", f); r.code != 0 || r.stdout != "" {
		t.Errorf("--check of a formatted file: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
	if r := runDQ(t, "", "fmt", "--check", "-w", f); r.code != 2 {
		t.Errorf("--check -w: exit %d", r.code)
	}
}

// unifiedDiff's hunks are checked by patch(1) on many edits: far-apart
// changes make separate hunks, close ones merge, and a missing final
// newline is marked.
func TestUnifiedDiffAppliesWithPatch(t *testing.T) {
	if _, err := exec.LookPath("patch"); err != nil {
		t.Skip("patch(1) not installed")
	}
	var lines []string
	for i := 0; i < 40; i++ {
		lines = append(lines, "line "+strings.Repeat("x", i%5))
	}
	a := strings.Join(lines, "\n") + "\n"
	edits := []func([]string) []string{
		func(l []string) []string { l[0] = "changed"; return l },
		func(l []string) []string { l[20] = "mid"; l[22] = "mid2"; return l },
		func(l []string) []string { return append(l[:5:5], l[15:]...) },
		func(l []string) []string { return append([]string{"new first"}, l...) },
		func(l []string) []string { l[39] = "last"; l[2] = "third"; return l },
		func(l []string) []string { return nil },
	}
	dir := t.TempDir()
	for k, edit := range edits {
		b := strings.Join(edit(append([]string(nil), lines...)), "\n")
		if k%2 == 0 && b != "" {
			b += "\n"
		}
		orig := writeFile(t, dir, "a", a, 0o644)
		d := unifiedDiff("a", "b", a, b)
		cmd := exec.Command("patch", "-s", "-o", filepath.Join(dir, "out"), orig)
		cmd.Stdin = strings.NewReader(d)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("edit %d: patch: %v\n%s\n%s", k, err, out, d)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "out")); string(got) != b {
			t.Errorf("edit %d: patched %q, want %q\n%s", k, got, b, d)
		}
	}
	if unifiedDiff("a", "b", a, a) != "" {
		t.Error("equal texts must give no diff")
	}
}

// fmt -w and validate take directories: every **/*.dqdl below, hidden
// directories skipped.
func TestFmtAndValidateDirectories(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	for _, d := range []string{"a/b", ".git", "empty"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	messy := "Rules=[RowCount>0]"
	one := writeFile(t, dir, "one.dqdl", messy, 0o644)
	deep := writeFile(t, filepath.Join(dir, "a/b"), "deep.DQDL", messy, 0o644)
	hidden := writeFile(t, filepath.Join(dir, ".git"), "x.dqdl", messy, 0o644)
	other := writeFile(t, dir, "notes.txt", messy, 0o644)
	r := runDQ(t, "", "fmt", "--check", dir)
	if r.code != 1 || !strings.Contains(r.stderr, "2 files not formatted") || !strings.Contains(r.stdout, "+++ "+deep) {
		t.Fatalf("--check dir: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runDQ(t, "", "fmt", "-w", dir, filepath.Join(dir, "empty")); r.code != 0 || !strings.Contains(r.stderr, "no *.dqdl files under "+filepath.Join(dir, "empty")) {
		t.Fatalf("fmt -w: %d %s", r.code, r.stderr)
	}
	for f, want := range map[string]string{one: "Rules = [\n    RowCount > 0\n]\n", deep: "Rules = [\n    RowCount > 0\n]\n", hidden: messy, other: messy} {
		if got, _ := os.ReadFile(f); string(got) != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
	// A quoted glob: ** matches any depth (the hidden directory is skipped).
	r = runDQ(t, "", "validate", filepath.Join(dir, "**", "*.DQDL"), filepath.Join(dir, "nothing*.dqdl"))
	if r.code != 0 || r.stdout != deep+": ok (1 rule, 0 analyzers)\n" || !strings.Contains(r.stderr, "no files match "+filepath.Join(dir, "nothing*.dqdl")) {
		t.Errorf("validate glob: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if got, err := globFiles(filepath.Join(dir, "**", "*.dqdl")); err != nil || len(got) != 1 || got[0] != one {
		t.Errorf("globFiles: %v %v", got, err)
	}
	writeFile(t, filepath.Join(dir, "a"), "bad.dqdl", "Rules = [", 0o644)
	r = runDQ(t, "", "validate", dir)
	if r.code != 2 || !strings.Contains(r.stdout, deep+": ok (1 rule") || !strings.Contains(r.stdout, filepath.Join(dir, "a", "bad.dqdl")+": invalid") {
		t.Errorf("validate dir: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestShippedRulesetsAreCanonical: every ruleset in the repository and every
// DQDL example in the README (fenced as ```dqdl) is in canonical form, so
// that what users copy is what dq fmt writes.
func TestShippedRulesetsAreCanonical(t *testing.T) {
	requireParser(t)
	r := runDQ(t, "", "fmt", "--check", "../../testdata", "../../examples")
	if r.code != 0 {
		t.Errorf("shipped rulesets are not canonical (run dq fmt -w testdata):\n%s%s", r.stdout, r.stderr)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var dqdlBlocks int
	for _, b := range fencedBlocks(string(readme)) {
		if b.lang == "" {
			// A plain block that looks like a ruleset must be fenced as dqdl (or
			// be an excerpt, marked with ⋮), so that this test sees it.
			if regexp.MustCompile(`(?m)^(Rules|Analyzers|Metadata|DataSources|DefaultLabels) = `).MatchString(b.text) && !strings.Contains(b.text, "⋮") {
				t.Errorf("README line %d: a ruleset not fenced as ```dqdl:\n%s", b.line, b.text)
			}
		}
		if b.lang != "dqdl" {
			continue
		}
		dqdlBlocks++
		rs, err := dqdl.Parse("README.md", b.text)
		if err != nil {
			t.Errorf("README line %d: example does not parse: %v\n%s", b.line, err, b.text)
			continue
		}
		if got := rs.String(); got != b.text {
			t.Errorf("README line %d: example is not canonical:\n%s", b.line, unifiedDiff("README", "formatted", b.text, got))
		}
	}
	if dqdlBlocks < 3 {
		t.Errorf("found %d ```dqdl blocks in the README", dqdlBlocks)
	}
}

type fenced struct {
	lang, text string
	line       int // of the opening fence
}

// fencedBlocks returns the fenced code blocks of a Markdown text.
func fencedBlocks(md string) []fenced {
	var out []fenced
	var cur *fenced
	for i, l := range strings.Split(md, "\n") {
		switch {
		case cur == nil && strings.HasPrefix(l, "```"):
			cur = &fenced{lang: strings.TrimPrefix(l, "```"), line: i + 1}
		case cur != nil && l == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += l + "\n"
		}
	}
	return out
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSymlinkedDataFiles: a symlink inside a data directory may point
// anywhere; it is skipped with a note unless --follow-symlinks (issue 15 #3).
func TestSymlinkedDataFiles(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	outside := filepath.Join(dir, "outside")
	for _, d := range []string{data, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, data, "a.csv", "id\n1\n2\n", 0o644)
	secret := writeFile(t, outside, "secret.csv", "id\n7\n8\n9\n", 0o644)
	if err := os.Symlink(secret, filepath.Join(data, "link.csv")); err != nil {
		t.Fatal(err)
	}
	// A link to a directory is never followed.
	if err := os.Symlink(outside, filepath.Join(data, "more")); err != nil {
		t.Fatal(err)
	}
	two := writeFile(t, dir, "two.dqdl", "Rules = [ RowCount = 2 ]", 0o644)
	five := writeFile(t, dir, "five.dqdl", "Rules = [ RowCount = 5 ]", 0o644)

	_, r := evalJSON(t, 0, "--no-history", two, data)
	if !strings.Contains(r.stderr, "dq: note: "+data+": skipped 2 symbolic link(s): "+filepath.Join(data, "link.csv")+", "+filepath.Join(data, "more")) ||
		!strings.Contains(r.stderr, "--follow-symlinks") {
		t.Errorf("no note about the skipped links:\n%s", r.stderr)
	}
	// -q silences the note, not the verdict.
	if r := runDQ(t, "", "-q", "eval", "--format", "json", "--no-history", two, data); r.code != 0 || strings.Contains(r.stderr, "note") {
		t.Errorf("-q: exit %d, stderr %q", r.code, r.stderr)
	}
	// A glob skips links too.
	evalJSON(t, 0, "--no-history", two, filepath.Join(data, "*.csv"))
	// --follow-symlinks reads the linked file (3 more rows), still not the
	// linked directory.
	_, r = evalJSON(t, 0, "--no-history", "--follow-symlinks", five, data)
	if !strings.Contains(r.stderr, "skipped 1 symbolic link(s): "+filepath.Join(data, "more")) {
		t.Errorf("the directory link is not noted:\n%s", r.stderr)
	}
	// The same for the commands that only read data.
	if r := runDQ(t, "", "profile", "--format", "json", data); r.code != 0 || !strings.Contains(r.stdout, `"rows": 2,`) || !strings.Contains(r.stderr, "skipped 2 symbolic link(s)") {
		t.Errorf("profile: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runDQ(t, "", "profile", "--format", "json", "--follow-symlinks", data); r.code != 0 || !strings.Contains(r.stdout, `"rows": 5,`) {
		t.Errorf("profile --follow-symlinks: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runDQ(t, "", "recommend", "--follow-symlinks", data); r.code != 0 || !strings.Contains(r.stdout, "RowCount") {
		t.Errorf("recommend --follow-symlinks: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runDQ(t, "", "explain", "--follow-symlinks", five, data); r.code != 0 {
		t.Errorf("explain --follow-symlinks: exit %d\n%s", r.code, r.stderr)
	}
	// A link named directly is the user's choice and is read.
	evalJSON(t, 0, "--no-history", writeFile(t, dir, "three.dqdl", "Rules = [ RowCount = 3 ]", 0o644), filepath.Join(data, "link.csv"))
}

// TestOutputsNeverOverwriteInputs: no output path may name a file the run
// reads, however it is spelled (issue 15 #1). Each refused run exits 2
// before reading anything, names both paths, and leaves the victim as it was.
func TestOutputsNeverOverwriteInputs(t *testing.T) {
	requireParser(t)
	dir, data := fixture(t)
	dataDir := filepath.Dir(data)
	rules := writeFile(t, dir, "rules.dqdl", "Rules = [ RowCount = 4 ]", 0o644)
	ref := writeFile(t, dir, "ref.csv", "id\n1\n", 0o644)
	catalog := writeFile(t, dir, "catalog.json", `{"sales.ids": "ref.csv"}`, 0o644)
	store := filepath.Join(dir, "history.duckdb")
	link := filepath.Join(dir, "link.parquet")
	if err := os.Symlink(data, link); err != nil {
		t.Fatal(err)
	}
	dirLink := filepath.Join(dir, "datalink")
	if err := os.Symlink(dataDir, dirLink); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.parquet")
	if err := os.Link(data, hard); err != nil {
		t.Fatal(err)
	}
	// A first run creates the history store.
	evalJSON(t, 0, "--history", store, rules, data)

	snapshot := func() map[string]string {
		m := map[string]string{}
		for _, f := range []string{data, rules, ref, catalog, store} {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m[f] = string(b)
		}
		return m
	}
	before := snapshot()
	base := []string{"eval", "--format", "json", "--history", store}
	tests := []struct {
		name string
		args []string
		want string // in the message, besides the output's path
	}{
		{"-o the data", []string{"-o", data, rules, data}, "would overwrite the data being checked (" + data + ")"},
		{"-o a symlink to the data", []string{"-o", link, rules, data}, "would overwrite the data being checked"},
		{"-o the data named through a symlink", []string{"-o", data, rules, link}, "would overwrite the data being checked"},
		{"-o a hard link to the data", []string{"-o", hard, rules, data}, "would overwrite the data being checked"},
		{"-o with ..", []string{"-o", filepath.Join(dataDir, "x", "..", "trips.parquet"), rules, data}, "would overwrite the data being checked"},
		{"-o a file of a data directory", []string{"-o", filepath.Join(dirLink, "trips.parquet"), rules, dataDir}, "would overwrite the data being checked (" + data + ")"},
		{"-o a file a glob reads", []string{"-o", data, rules, filepath.Join(dataDir, "*.parquet")}, "would overwrite the data being checked"},
		{"--rows-out the data", []string{"--rows-out", data, rules, data}, "would overwrite the data being checked"},
		{"--rows-out inside the data directory", []string{"--rows-out", filepath.Join(dirLink, "rows.parquet"), rules, dataDir}, "is inside the data being checked (" + dataDir + "): the next run would read it as data"},
		{"--rows-out matching the data glob", []string{"--rows-out", filepath.Join(dataDir, "rows.parquet"), rules, filepath.Join(dir, "*", "*.parquet")}, "the next run would read it as data"},
		{"--rows-out a reference", []string{"--rows-out", ref, "--ref", "ids=" + ref, rules, data}, "would overwrite the reference ids (" + ref + ")"},
		{"-o the ruleset", []string{"-o", rules, rules, data}, "would overwrite the ruleset (" + rules + ")"},
		{"-o the catalog", []string{"-o", catalog, "--catalog", catalog, rules, data}, "would overwrite the catalog (" + catalog + ")"},
		{"-o a catalog table", []string{"-o", ref, "--catalog", catalog, rules, data}, "would overwrite a catalog table (" + ref + ")"},
		{"-o the history store", []string{"-o", store, rules, data}, "would overwrite the history store (" + store + ")"},
		{"-o the history store not yet created", []string{"-o", filepath.Join(dir, "new.duckdb"), "--history", filepath.Join(dir, "new.duckdb"), rules, data}, "would overwrite the history store"},
		{"--results inside the data directory", []string{"--results", filepath.Join(dataDir, "results"), rules, dataDir}, "is inside the data being checked"},
		{"-o inside the spool", []string{"--results", filepath.Join(dir, "results"), "--spool", filepath.Join(dir, "spool"), "-o", filepath.Join(dir, "spool", "r.json"), rules, data}, "is inside the spool directory"},
		{"-o and --rows-out the same file", []string{"-o", filepath.Join(dir, "out"), "--rows-out", filepath.Join(dir, "out"), rules, data}, "-o and --rows-out name the same file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runDQ(t, "", append(base, tt.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
				t.Errorf("exit %d, want 2 with %q\nstdout: %s\nstderr: %s", r.code, tt.want, r.stdout, r.stderr)
			}
			for f, b := range snapshot() {
				if before[f] != b {
					t.Fatalf("%s was changed", f)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "spool")); err == nil {
		t.Error("a refused run created the spool")
	}

	// Not over-eager: outputs beside the data, or a file the glob does not
	// read, are fine.
	evalJSON(t, 0, "--no-history", "-o", filepath.Join(dataDir, "result.json"), "--rows-out", filepath.Join(dataDir, "rows.pq.out"), rules, filepath.Join(dataDir, "*.parquet"))
	evalJSON(t, 0, "--no-history", "--rows-out", filepath.Join(dir, "rows.parquet"), rules, data)

	// recommend -o must not replace the data it profiles.
	csv := writeFile(t, dir, "d.csv", "id\n1\n2\n", 0o644)
	if r := runDQ(t, "", "recommend", "-o", csv, csv); r.code != 2 || !strings.Contains(r.stderr, "-o "+csv+" would overwrite the data being profiled") {
		t.Errorf("recommend -o the data: exit %d\n%s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(csv); string(b) != "id\n1\n2\n" {
		t.Errorf("recommend overwrote its data: %q", b)
	}
}

// TestFileRulesScopedFromCLI: a ruleset cannot read /etc/passwd through File
// rules unless --allow-path says so, and never a device (issue 15 #7).
func TestFileRulesScopedFromCLI(t *testing.T) {
	requireParser(t)
	dir, data := fixture(t)
	writeFile(t, filepath.Dir(data), "manifest.txt", "abc", 0o644)
	other := t.TempDir()
	writeFile(t, other, "secret.txt", "s3cr3t", 0o644)
	secret := filepath.Join(other, "secret.txt")
	rules := writeFile(t, dir, "files.dqdl", `Rules = [
		FileSize "`+filepath.Join(filepath.Dir(data), "manifest.txt")+`" = 3 B,
		FileMatch "`+secret+`" in ["x"] with hashAlgorithm = "MD5",
		FileSize "/dev/zero" > 0 B
	]`, 0o644)
	res, _ := evalJSON(t, 1, "--no-history", rules, data)
	want := []struct{ result, msg string }{
		{"PASS", ""},
		{"ERROR", secret + " is outside the places File rules may read (only under " + filepath.Dir(data) + "); allow more with --allow-path DIR"},
		{"ERROR", "/dev/zero is outside the places File rules may read"},
	}
	for i, w := range want {
		got := res.RuleResults[i]
		if string(got.Result) != w.result || !strings.HasPrefix(got.EvaluationMessage, w.msg) {
			t.Errorf("rule %d: %s %q, want %s %q", i, got.Result, got.EvaluationMessage, w.result, w.msg)
		}
	}
	// Allowed, the secret is read (and its MD5 does not match "x"); /dev
	// still holds no regular file.
	res, _ = evalJSON(t, 1, "--no-history", "--allow-path", other, "--allow-path", "/dev", rules, data)
	if got := res.RuleResults[1]; got.Result != "FAIL" || !strings.Contains(got.EvaluationMessage, "MD5 ") {
		t.Errorf("allowed: %s %q", got.Result, got.EvaluationMessage)
	}
	if got := res.RuleResults[2]; got.Result != "ERROR" || !strings.Contains(got.EvaluationMessage, "/dev/zero is not a regular file") {
		t.Errorf("/dev/zero: %s %q", got.Result, got.EvaluationMessage)
	}
	if r := runDQ(t, "", "eval", "--no-history", "--allow-path", filepath.Join(dir, "nope"), rules, data); r.code != 2 || !strings.Contains(r.stderr, "--allow-path") {
		t.Errorf("missing --allow-path dir: exit %d %s", r.code, r.stderr)
	}
}

// TestHistoryPathIsPlain: --history 'h.duckdb?access_mode=read_only' is a
// file of that name, not DuckDB options (issue 15 #13).
func TestHistoryPathIsPlain(t *testing.T) {
	requireParser(t)
	dir, data := fixture(t)
	rules := writeFile(t, dir, "rules.dqdl", "Rules = [ RowCount = 4 ]", 0o644)
	store := filepath.Join(dir, "h.duckdb?access_mode=read_only")
	evalJSON(t, 0, "--history", store, "--dataset-id", "d", rules, data)
	evalJSON(t, 0, "--history", store, "--dataset-id", "d", rules, data)
	if _, err := os.Stat(filepath.Join(dir, "h.duckdb")); err == nil {
		t.Error("the store was created under the name before the ?")
	}
	r := runDQ(t, "", "history", "list", "--history", store, "--format", "json")
	if r.code != 0 || strings.Count(r.stdout, `"ResultId"`) != 2 {
		t.Errorf("history list: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestRowsOutAtomicFromCLI: --rows-out never touches DuckDB's staging name
// tmp_<name> beside the target, replaces an existing file whole, and writes
// through a symlink to the file it points to (issue 15 #2).
func TestRowsOutAtomicFromCLI(t *testing.T) {
	requireParser(t)
	dir, data := fixture(t)
	rules := writeFile(t, dir, "rows.dqdl", rulesRowLevel, 0o644)
	out := t.TempDir()
	target := writeFile(t, out, "rows.parquet", "old", 0o640)
	neighbour := writeFile(t, out, "tmp_rows.parquet", "not dq's", 0o644)
	evalJSON(t, 1, "--no-history", "--rows-out", target, rules, data)
	if b, _ := os.ReadFile(neighbour); string(b) != "not dq's" {
		t.Errorf("tmp_rows.parquet was overwritten: %q", b)
	}
	var n int
	if err := duck(t, "").QueryRow(`SELECT count(*) FROM read_parquet(?)`, target).Scan(&n); err != nil || n != 4 {
		t.Errorf("rows.parquet holds %d rows (%v), want 4", n, err)
	}
	if st, _ := os.Stat(target); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the replaced file's 0640", st.Mode())
	}
	if entries, _ := os.ReadDir(out); len(entries) != 2 {
		t.Errorf("%d entries left in the output directory, want 2", len(entries))
	}

	// Through a symlink: the link stays, its target is replaced.
	real := writeFile(t, t.TempDir(), "real.parquet", "old", 0o644)
	link := filepath.Join(out, "link.parquet")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	evalJSON(t, 1, "--no-history", "--rows-out", link, rules, data)
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced")
	}
	if err := duck(t, "").QueryRow(`SELECT count(*) FROM read_parquet(?)`, real).Scan(&n); err != nil || n != 4 {
		t.Errorf("the link's target holds %d rows (%v), want 4", n, err)
	}

	// A device is refused before the data is read.
	if r := runDQ(t, "", "eval", "--no-history", "--rows-out", os.DevNull, rules, data); r.code != 2 || !strings.Contains(r.stderr, "not a regular file") {
		t.Errorf("--rows-out %s: exit %d %s", os.DevNull, r.code, r.stderr)
	}
}

// TestDataDirectoryNamedByLink: a link named as DATA is the user's choice
// and is followed, also to a directory or as a glob's fixed part.
func TestDataDirectoryNamedByLink(t *testing.T) {
	requireParser(t)
	dir, data := fixture(t)
	link := filepath.Join(dir, "current")
	if err := os.Symlink(filepath.Dir(data), link); err != nil {
		t.Fatal(err)
	}
	rules := writeFile(t, dir, "rules.dqdl", "Rules = [ RowCount = 4 ]", 0o644)
	evalJSON(t, 0, "--no-history", rules, link)
	evalJSON(t, 0, "--no-history", rules, filepath.Join(link, "*.parquet"))
	// And an output inside it through the link is still inside the data.
	if r := runDQ(t, "", "eval", "--no-history", "--rows-out", filepath.Join(filepath.Dir(data), "r.parquet"), rules, link); r.code != 2 || !strings.Contains(r.stderr, "the next run would read it as data") {
		t.Errorf("exit %d %s", r.code, r.stderr)
	}
}

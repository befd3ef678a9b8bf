//go:build unix

package engine

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestFileRuleScope: File* rules read only beside the data and the
// references, plus Options.FileRoots; devices and pipes never (issue 15 #7).
func TestFileRuleScope(t *testing.T) {
	data := fileTree(t, map[string]string{"beside.csv": "abc", "sub/deep.csv": "abcd"}, nil)
	primary := filepath.Join(data, "primary.parquet")
	writeFixtures(t, data, `COPY (SELECT 1 AS id) TO '{dir}/primary.parquet' (FORMAT parquet)`)
	other := fileTree(t, map[string]string{"secret.txt": "s3cr3t", "sub/x.txt": "x"}, nil)
	if err := os.Symlink(filepath.Join(other, "secret.txt"), filepath.Join(data, "link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(other, "sub"), filepath.Join(data, "linkdir")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(data, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(primary)
	if err != nil {
		t.Fatal(err)
	}
	q := func(s string) string { return `"` + s + `"` }
	outside := func(p string) ruleCase {
		return ruleCase{rule: `FileSize ` + q(p) + ` > 0 B`, result: Error, prefix: true, msg: p + " is outside the places File rules may read (only under " + data + "); allow more with --allow-path DIR"}
	}
	sizes := func(n int, lo, hi float64) map[string]float64 {
		return m("Dataset.*.FileSize.Compliance", 1, "Dataset.*.FileCount", n, "Dataset.*.MinimumFileSize", lo, "Dataset.*.MaximumFileSize", hi)
	}
	runCases(t, primary, []ruleCase{
		// Beside the data and below it: allowed.
		{rule: `FileSize ` + q(filepath.Join(data, "beside.csv")) + ` > 0 B`, result: Pass, metrics: sizes(1, 3, 3)},
		{rule: `FileSize ` + q(filepath.Join(data, "sub")) + ` > 0 B`, result: Pass, metrics: sizes(1, 4, 4)},
		// Elsewhere, or elsewhere by a symlink or "..": refused.
		outside(filepath.Join(other, "secret.txt")),
		outside("/etc/passwd"),
		outside(filepath.Join(data, "link.txt")),
		outside(filepath.Join(data, "..", filepath.Base(other), "secret.txt")),
		// linkdir/.. is other (the OS follows the link first), not data.
		outside(filepath.Join(data, "linkdir") + "/../secret.txt"),
		{rule: `FileMatch ` + q(filepath.Join(other, "secret.txt")) + ` in ["x"] with hashAlgorithm = "MD5"`, result: Error, prefix: true, msg: filepath.Join(other, "secret.txt") + " is outside"},
		{rule: `FileUniqueness ` + q(other) + ` > 0.5`, result: Error, prefix: true, msg: other + " is outside"},
		{rule: `FileFreshness ` + q(other) + ` > (now() - 1 days)`, result: Error, prefix: true, msg: other + " is outside"},
		{rule: `FileMatch ` + q(data) + ` ` + q(other), result: Error, prefix: true, msg: other + " is outside"},
		// A pipe would block a checksum for ever.
		{rule: `FileMatch ` + q(filepath.Join(data, "fifo")) + ` in ["x"]`, result: Error, msg: filepath.Join(data, "fifo") + " is not a regular file (a device, pipe or socket); File rules read only files and directories"},
		// The data's own files need no path.
		{rule: `FileSize > 0 B`, result: Pass, metrics: sizes(1, float64(st.Size()), float64(st.Size()))},
	})

	// --allow-path opens a directory; /dev stays closed to File rules.
	start := time.Now()
	runCasesWith(t, primary, Options{FileRoots: []string{other, "/dev"}}, []ruleCase{
		{rule: `FileSize ` + q(filepath.Join(data, "link.txt")) + ` = 6 B`, result: Pass, metrics: sizes(1, 6, 6)},
		{rule: `FileSize ` + q(filepath.Join(other, "sub")) + ` = 1 B`, result: Pass, metrics: sizes(1, 1, 1)},
		{rule: `FileSize "/dev/zero" > 0 B`, result: Error, msg: "/dev/zero is not a regular file (a device, pipe or socket); File rules read only files and directories"},
		{rule: `FileMatch "/dev/zero" in ["x"]`, result: Error, prefix: true, msg: "/dev/zero is not a regular file"},
	})
	if d := time.Since(start); d > time.Minute {
		t.Errorf("devices were read: %s", d)
	}
}

// TestFileRuleScopeReferences: a bound reference's directory is in scope.
func TestFileRuleScopeReferences(t *testing.T) {
	primary := writeParquet(t, "primary", "SELECT 1 AS id")
	refDir := fileTree(t, map[string]string{"manifest.txt": "abc"}, nil)
	writeFixtures(t, refDir, `COPY (SELECT 1 AS id) TO '{dir}/ref.parquet' (FORMAT parquet)`)
	rules := `Rules = [ RowCountMatch "ref" = 1.0, FileSize "` + filepath.Join(refDir, "manifest.txt") + `" = 3 B ]`
	res := evaluate(t, primary, rules, Options{References: map[string]Source{"ref": Files(filepath.Join(refDir, "ref.parquet"), FileOptions{})}})
	for _, r := range res.RuleResults {
		if r.Result != Pass {
			t.Errorf("%s: %s %s", r.EvaluatedRule, r.Result, r.EvaluationMessage)
		}
	}
}

// TestFileScopeURLs: remote paths are matched on the string, by prefix
// and after "." and ".." are applied.
func TestFileScopeURLs(t *testing.T) {
	sc := newFileScope(nil, []string{"s3://bucket/data", "memtest://b/k/"})
	for p, ok := range map[string]bool{
		"s3://bucket/data":               true,
		"s3://bucket/data/":              true,
		"s3://bucket/data/x/y.parquet":   true,
		"S3://bucket/data/x":             true,
		"s3://bucket/database/x":         false,
		"s3://bucket/data/../secret":     false,
		"s3://bucket/data/./x/../y":      true,
		"s3://other/data/x":              false,
		"memtest://b/k/one":              true,
		"memtest://b/other":              false,
		"memtest://b/k/../../b2/k/thing": false,
	} {
		err := sc.check(p)
		if (err == nil) != ok {
			t.Errorf("check(%s) = %v, want allowed %v", p, err, ok)
		}
	}
	for loc, want := range map[string]string{
		"s3://b/data/part-0.parquet": "s3://b/data/",
		"s3://b/data":                "s3://b/data/",
		"s3://b/data/":               "s3://b/data/",
		"s3://b/data/*/x.csv":        "s3://b/data/",
		"s3://b/d/**":                "s3://b/d/",
	} {
		if got := urlRootOf(loc); got != want {
			t.Errorf("urlRootOf(%s) = %s, want %s", loc, got, want)
		}
	}
}

package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Published digests of "abc" (FIPS 180 / RFC 1321 test vectors), so the
// expectations do not come from the code under test.
const (
	sha256ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	sha1ABC   = "a9993e364706816aba3e25717850c26c9cd0d89d"
	md5ABC    = "900150983cd24fb0d6963f7d28e17f72"
)

// fileTree writes files with contents and modification times under a new
// directory and returns it.
func fileTree(t *testing.T, files map[string]string, mtimes map[string]time.Time) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if mt, ok := mtimes[name]; ok {
			if err := os.Chtimes(p, mt, mt); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func TestFileRules(t *testing.T) {
	// testNow is 2024-06-01 12:00 UTC. a.csv is 30 minutes old, b.csv a
	// day old (same bytes as a.csv), sub/c.dat from New Year and 2 KiB.
	// The hidden and bookkeeping files are not data and are not counted.
	big := strings.Repeat("x", 2048)
	d := fileTree(t, map[string]string{"a.csv": "abc", "b.csv": "abc", "sub/c.dat": big, ".hidden": "zz", "_SUCCESS": ""},
		map[string]time.Time{
			"a.csv":     testNow.Add(-30 * time.Minute),
			"b.csv":     testNow.Add(-24 * time.Hour),
			"sub/c.dat": time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC),
		})
	same := fileTree(t, map[string]string{"x/one.csv": "abc", "two.dat": big}, nil)
	renamed := fileTree(t, map[string]string{"a2.csv": "abc", "b.csv": "abc", "sub/c.dat": big}, nil)
	a := filepath.Join(d, "a.csv")
	c := filepath.Join(d, "sub", "c.dat")
	primary := writeParquet(t, "primary", "SELECT 1 AS id")
	primarySize, err := os.Stat(primary)
	if err != nil {
		t.Fatal(err)
	}

	count := func(n int) (string, float64) { return "Dataset.*.FileCount", float64(n) }
	size := func(comp float64, n int) map[string]float64 {
		k, v := count(n)
		return map[string]float64{"Dataset.*.FileSize.Compliance": comp, k: v, "Dataset.*.MinimumFileSize": 3, "Dataset.*.MaximumFileSize": 2048}
	}
	fresh := func(comp float64, n int) map[string]float64 {
		k, v := count(n)
		return map[string]float64{"Dataset.*.FileFreshness.Compliance": comp, k: v}
	}
	match := func(m float64, n int) map[string]float64 {
		k, v := count(n)
		return map[string]float64{"Dataset.*.FileMatch": m, k: v}
	}
	q := func(s string) string { return `"` + s + `"` }

	// The trees are not beside the data: File rules may read them only
	// because they are allowed.
	runCasesWith(t, primary, Options{FileRoots: []string{d, same, renamed}}, []ruleCase{
		{rule: `FileSize ` + q(d) + ` > 2 B`, result: Pass, metrics: size(1, 3)},
		{rule: `FileSize ` + q(d) + ` > 1 KB`, result: Fail, msg: "33.33 % of files passed the threshold", metrics: size(1.0/3, 3)},
		{rule: `FileSize ` + q(d) + ` > 1 KB with threshold > 0.3`, result: Pass, metrics: size(1.0/3, 3)},
		{rule: `FileSize ` + q(d) + ` > 1000`, result: Fail, msg: "33.33 % of files passed the threshold", metrics: size(1.0/3, 3)},
		{rule: `FileSize ` + q(d) + ` between 1 B and 4 B`, result: Fail, msg: "66.67 % of files passed the threshold", metrics: size(2.0/3, 3)},
		// failFast: a.csv (first by path) fails; nothing after it is judged.
		{rule: `FileSize ` + q(d) + ` > 5 B with failFast = "true"`, result: Fail, msg: "File " + a + " does not satisfy the condition (failFast)",
			metrics: map[string]float64{"Dataset.*.FileSize.Compliance": 0, "Dataset.*.FileCount": 1, "Dataset.*.MinimumFileSize": 3, "Dataset.*.MaximumFileSize": 2048}},
		{rule: `FileSize ` + q(d) + ` < 5 B with uriRegex = "[.]csv$"`, result: Pass,
			metrics: map[string]float64{"Dataset.*.FileSize.Compliance": 1, "Dataset.*.FileCount": 2, "Dataset.*.MinimumFileSize": 3, "Dataset.*.MaximumFileSize": 3}},
		{rule: `FileSize ` + q(d) + ` < 5 B with recentFiles = 1`, result: Pass,
			metrics: map[string]float64{"Dataset.*.FileSize.Compliance": 1, "Dataset.*.FileCount": 1, "Dataset.*.MinimumFileSize": 3, "Dataset.*.MaximumFileSize": 3}},
		// recentFiles first keeps a.csv, which uriRegex then drops; the
		// other order keeps the one .dat file.
		{rule: `FileSize ` + q(d) + ` > 1 KB with recentFiles = 1 with uriRegex = "dat$"`, result: Fail, msg: "No files found at " + d},
		{rule: `FileSize ` + q(d) + ` > 1 KB with recentFiles = 1 with uriRegex = "dat$" with filterOrder = "uriRegex,recentFiles"`, result: Pass,
			metrics: map[string]float64{"Dataset.*.FileSize.Compliance": 1, "Dataset.*.FileCount": 1, "Dataset.*.MinimumFileSize": 2048, "Dataset.*.MaximumFileSize": 2048}},
		// The list form Glue's documentation uses means the same.
		{rule: `FileSize ` + q(d) + ` > 1 KB with recentFiles = 1 with uriRegex = "dat$" with filterOrder = ["uriRegex","recentFiles"]`, result: Pass,
			metrics: map[string]float64{"Dataset.*.FileSize.Compliance": 1, "Dataset.*.FileCount": 1, "Dataset.*.MinimumFileSize": 2048, "Dataset.*.MaximumFileSize": 2048}},
		{rule: `FileSize ` + q(d) + ` > 1 KB with uriRegex = "^(?!x)"`, result: Error, prefix: true, msg: "Invalid uriRegex"},
		{rule: `FileSize ` + q(filepath.Join(d, "nothing")) + ` > 1 KB`, result: Error, prefix: true, msg: "Exception thrown while evaluating rule: listing "},
		{rule: `FileSize "s3://bucket/data/" > 1 KB`, result: Error, msg: "Exception thrown while evaluating rule: s3:// paths are not supported yet by dq (only local files and directories)"},
		// No path: the files the primary dataset was read from.
		{rule: `FileSize > 100 B`, result: Pass, metrics: map[string]float64{"Dataset.*.FileSize.Compliance": 1, "Dataset.*.FileCount": 1,
			"Dataset.*.MinimumFileSize": float64(primarySize.Size()), "Dataset.*.MaximumFileSize": float64(primarySize.Size())}},

		{rule: `FileFreshness ` + q(d) + ` > (now() - 2 hours)`, result: Fail, msg: "33.33 % of files passed the threshold", metrics: fresh(1.0/3, 3)},
		{rule: `FileFreshness ` + q(d) + ` >= (now() - 1 days) with threshold >= 0.6`, result: Pass, metrics: fresh(2.0/3, 3)},
		{rule: `FileFreshness ` + q(d) + ` between "2023-12-31" and "2024-01-02"`, result: Fail, msg: "33.33 % of files passed the threshold", metrics: fresh(1.0/3, 3)},
		// Bounds in either order, as in Glue's own example.
		{rule: `FileFreshness ` + q(a) + ` between now() and (now() - 45 minutes)`, result: Pass, metrics: fresh(1, 1)},
		{rule: `FileFreshness ` + q(d) + ` < now()`, result: Pass, metrics: fresh(1, 3)},
		{rule: `FileFreshness ` + q(d) + ` != NULL`, result: Pass, metrics: fresh(1, 3)},
		// 12:00 UTC is 08:00 in New York (EDT): "07:00" there is 11:00 UTC,
		// before a.csv (11:30); "07:45" is 11:45 UTC, after it.
		{rule: `FileFreshness ` + q(a) + ` > "07:00" with timeZone = "America/New_York"`, result: Pass, metrics: fresh(1, 1)},
		{rule: `FileFreshness ` + q(a) + ` > "7:45 AM" with timeZone = "America/New_York"`, result: Fail, msg: "0.00 % of files passed the threshold", metrics: fresh(0, 1)},

		{rule: `FileUniqueness ` + q(d) + ` > 0.5`, result: Pass, metrics: m("Dataset.*.FileUniquenessRatio", 2.0/3, "Dataset.*.FileCount", 3)},
		{rule: `FileUniqueness ` + q(d) + ` = 1`, result: Fail, msg: "Value: 0.6666666666666666 does not meet the constraint requirement!", metrics: m("Dataset.*.FileUniquenessRatio", 2.0/3, "Dataset.*.FileCount", 3)},

		{rule: `FileMatch ` + q(a) + ` in ["` + sha256ABC + `"]`, result: Pass, metrics: match(1, 1)},
		{rule: `FileMatch ` + q(a) + ` in ["` + strings.ToUpper(md5ABC) + `"] with hashAlgorithm = "MD5"`, result: Pass, metrics: match(1, 1)},
		{rule: `FileMatch ` + q(a) + ` = "` + sha1ABC + `" with hashAlgorithm = "SHA-1"`, result: Pass, metrics: match(1, 1)},
		{rule: `FileMatch ` + q(d) + ` in ["` + sha256ABC + `"]`, result: Fail, prefix: true, msg: "Checksums that do not satisfy the condition: " + c + " (SHA-256 ", metrics: match(2.0/3, 3)},
		{rule: `FileMatch ` + q(a) + ` in ["` + md5ABC + `"] with hashAlgorithm = "CRC32"`, result: Error, msg: `Unsupported hashAlgorithm "CRC32": use MD5, SHA-1 or SHA-256`},
		{rule: `FileMatch ` + q(a) + ` ` + q(filepath.Join(d, "b.csv")), result: Pass, metrics: match(1, 2)},
		{rule: `FileMatch ` + q(a) + ` ` + q(c), result: Fail, msg: "The files at " + a + " and " + c + " differ in size", metrics: match(0, 2)},
		// Same contents under other names: equal by checksum, but not by name.
		{rule: `FileMatch ` + q(d) + ` ` + q(renamed), result: Pass, metrics: match(1, 6)},
		{rule: `FileMatch ` + q(d) + ` ` + q(renamed) + ` with matchFileName = "true"`, result: Fail, msg: "Files that do not match: a.csv", metrics: match(0, 6)},
		{rule: `FileMatch ` + q(d) + ` ` + q(same), result: Fail, msg: d + " holds 3 files and " + same + " holds 2", metrics: match(0, 5)},
	})
}

// memFS is a FileSystem that is not the local disk, standing in for S3.
type memFS map[string]string

func (m memFS) Stat(_ context.Context, p string) (FileInfo, error) {
	if c, ok := m[p]; ok {
		return FileInfo{Path: p, Rel: filepath.Base(p), Size: int64(len(c)), ModTime: testNow}, nil
	}
	return FileInfo{}, os.ErrNotExist
}

func (m memFS) List(_ context.Context, p string) ([]FileInfo, error) {
	var out []FileInfo
	for k, c := range m {
		if strings.HasPrefix(k, p) {
			out = append(out, FileInfo{Path: k, Rel: strings.TrimPrefix(k, p), Size: int64(len(c)), ModTime: testNow})
		}
	}
	return out, nil
}

func (m memFS) Open(_ context.Context, p string) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader([]byte(m[p]))), nil
}

func TestFileRulesRegisteredFileSystem(t *testing.T) {
	systems := map[string]FileSystem{"memtest": memFS{"memtest://b/k/one": "abc", "memtest://b/k/two": "abc", "memtest://b/other": "zzzz"}}
	primary := writeParquet(t, "primary", "SELECT 1 AS id")
	runCasesWith(t, primary, Options{FileSystems: systems, FileRoots: []string{"memtest://b/"}}, []ruleCase{
		{rule: `FileUniqueness "memtest://b/k/" = 0.5`, result: Pass, metrics: m("Dataset.*.FileUniquenessRatio", 0.5, "Dataset.*.FileCount", 2)},
		{rule: fmt.Sprintf(`FileMatch "memtest://b/k/" in [%q]`, sha256ABC), result: Pass, metrics: m("Dataset.*.FileMatch", 1, "Dataset.*.FileCount", 2)},
		{rule: `FileSize "memtest://b/" >= 3 B`, result: Pass, metrics: m("Dataset.*.FileSize.Compliance", 1, "Dataset.*.FileCount", 3, "Dataset.*.MinimumFileSize", 3, "Dataset.*.MaximumFileSize", 4)},
	})
}

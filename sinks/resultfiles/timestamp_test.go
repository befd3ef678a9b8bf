package resultfiles_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/sinks/resultfiles"
	"github.com/dqlabs/dq/sinks/sinktest"
)

// valueOfRE is the shape java.sql.Timestamp.valueOf accepts, from its
// documentation: yyyy-[m]m-[d]d hh:mm:ss[.f...], the fraction being at most
// nine digits. (Leading and trailing blanks are trimmed first.)
var valueOfRE = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?$`)

// timestampValueOf parses s with java.sql.Timestamp.valueOf's rules, the
// default timestamp parser of the Hive JSON SerDe that the DDL declares.
// Timestamp.valueOf reads a wall-clock time without a zone; the result is
// returned in UTC, which is what dq writes.
func timestampValueOf(s string) (time.Time, error) {
	m := valueOfRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return time.Time{}, fmt.Errorf("%q is not in Timestamp.valueOf's format yyyy-[m]m-[d]d hh:mm:ss[.f...]", s)
	}
	n := make([]int, 6)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	// valueOf rejects a month or day out of range rather than rolling over.
	if n[1] < 1 || n[1] > 12 || n[2] < 1 || n[2] > 31 {
		return time.Time{}, fmt.Errorf("%q: month or day out of range", s)
	}
	nanos := 0
	if m[7] != "" {
		nanos, _ = strconv.Atoi(m[7] + strings.Repeat("0", 9-len(m[7])))
	}
	return time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], nanos, time.UTC), nil
}

func TestTimestampValueOfRules(t *testing.T) {
	good := map[string]time.Time{
		"2026-03-04 23:59:58.123":       time.Date(2026, 3, 4, 23, 59, 58, 123e6, time.UTC),
		"2026-3-4 01:02:03":             time.Date(2026, 3, 4, 1, 2, 3, 0, time.UTC),
		"2026-12-31 00:00:00.000000001": time.Date(2026, 12, 31, 0, 0, 0, 1, time.UTC),
	}
	for s, want := range good {
		got, err := timestampValueOf(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("timestampValueOf(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{
		"2026-03-04T23:59:58.123Z", // ISO-8601: what dq wrote before; valueOf rejects it
		"2026-03-04 23:59:58.123Z",
		"2026-03-04",
		"26-03-04 23:59:58",
		"2026-13-04 23:59:58",
		"2026-03-04 23:59:58.1234567890",
	} {
		if _, err := timestampValueOf(s); err == nil {
			t.Errorf("timestampValueOf(%q) accepted it; Timestamp.valueOf rejects it", s)
		}
	}
}

// writtenTimestamps publishes runs whose times exercise the format (a
// midnight, a leap day, whole seconds, a non-UTC zone on the way in) as
// JSON to a directory and returns every timestamp value in the files with
// the instant it must denote.
func writtenTimestamps(t *testing.T) map[string]time.Time {
	t.Helper()
	dir := t.TempDir()
	s, err := resultfiles.New(dir, resultfiles.Options{Format: resultfiles.FormatJSON})
	if err != nil {
		t.Fatal(err)
	}
	starts := []time.Time{
		time.Date(2026, 3, 4, 23, 59, 58, 123456789, time.UTC), // sub-millisecond part truncated
		time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 7, 1, 9, 30, 5, 7e6, time.FixedZone("UTC+5:30", 5*3600+1800)),
	}
	want := map[string]time.Time{}
	for i, start := range starts {
		r := sinktest.Golden()
		r.ResultID = fmt.Sprintf("dqresult-ts-%d", i)
		r.StartedOn, r.CompletedOn = start, start.Add(1500*time.Millisecond)
		if err := s.Publish(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		for _, at := range []time.Time{r.StartedOn, r.CompletedOn} {
			want[at.UTC().Truncate(time.Millisecond).Format(resultfiles.TimeLayout)] = at.UTC().Truncate(time.Millisecond)
		}
	}
	got := map[string]time.Time{}
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range regexp.MustCompile(`"evaluation(?:Started|Completed)On":"([^"]*)"`).FindAllSubmatch(body, -1) {
			v := string(m[1])
			w, ok := want[v]
			if !ok {
				return fmt.Errorf("%s: timestamp %q is not one the test published", path, v)
			}
			got[v] = w
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("found %d distinct timestamps in the files, want %d", len(got), len(want))
	}
	return got
}

// TestWrittenTimestampsParse takes every timestamp dq writes into JSON
// result files and parses it with the rule the Athena DDL relies on
// (Timestamp.valueOf, the Hive JSON SerDe's default), checking the instant.
func TestWrittenTimestampsParse(t *testing.T) {
	for v, want := range writtenTimestamps(t) {
		got, err := timestampValueOf(v)
		if err != nil {
			t.Error(err)
			continue
		}
		if !got.Equal(want) {
			t.Errorf("%q parses as %v, want %v", v, got, want)
		}
	}
}

// TestWrittenTimestampsParseInJava runs the written values through the JDK's
// own java.sql.Timestamp.valueOf when a JDK is installed. The JVM runs in
// UTC so that toLocalDateTime is the UTC wall clock dq wrote.
func TestWrittenTimestampsParseInJava(t *testing.T) {
	javac, errc := exec.LookPath("javac")
	java, errj := exec.LookPath("java")
	if errc != nil || errj != nil {
		t.Skip("no JDK (javac and java) on PATH; the valueOf rules are checked in Go by TestWrittenTimestampsParse")
	}
	values := writtenTimestamps(t)
	dir := t.TempDir()
	src := `import java.io.*;
import java.sql.Timestamp;
public class ParseTimestamps {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        for (String line; (line = in.readLine()) != null; ) {
            try {
                System.out.println(line + "\t" + Timestamp.valueOf(line).toLocalDateTime());
            } catch (IllegalArgumentException e) {
                System.out.println(line + "\tERROR " + e.getMessage());
            }
        }
    }
}
`
	if err := os.WriteFile(filepath.Join(dir, "ParseTimestamps.java"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(javac, "-d", dir, filepath.Join(dir, "ParseTimestamps.java")).CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	var input strings.Builder
	for v := range values {
		input.WriteString(v + "\n")
	}
	cmd := exec.Command(java, "-Duser.timezone=UTC", "-cp", dir, "ParseTimestamps")
	cmd.Stdin = strings.NewReader(input.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("java: %v", err)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		v, parsed, _ := strings.Cut(line, "\t")
		want, ok := values[v]
		if !ok {
			t.Errorf("java printed %q for an unknown value", line)
			continue
		}
		seen++
		// LocalDateTime.toString drops trailing zero fields: parse it
		// back rather than comparing text.
		got, err := time.Parse("2006-01-02T15:04:05.999999999", parsed)
		if err != nil {
			got, err = time.Parse("2006-01-02T15:04", parsed)
		}
		if err != nil {
			t.Errorf("Timestamp.valueOf(%q): %s", v, parsed)
			continue
		}
		if !got.Equal(want) {
			t.Errorf("Timestamp.valueOf(%q) = %v, want %v", v, got, want)
		}
	}
	if seen != len(values) {
		t.Errorf("java parsed %d values, want %d", seen, len(values))
	}
}

// TestParquetTimestampsAreMillis checks the physical type of the Parquet
// result files' timestamps: INT64 TIMESTAMP(MILLIS), which Athena engine
// versions 2 and 3 both read (INT64 microseconds is not read by every
// engine version).
func TestParquetTimestampsAreMillis(t *testing.T) {
	dir := t.TempDir()
	s, err := resultfiles.New(dir, resultfiles.Options{Format: resultfiles.FormatParquet})
	if err != nil {
		t.Fatal(err)
	}
	r := sinktest.Golden()
	if err := s.Publish(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	rules, run, err := s.Keys(r)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, key := range []string{rules, run} {
		path := filepath.Join(dir, filepath.FromSlash(key))
		rows, err := db.Query(`SELECT name, type, logical_type::VARCHAR FROM parquet_schema(?) WHERE name LIKE 'evaluation%'`, path)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var name, typ, logical string
			if err := rows.Scan(&name, &typ, &logical); err != nil {
				t.Fatal(err)
			}
			n++
			if typ != "INT64" || !strings.Contains(logical, "MILLIS") {
				t.Errorf("%s column %s: physical %s, logical %s; want INT64 TIMESTAMP(MILLIS)", key, name, typ, logical)
			}
		}
		rows.Close()
		if n != 2 {
			t.Errorf("%s: %d evaluation* columns, want 2", key, n)
		}
		var started time.Time
		if err := db.QueryRow(`SELECT evaluationstartedon FROM read_parquet(?)`, path).Scan(&started); err != nil {
			t.Fatal(err)
		}
		if want := r.StartedOn.UTC().Truncate(time.Millisecond); !started.Equal(want) {
			t.Errorf("%s: evaluationstartedon = %v, want %v", key, started, want)
		}
	}
}

//go:build linux

package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// pipePath returns a /proc/self/fd path of a pipe's read end that yields
// text, as a shell's <(cat data.csv) or /dev/stdin does, once.
func pipePath(t *testing.T, text string) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	go func() {
		w.WriteString(text)
		w.Close()
	}()
	return fmt.Sprintf("/proc/self/fd/%d", r.Fd())
}

// Data named by a pipe's path (process substitution, /dev/stdin) is read
// whole. It once was not: format detection read its first 4 KiB and
// DuckDB the rest, so a CSV piped in was an empty dataset and every rule
// judged zero rows (RowCount 0, "does not include column").
func TestFilesReadsPipeOnce(t *testing.T) {
	csv := "\ufeffid,amount\r\n1,10.5\r\n2,\r\n3,7\r\n"
	ds, s := registered(t, pipePath(t, csv), FileOptions{})
	// Text from a pipe is CSV without --format-in; by hand: 3 rows,
	// amounts 10.5 + 7 = 17.5, one blank.
	if got := query(t, s, "SELECT count(*) || ' ' || sum(id) || ' ' || count(amount) || ' ' || sum(amount) FROM "+ds.Relation); got != "3 6 2 17.5" {
		t.Errorf("rows, sum(id), count/sum(amount) = %q, want \"3 6 2 17.5\"", got)
	}

	// NDJSON longer than the 4 KiB that format detection reads.
	var b strings.Builder
	want := 0
	for i := 1; i <= 500; i++ {
		fmt.Fprintf(&b, `{"id":%d,"name":"row %d"}`+"\n", i, i)
		want += i
	}
	ds, s = registered(t, pipePath(t, b.String()), FileOptions{})
	if got, w := query(t, s, "SELECT count(*) || ' ' || sum(id) FROM "+ds.Relation), fmt.Sprintf("500 %d", want); got != w {
		t.Errorf("rows, sum(id) = %q, want %q", got, w)
	}
}

// A named FIFO is opened once, by the read: opening it to check it and
// closing it again would break its writer's pipe.
func TestFilesReadsFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "export.csv")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		w, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err == nil {
			_, err = w.WriteString("id;name\n1;ä\n2;b\n")
			w.Close()
		}
		done <- err
	}()
	ds, s := registered(t, p, FileOptions{})
	if err := <-done; err != nil {
		t.Fatalf("writer: %v", err)
	}
	if got := query(t, s, "SELECT count(*) || ' ' || string_agg(name, '' ORDER BY id) FROM "+ds.Relation); got != "2 äb" {
		t.Errorf("rows, names = %q, want \"2 äb\"", got)
	}
}

// Stream reads an io.Reader (the CLI's standard input); errors name the
// stream, not the session's copy.
func TestStreamSource(t *testing.T) {
	s := openTestSession(t, SessionOptions{Threads: 2})
	ds, err := s.Register(context.Background(), "primary", Stream("<stdin>", strings.NewReader(`[{"v":1.5},{"v":null},{"v":2}]`), FileOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if got := query(t, s, "SELECT count(*) || ' ' || count(v) || ' ' || sum(v) FROM "+ds.Relation); got != "3 2 3.5" {
		t.Errorf("rows, count/sum(v) = %q, want \"3 2 3.5\"", got)
	}
	_, err = s.Register(context.Background(), "bad", Stream("<stdin>", strings.NewReader("a,b\n1,2\n1,2,3\n"), FileOptions{}))
	if err == nil || !strings.Contains(err.Error(), "<stdin>: line 3 has 3 fields") || strings.Contains(err.Error(), "__dq_stream") {
		t.Errorf("err = %v, want the ragged line 3 of <stdin>, not the copy's path", err)
	}
}

package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A context cancelled before the session exists must give an error, not a
// nil-pointer panic from the cleanup of a half-built session.
func TestOpenSessionCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s, err := OpenSession(ctx, SessionOptions{})
	if err == nil {
		s.Close()
		t.Fatal("OpenSession with a cancelled context succeeded")
	}
	if s != nil {
		t.Fatalf("OpenSession returned a session with error %v", err)
	}
}

// A data directory often holds a README or the ruleset next to the data;
// without an explicit format those files are not data.
func TestDirectoryIgnoresFilesWithoutDataExtension(t *testing.T) {
	p := writeParquet(t, "t.parquet", "SELECT range AS id FROM range(5)")
	dir := filepath.Dir(p)
	for _, name := range []string{"README.md", "rules.dqdl"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("not data\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	s, err := OpenSession(ctx, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ds, err := s.Register(ctx, "primary", Files(dir, FileOptions{}))
	if err != nil {
		t.Fatalf("registering a directory with a README next to the data: %v", err)
	}
	var n int
	if err := s.Conn().QueryRowContext(ctx, "SELECT count(*) FROM "+ds.Relation).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Fatalf("count = %d, want 5", n)
	}
}

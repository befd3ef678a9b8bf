package spool_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/dqlabs/dq/sinks/sinktest"
	"github.com/dqlabs/dq/sinks/spool"
)

func TestRoundTrip(t *testing.T) {
	d, err := spool.Open(filepath.Join(t.TempDir(), "spool"))
	if err != nil {
		t.Fatal(err)
	}
	if items, err := d.List(); err != nil || len(items) != 0 {
		t.Fatalf("missing spool: %v, %v; want empty", items, err)
	}
	r := sinktest.Golden()
	now := time.Date(2026, 3, 5, 1, 0, 0, 0, time.UTC)
	target := map[string]string{"topic": "arn:aws:sns:us-east-1:1:t"}
	e, err := spool.NewEntry("sns arn:aws:sns:us-east-1:1:t", "sns", target, r, errors.New("boom"), 1, now)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := d.Put(ctx, r.ResultID, e); err != nil {
		t.Fatal(err)
	}
	// The same run and sink again replaces the entry.
	e.Attempts = 2
	path, err := d.Put(ctx, r.ResultID, e)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "dqresult-0123456789abcdef.sns.json" {
		t.Errorf("entry file %s", path)
	}
	items, err := d.List()
	if err != nil || len(items) != 1 {
		t.Fatalf("List = %v, %v; want one entry", items, err)
	}
	it := items[0]
	if it.Attempts != 2 || it.Error != "boom" || it.Sink != "sns arn:aws:sns:us-east-1:1:t" || !it.SpooledAt.Equal(now) {
		t.Errorf("entry %+v", it.Entry)
	}
	got, err := it.Decode()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("decoded result differs:\n got %+v\nwant %+v", got, r)
	}
	if err := d.Remove(it); err != nil {
		t.Fatal(err)
	}
	if items, _ := d.List(); len(items) != 0 {
		t.Errorf("entry still listed after Remove")
	}
}

func TestCorruptEntryIsAnError(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.sns.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, _ := spool.Open(dir)
	if _, err := d.List(); err == nil {
		t.Error("a corrupt entry was skipped silently")
	}
}

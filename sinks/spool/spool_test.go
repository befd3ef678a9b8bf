package spool_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
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

func putGolden(t *testing.T, d spool.Dir, id string) spool.Item {
	t.Helper()
	r := sinktest.Golden()
	r.ResultID = id
	e, err := spool.NewEntry("sns t", "sns", map[string]string{"topic": "t"}, r, errors.New("boom"), 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	path, err := d.Put(context.Background(), id, e)
	if err != nil {
		t.Fatal(err)
	}
	return spool.Item{Path: path, Entry: e}
}

// Of two publishers claiming one entry, exactly one gets it; a released
// claim is listed again; a finished one is gone (issue 15 #9).
func TestClaim(t *testing.T) {
	dir := t.TempDir()
	d, _ := spool.Open(dir)
	it := putGolden(t, d, "dqresult-a")
	c, ok, err := d.Claim(it)
	if err != nil || !ok || c.Path != it.Path || c.Attempts != 1 {
		t.Fatalf("first claim: %+v %v %v", c, ok, err)
	}
	if _, ok, err := d.Claim(it); ok || err != nil {
		t.Fatalf("second claim of the same entry: ok=%v err=%v, want refused", ok, err)
	}
	if items, _ := d.List(); len(items) != 0 {
		t.Errorf("a claimed entry is still listed: %v", items)
	}
	if err := d.Release(c); err != nil {
		t.Fatal(err)
	}
	items, _ := d.List()
	if len(items) != 1 {
		t.Fatalf("released entry not listed: %v", items)
	}
	c, ok, _ = d.Claim(items[0])
	if !ok {
		t.Fatal("re-claim after release failed")
	}
	if err := d.Done(c); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files left after Done: %v", ents)
	}
}

// A claim whose publisher died is given back by the next publisher; a live
// publisher's claim is left alone.
func TestRecoverStaleClaims(t *testing.T) {
	dir := t.TempDir()
	d, _ := spool.Open(dir)
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true(1):", err)
	}
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, host)
	putAndClaimAs := func(id, owner string) string {
		it := putGolden(t, d, id)
		claim := filepath.Join(dir, ".claim."+owner+"."+filepath.Base(it.Path))
		if err := os.Rename(it.Path, claim); err != nil {
			t.Fatal(err)
		}
		return claim
	}
	dead := putAndClaimAs("dqresult-dead", fmt.Sprintf("%s.%d", host, cmd.Process.Pid))
	live := putAndClaimAs("dqresult-live", fmt.Sprintf("%s.%d", host, os.Getpid()))
	elsewhereOld := putAndClaimAs("dqresult-old", "otherhost.4242")
	old := time.Now().Add(-2 * spool.StaleClaimAge)
	os.Chtimes(elsewhereOld, old, old)
	elsewhereNew := putAndClaimAs("dqresult-new", "otherhost.4243")

	n, err := d.RecoverStale()
	if err != nil || n != 2 {
		t.Fatalf("RecoverStale = %d, %v; want 2", n, err)
	}
	var ids []string
	items, _ := d.List()
	for _, it := range items {
		r, _ := it.Decode()
		ids = append(ids, r.ResultID)
	}
	if !reflect.DeepEqual(ids, []string{"dqresult-dead", "dqresult-old"}) {
		t.Errorf("recovered %v, want the dead and the old claim", ids)
	}
	for _, keep := range []string{live, elsewhereNew} {
		if _, err := os.Stat(keep); err != nil {
			t.Errorf("live claim %s touched: %v", filepath.Base(keep), err)
		}
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("dead claim still there: %v", err)
	}
}

package duckopen

import (
	"context"
	"testing"
)

// TestOpening: the database opened in the background goes to the first
// taker only, with the DSN's settings; Close after Take leaves it open for
// the taker, and Close without Take closes it.
func TestOpening(t *testing.T) {
	ctx := context.Background()
	o := Start()
	db, err := o.Take(ctx)
	if err != nil || db == nil {
		t.Fatalf("Take: %v, %v", db, err)
	}
	defer db.Close()
	if again, err := o.Take(ctx); again != nil || err != nil {
		t.Errorf("second Take: %v, %v; want nothing", again, err)
	}
	if err := o.Close(); err != nil {
		t.Errorf("Close after Take: %v", err)
	}
	var autoload, community string
	if err := db.QueryRowContext(ctx, "SELECT current_setting('autoload_known_extensions')::VARCHAR, current_setting('allow_community_extensions')::VARCHAR").Scan(&autoload, &community); err != nil {
		t.Fatalf("the taken database after Close: %v", err)
	}
	if autoload != "false" || community != "false" {
		t.Errorf("autoload_known_extensions %s, allow_community_extensions %s; want both false", autoload, community)
	}

	unused := Start()
	if err := unused.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err := unused.Take(ctx); db != nil || err != nil {
		t.Errorf("Take after Close: %v, %v; want nothing", db, err)
	}
	var none *Opening
	if db, err := none.Take(ctx); db != nil || err != nil || none.Close() != nil {
		t.Error("a nil Opening is not empty")
	}
}

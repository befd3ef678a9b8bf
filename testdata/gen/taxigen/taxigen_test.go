package taxigen

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
)

// TestDeterministicAndPlanted generates the same 10k rows twice, with
// different DuckDB thread counts, and checks that the files are identical
// and that the planted problems occur at about the documented rates.
func TestDeterministicAndPlanted(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.parquet")
	opts := Options{Rows: 10_000, Seed: 42}
	if err := GenerateFile(ctx, a, opts, 1); err != nil {
		t.Fatal(err)
	}
	if err := GenerateFile(ctx, b, opts, 2); err != nil {
		t.Fatal(err)
	}
	ab, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	bb, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ab, bb) {
		t.Errorf("two runs with the same seed wrote different files (%d vs %d bytes)", len(ab), len(bb))
	}

	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Row content must also match in order, not just as files: a reader
	// that re-encodes would otherwise hide an ordering change.
	var diff int64
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM (
		SELECT row_number() OVER () AS n, * FROM read_parquet($1)
		EXCEPT ALL
		SELECT row_number() OVER () AS n, * FROM read_parquet($2))`, a, b).Scan(&diff); err != nil {
		t.Fatal(err)
	}
	if diff != 0 {
		t.Errorf("%d rows differ between runs", diff)
	}

	// A different seed must give different data.
	c := filepath.Join(dir, "c.parquet")
	if err := GenerateFile(ctx, c, Options{Rows: 10_000, Seed: 43}, 0); err != nil {
		t.Fatal(err)
	}
	cb, err := os.ReadFile(c)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(ab, cb) {
		t.Error("seeds 42 and 43 gave identical files")
	}

	var (
		rows, cols                                         int64
		nullPC, nullAligned, pay0                          int64
		negFare, badVendor, dropBefore, zeroDist, pc0, pc9 int64
		sfY, sfN                                           int64
	)
	err = db.QueryRowContext(ctx, `SELECT
		count(*),
		count(*) FILTER (passenger_count IS NULL),
		count(*) FILTER (passenger_count IS NULL AND RatecodeID IS NULL AND store_and_fwd_flag IS NULL
		                 AND congestion_surcharge IS NULL AND airport_fee IS NULL),
		count(*) FILTER (payment_type = 0),
		count(*) FILTER (fare_amount < 0),
		count(*) FILTER (VendorID NOT IN (1, 2, 6)),
		count(*) FILTER (tpep_dropoff_datetime < tpep_pickup_datetime),
		count(*) FILTER (trip_distance = 0),
		count(*) FILTER (passenger_count = 0),
		count(*) FILTER (passenger_count = 9),
		count(*) FILTER (store_and_fwd_flag = 'Y'),
		count(*) FILTER (store_and_fwd_flag = 'N')
		FROM read_parquet($1)`, a).Scan(&rows, &nullPC, &nullAligned, &pay0, &negFare, &badVendor,
		&dropBefore, &zeroDist, &pc0, &pc9, &sfY, &sfN)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet($1))`, a).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	if rows != 10_000 || cols != int64(len(Columns)) {
		t.Fatalf("got %d rows x %d columns, want 10000 x %d", rows, cols, len(Columns))
	}
	if nullAligned != nullPC || pay0 != nullPC {
		t.Errorf("NULL rows not aligned: passenger_count NULL %d, all five NULL %d, payment_type 0 %d", nullPC, nullAligned, pay0)
	}
	if sfY+sfN+nullPC != rows {
		t.Errorf("store_and_fwd_flag: Y %d + N %d + NULL %d != %d rows", sfY, sfN, nullPC, rows)
	}
	// Bounds are about ±4σ of a binomial at 10k rows, so any seed passes
	// while a broken rate (off by 2x) does not.
	within := func(name string, got int64, rate float64, lo, hi int64) {
		t.Helper()
		if got < lo || got > hi {
			t.Errorf("%s: %d rows, want %d..%d (rate %g)", name, got, lo, hi, rate)
		}
	}
	within("NULL passenger_count", nullPC, NullRowRate, 200, 340)
	within("negative fare_amount", negFare, NegativeFareRate, 1, 25)
	within("VendorID outside {1,2,6}", badVendor, BadVendorRate, 1, 16)
	within("dropoff before pickup", dropBefore, DropoffBeforeRate, 1, 20)
	within("trip_distance 0", zeroDist, ZeroDistanceRate, 75, 165)
	within("passenger_count 0", pc0, ZeroPassengerRate, 25, 95)
	within("passenger_count 9", pc9, NinePassengerRate, 0, 10)
	within("store_and_fwd_flag Y", sfY, StoreAndForwardYes, 25, 95)

	// The names and order are the TLC's; a rename would break every ruleset.
	r, err := db.QueryContext(ctx, `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($1))`, a)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := map[string]string{"VendorID": "BIGINT", "tpep_pickup_datetime": "TIMESTAMP", "tpep_dropoff_datetime": "TIMESTAMP",
		"PULocationID": "BIGINT", "DOLocationID": "BIGINT", "payment_type": "BIGINT", "store_and_fwd_flag": "VARCHAR"}
	for i := 0; r.Next(); i++ {
		var name, typ string
		if err := r.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		wt, ok := want[name]
		if !ok {
			wt = "DOUBLE"
		}
		if name != Columns[i] || typ != wt {
			t.Errorf("column %d: got %s %s, want %s %s", i, name, typ, Columns[i], wt)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestFormats(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"csv", "json", "parquet"} {
		p := filepath.Join(dir, "out."+f)
		if err := GenerateFile(context.Background(), p, Options{Rows: 100, Seed: 1, Format: f}, 0); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: empty or missing output (%v)", f, err)
		}
	}
	if _, err := CopyStatement("x", Options{Format: "xlsx"}); err == nil {
		t.Error("unknown format accepted")
	}
}

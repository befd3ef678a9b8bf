package postgres

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dqlabs/dq/engine/postgres/pgtest"
)

var shared pgtest.Shared

func TestMain(m *testing.M) { os.Exit(shared.Run(m)) }

// dbURL is a dataset URL for table in db, without the password.
func dbURL(c *pgtest.Cluster, db, table string) string {
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable&table=%s", c.User, c.Host, c.Port, db, table)
}

// openDB opens a backend on a fresh database with the password from
// PGPASSWORD, after running setup statements in it.
func openDB(t *testing.T, table string, opts Options, setup ...string) (*Backend, *pgtest.Cluster, string) {
	t.Helper()
	c := shared.Cluster(t)
	db := c.NewDB(t)
	conn := c.Conn(t, db)
	for _, s := range setup {
		if _, err := conn.Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	t.Setenv("PGPASSWORD", c.Password)
	b, err := Open(context.Background(), dbURL(c, db, table), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, c, db
}

func TestParseURL(t *testing.T) {
	cases := []struct {
		in                  string
		conn, schema, table string
		redshift            bool
		err                 string
	}{
		{in: "postgres://u@h:5432/db?table=s.t&sslmode=require", conn: "postgres://u@h:5432/db?sslmode=require", schema: "s", table: "t"},
		{in: "postgresql://u@h/db?table=t", conn: "postgres://u@h/db", table: "t"},
		{in: "redshift://u@cluster.example.com/dev?table=public.trips", conn: "postgres://u@cluster.example.com:5439/dev", schema: "public", table: "trips", redshift: true},
		{in: `postgres://u@h/db?table="my.schema"."T ""x"""`, conn: "postgres://u@h/db", schema: "my.schema", table: `T "x"`},
		{in: "postgres://u:s3cret@h/db?table=t", err: "has a password in it"},
		{in: "postgres://u@h/db?table=t&password=s3cret", err: "password parameter"},
		{in: "postgres://u@h/db", err: "names no table"},
		{in: "postgres://u@h/?table=t", err: "names no database"},
		{in: "postgres://u@h/db?table=a.b.c", err: "want schema.table"},
		{in: "postgres://u@h/db?table=a.", err: "ends with a dot"},
		{in: "mysql://u@h/db?table=t", err: "is not postgres://"},
	}
	for _, c := range cases {
		got, err := ParseURL(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseURL(%s) = %v, want error containing %q", c.in, err, c.err)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("ParseURL(%s) error shows the password: %v", c.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseURL(%s): %v", c.in, err)
			continue
		}
		if got.ConnString != c.conn || got.Schema != c.schema || got.Table != c.table || got.Redshift != c.redshift {
			t.Errorf("ParseURL(%s) = %+v", c.in, got)
		}
	}
	if r := Redact("postgres://u:s3cret@h/db?table=t&password=p2"); strings.Contains(r, "s3cret") || strings.Contains(r, "p2") {
		t.Errorf("Redact = %s", r)
	}
}

// The password comes from PGPASSWORD or the password file, never from the
// URL, and a wrong one fails with a hint that does not show it.
func TestPasswordSources(t *testing.T) {
	c := shared.Cluster(t)
	db := c.NewDB(t)
	conn := c.Conn(t, db)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "CREATE TABLE t (x int)"); err != nil {
		t.Fatal(err)
	}
	url := dbURL(c, db, "t")

	t.Setenv("PGPASSWORD", "wrong-secret")
	t.Setenv("PGPASSFILE", filepath.Join(t.TempDir(), "none"))
	_, err := Open(ctx, url, Options{})
	if err == nil || !strings.Contains(err.Error(), "PGPASSWORD") || strings.Contains(err.Error(), "wrong-secret") {
		t.Fatalf("wrong password: %v", err)
	}

	t.Setenv("PGPASSWORD", c.Password)
	b, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatalf("PGPASSWORD: %v", err)
	}
	b.Close()

	os.Unsetenv("PGPASSWORD")
	pass := filepath.Join(t.TempDir(), "pgpass")
	line := fmt.Sprintf("%s:%d:%s:%s:%s\n", c.Host, c.Port, db, c.User, c.Password)
	if err := os.WriteFile(pass, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PGPASSFILE", pass)
	b, err = Open(ctx, url, Options{})
	if err != nil {
		t.Fatalf("password file: %v", err)
	}
	b.Close()
}

func TestDescribeMapsTypes(t *testing.T) {
	b, _, _ := openDB(t, "app.Trips", Options{},
		`CREATE SCHEMA app`,
		`CREATE TYPE mood AS ENUM ('ok')`,
		`CREATE TABLE app."Trips" (a int2, b int4, c int8, d numeric(12,3), e numeric, f float4, g float8,
			h text, i varchar(5), j char(3), k bool, l date, m timestamp, n timestamptz, o uuid, p jsonb,
			q bytea, r int4[], s mood, "Odd ""name""" interval, u numeric(50,2))`)
	ds, err := b.Describe(context.Background(), "primary")
	if err != nil {
		t.Fatal(err)
	}
	want := `[{a SMALLINT} {b INTEGER} {c BIGINT} {d DECIMAL(12,3)} {e DOUBLE} {f FLOAT} {g DOUBLE} {h VARCHAR} {i VARCHAR} {j VARCHAR} {k BOOLEAN} {l DATE} {m TIMESTAMP} {n TIMESTAMP WITH TIME ZONE} {o UUID} {p JSON} {q BLOB} {r ARRAY(_INT4)} {s USER-DEFINED(MOOD)} {Odd "name" INTERVAL} {u DOUBLE}]`
	if fmt.Sprint(ds.Columns) != want {
		t.Errorf("columns\n got %v\nwant %v", ds.Columns, want)
	}
	if ds.Relation != `"app"."Trips"` {
		t.Errorf("relation %s", ds.Relation)
	}
	// A reference in the same database, by schema-less name (search path).
	if _, err := b.conn.Exec(context.Background(), "CREATE TABLE public.other (x int)"); err != nil {
		t.Fatal(err)
	}
	ref, err := b.Describe(context.Background(), "other")
	if err != nil || ref.Relation != `"public"."other"` || len(ref.Columns) != 1 {
		t.Errorf("reference: %+v, %v", ref, err)
	}
	_, err = b.Describe(context.Background(), "app.trips")
	if err == nil || !strings.Contains(err.Error(), "not found") || !strings.Contains(err.Error(), "lower case") {
		t.Errorf("missing table: %v", err)
	}
}

func TestQueryRowConvertsValues(t *testing.T) {
	b, _, _ := openDB(t, "t", Options{}, "CREATE TABLE t (x int)")
	got, err := b.QueryRow(context.Background(), `SELECT 1::int2, 2::int4, 9007199254740993::int8, 1.5::float4,
		12345678901234567890.125::numeric, NULL::float8, true, 'NaN'::float8, 'NaN'::numeric, '-Infinity'::float8,
		sum(x), count(*) FROM t`, 12)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 2, 9007199254740992, 1.5, 12345678901234567890.125, -1, 1, math.NaN(), math.NaN(), math.Inf(-1), -1, 0}
	for i, w := range want {
		g := got[i]
		switch {
		case w == -1:
			if g.Valid {
				t.Errorf("col %d = %v, want NULL", i+1, g.Float64)
			}
		case math.IsNaN(w):
			if !g.Valid || !math.IsNaN(g.Float64) {
				t.Errorf("col %d = %+v, want NaN", i+1, g)
			}
		case !g.Valid || g.Float64 != w:
			t.Errorf("col %d = %+v, want %v", i+1, g, w)
		}
	}
	if _, err := b.QueryRow(context.Background(), "SELECT 1", 2); err == nil || !strings.Contains(err.Error(), "1 columns, want 2") {
		t.Errorf("wrong width: %v", err)
	}
	_, err = b.QueryRow(context.Background(), "SELECT nope FROM t", 1)
	if err == nil || !strings.Contains(err.Error(), "42703") || !strings.Contains(err.Error(), `column "nope" does not exist`) {
		t.Errorf("bad statement: %v", err)
	}
}

// Cancelling the context stops the statement on the server, not just the
// wait for it.
func TestCancelStopsServerStatement(t *testing.T) {
	b, c, db := openDB(t, "t", Options{}, "CREATE TABLE t (x int)")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := b.QueryRow(ctx, "SELECT 1 FROM pg_sleep(30)", 1)
	if err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("cancellation took %s", d)
	}
	admin := c.Conn(t, db)
	for i := 0; ; i++ {
		var n int
		if err := admin.QueryRow(context.Background(),
			"SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid() AND state = 'active'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if i == 100 {
			t.Fatal("the server still runs the cancelled statement")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStatementTimeout(t *testing.T) {
	b, _, _ := openDB(t, "t", Options{StatementTimeout: 200 * time.Millisecond}, "CREATE TABLE t (x int)")
	_, err := b.QueryRow(context.Background(), "SELECT 1 FROM pg_sleep(5)", 1)
	if err == nil || !strings.Contains(err.Error(), "statement_timeout") {
		t.Fatalf("err = %v", err)
	}
}

// TLS follows sslmode: require encrypts, verify-full checks the server's
// certificate against sslrootcert, and fails without the right root.
func TestTLSFollowsSSLMode(t *testing.T) {
	c := shared.Cluster(t)
	db := c.NewDB(t)
	if _, err := c.Conn(t, db).Exec(context.Background(), "CREATE TABLE t (x int)"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PGPASSWORD", c.Password)
	base := fmt.Sprintf("postgres://%s@%s:%d/%s?table=t", c.User, c.Host, c.Port, db)
	ctx := context.Background()
	for _, q := range []string{"&sslmode=require", "&sslmode=verify-full&sslrootcert=" + c.RootCert, "&sslmode=disable"} {
		b, err := Open(ctx, base+q, Options{})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var ssl bool
		if err := b.Conn().QueryRow(ctx, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl); err != nil {
			t.Fatal(err)
		}
		b.Close()
		if want := q != "&sslmode=disable"; ssl != want {
			t.Errorf("%s: ssl = %v", q, ssl)
		}
	}
	other := filepath.Join(t.TempDir(), "other.crt")
	// A root that did not sign the server's certificate.
	if err := os.WriteFile(other, []byte(otherCA(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := Open(ctx, base+"&sslmode=verify-full&sslrootcert="+other, Options{}); err == nil {
		b.Close()
		t.Fatal("verify-full accepted a certificate its root did not sign")
	}
}

// otherCA is an unrelated self-signed certificate for 127.0.0.1.
func otherCA(t *testing.T) string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "other"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

package pgtest

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
)

var shared Shared

func TestMain(m *testing.M) { os.Exit(shared.Run(m)) }

// The cluster is real PostgreSQL: a test database answers SQL, TCP needs
// the password, and databases of different tests are separate.
func TestClusterServesDatabases(t *testing.T) {
	c := shared.Cluster(t)
	db := c.NewDB(t)
	conn := c.Conn(t, db)
	ctx := context.Background()
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version_num").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if len(v) < 6 || v[:2] != "15" && c.Version == 15 {
		t.Errorf("server_version_num = %s, PG_VERSION = %d", v, c.Version)
	}
	var got string
	if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&got); err != nil || got != db {
		t.Fatalf("current_database() = %q, %v; want %q", got, err, db)
	}
	wrong := "postgres://" + c.User + ":nope@" + c.Host + ":" + itoa(c.Port) + "/" + db + "?sslmode=disable"
	if bad, err := pgx.Connect(ctx, wrong); err == nil {
		bad.Close(ctx)
		t.Fatal("a wrong password connected over TCP")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

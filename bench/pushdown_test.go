package bench

import (
	"bufio"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/postgres"
	"github.com/dqlabs/dq/engine/postgres/pgtest"
)

// BenchmarkPostgresPushdown compares two ways of checking the taxi ruleset
// on data that lives in PostgreSQL (a private local cluster, the rows
// loaded once from the generated taxi file):
//
//   - pushdown: the ruleset's metric statements run in PostgreSQL (the
//     PostgreSQL dialect's rendering, through the postgres Backend); only
//     their one-row results cross the connection;
//   - pull: the table is copied out (COPY TO STDOUT, binary format) into
//     an in-memory DuckDB and dq evaluates the ruleset there.
//
// Both connections go through a dialer that counts the bytes in each
// direction. The runs alternate in one loop so that a busy machine slows
// both alike. It reports pushdown-bytes, pull-bytes, bytes-% (pushdown
// as a percentage of pull; the bound is < 1), pushdown-ms,
// pull-ms and pull/pushdown. Rows: DQ_BENCH_ROWS (default 1000000; the
// documented figure is for 10000000).
func BenchmarkPostgresPushdown(b *testing.B) {
	rows := int64(1_000_000)
	if s := os.Getenv("DQ_BENCH_ROWS"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			b.Fatalf("DQ_BENCH_ROWS=%q is not a positive row count", s)
		}
		rows = n
	}
	bin, err := pgtest.FindBin()
	if err != nil {
		b.Skip(err)
	}
	ctx := context.Background()
	cluster, err := pgtest.Start(ctx, bin)
	if err != nil {
		b.Fatal(err)
	}
	defer cluster.Stop()
	b.Setenv("PGPASSWORD", cluster.Password)
	start := time.Now()
	loadTaxi(b, cluster, dataset(b, rows))
	b.Logf("loaded %d rows into PostgreSQL in %s", rows, time.Since(start).Round(time.Second))

	rs := loadRuleset(b)
	url := fmt.Sprintf("postgres://%s@%s:%d/postgres?sslmode=disable&table=public.taxi", cluster.User, cluster.Host, cluster.Port)
	var push, pull counter
	var pushWall, pullWall time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := pushdown(ctx, url, &push); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := pullAndEvaluate(ctx, cluster, rs, &pull); err != nil {
			b.Fatal(err)
		}
		pushWall += t1.Sub(t0)
		pullWall += time.Since(t1)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(push.total())/n, "pushdown-bytes")
	b.ReportMetric(float64(pull.total())/n, "pull-bytes")
	b.ReportMetric(100*float64(push.total())/float64(pull.total()), "bytes-%")
	b.ReportMetric(float64(pushWall.Milliseconds())/n, "pushdown-ms")
	b.ReportMetric(float64(pullWall.Milliseconds())/n, "pull-ms")
	b.ReportMetric(float64(pullWall)/float64(pushWall), "pull/pushdown")
	if push.total()*100 >= pull.total() {
		b.Errorf("pushdown moved %d bytes, pull %d: not under 1%%", push.total(), pull.total())
	}
}

// counter counts the bytes read and written on connections.
type counter struct{ in, out atomic.Int64 }

func (c *counter) total() int64 { return c.in.Load() + c.out.Load() }

func (c *counter) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &countedConn{Conn: conn, c: c}, nil
}

type countedConn struct {
	net.Conn
	c *counter
}

func (c *countedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.c.in.Add(int64(n))
	return n, err
}

func (c *countedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.c.out.Add(int64(n))
	return n, err
}

// loadTaxi creates public.taxi from the Parquet file: DuckDB writes CSV,
// PostgreSQL's COPY reads it.
func loadTaxi(b *testing.B, c *pgtest.Cluster, parquet string) {
	ctx := context.Background()
	duck, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	defer duck.Close()
	rows, err := duck.Query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(" + engine.QuoteString(parquet) + "))")
	if err != nil {
		b.Fatal(err)
	}
	var defs []string
	for rows.Next() {
		var n, ty string
		if err := rows.Scan(&n, &ty); err != nil {
			b.Fatal(err)
		}
		pt := map[string]string{"BIGINT": "bigint", "INTEGER": "integer", "DOUBLE": "double precision",
			"VARCHAR": "text", "TIMESTAMP": "timestamp", "SMALLINT": "smallint"}[ty]
		if pt == "" {
			b.Fatalf("taxi column %s: no PostgreSQL type for %s", n, ty)
		}
		defs = append(defs, pgx.Identifier{n}.Sanitize()+" "+pt)
	}
	rows.Close()
	csv := filepath.Join(b.TempDir(), "taxi.csv")
	if _, err := duck.Exec("COPY (SELECT * FROM read_parquet(" + engine.QuoteString(parquet) + ")) TO " + engine.QuoteString(csv) + " (FORMAT csv, HEADER false)"); err != nil {
		b.Fatal(err)
	}
	defer os.Remove(csv)
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE public.taxi ("+strings.Join(defs, ", ")+")"); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(csv)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := conn.PgConn().CopyFrom(ctx, f, "COPY public.taxi FROM STDIN (FORMAT csv)"); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE public.taxi"); err != nil {
		b.Fatal(err)
	}
}

// pushdownStatements are the taxi ruleset's metrics in PostgreSQL: the
// statements of bench/handwritten, respelt. They stand in for dq's own
// plan until the planner renders for a Backend; the bytes on the wire are
// the same kind either way: a few statements out, one row each back.
var pushdownStatements = []struct {
	n   int
	sql string
}{
	{2, `SELECT count(*), count(*) FILTER (WHERE column_name = 'airport_fee') FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'taxi'`},
	{20, `SELECT
  count(*), count("VendorID"), count(passenger_count),
  count(*) FILTER (WHERE passenger_count IS NOT NULL),
  count(congestion_surcharge) FILTER (WHERE passenger_count IS NOT NULL),
  count(*) FILTER (WHERE "VendorID" IN (1, 2, 6)),
  count(*) FILTER (WHERE payment_type IN (0, 1, 2, 3, 4, 5, 6)),
  min(fare_amount), count(fare_amount),
  count(*) FILTER (WHERE passenger_count > 0 AND passenger_count < 7),
  count(*) FILTER (WHERE store_and_fwd_flag IN ('Y', 'N')),
  count(*) FILTER (WHERE fare_amount < 0),
  avg(CASE WHEN tpep_dropoff_datetime < tpep_pickup_datetime THEN 1.0 ELSE 0.0 END),
  avg(trip_distance), stddev_pop(fare_amount), sum(total_amount), avg(tip_amount),
  count(DISTINCT "PULocationID") + (count(*) > count("PULocationID"))::int,
  min(length(store_and_fwd_flag)) FILTER (WHERE store_and_fwd_flag IS NOT NULL),
  max(length(store_and_fwd_flag)) FILTER (WHERE store_and_fwd_flag IS NOT NULL)
FROM public.taxi`},
	{1, `SELECT coalesce(count(*) FILTER (WHERE c = 1)::float8 / sum(c), 0)
FROM (SELECT count(*) AS c FROM public.taxi
      WHERE "VendorID" IS NOT NULL OR tpep_pickup_datetime IS NOT NULL OR "PULocationID" IS NOT NULL
      GROUP BY "VendorID", tpep_pickup_datetime, "PULocationID") g`},
	{1, `SELECT coalesce(-sum(c / n * ln(c / n)), 0)
FROM (SELECT count(*)::float8 AS c, sum(count(*)) OVER ()::float8 AS n
      FROM public.taxi WHERE payment_type IS NOT NULL GROUP BY payment_type) g`},
}

func pushdown(ctx context.Context, url string, c *counter) error {
	be, err := postgres.Open(ctx, url, postgres.Options{DialFunc: c.dial})
	if err != nil {
		return err
	}
	defer be.Close()
	if _, err := be.Describe(ctx, "primary"); err != nil {
		return err
	}
	for _, s := range pushdownStatements {
		if _, err := be.QueryRow(ctx, s.sql, s.n); err != nil {
			return err
		}
	}
	return nil
}

// pullAndEvaluate copies the table out in PostgreSQL's binary COPY format,
// appends the rows to DuckDB and evaluates the ruleset there.
func pullAndEvaluate(ctx context.Context, cl *pgtest.Cluster, rs *dqdl.Ruleset, c *counter) error {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://%s@%s:%d/postgres?sslmode=disable", cl.User, cl.Host, cl.Port))
	if err != nil {
		return err
	}
	cfg.DialFunc = c.dial
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var names, types []string
	rows, err := conn.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = 'taxi' ORDER BY ordinal_position`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			return err
		}
		names, types = append(names, n), append(types, t)
	}
	if err := rows.Err(); err != nil {
		return err
	}

	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return err
	}
	defer connector.Close()
	db := sql.OpenDB(connector)
	defer db.Close()
	db.SetMaxOpenConns(1)
	var defs []string
	for i, n := range names {
		dt := map[string]string{"bigint": "BIGINT", "integer": "INTEGER", "smallint": "SMALLINT", "double precision": "DOUBLE",
			"text": "VARCHAR", "timestamp without time zone": "TIMESTAMP"}[types[i]]
		if dt == "" {
			return fmt.Errorf("column %s: type %s not handled", n, types[i])
		}
		defs = append(defs, engine.QuoteIdent(n)+" "+dt)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE taxi ("+strings.Join(defs, ", ")+")"); err != nil {
		return err
	}
	dconn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	err = dconn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "taxi")
		if err != nil {
			return err
		}
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() { done <- decodeBinaryCopy(pr, types, app.AppendRow) }()
		_, cerr := conn.PgConn().CopyTo(ctx, pw, "COPY public.taxi TO STDOUT (FORMAT binary)")
		pw.CloseWithError(cerr)
		derr := <-done
		if ferr := app.Close(); derr == nil {
			derr = ferr
		}
		if cerr != nil {
			return cerr
		}
		return derr
	})
	dconn.Close()
	if err != nil {
		return err
	}
	sess, err := engine.OpenSessionOn(ctx, db)
	if err != nil {
		return err
	}
	defer sess.Close()
	ds, err := sess.Register(ctx, "primary", engine.Table("taxi"))
	if err != nil {
		return err
	}
	if err := sess.Seal(ctx); err != nil {
		return err
	}
	res, err := engine.EvaluateOn(ctx, sess, rs, ds, engine.Options{})
	if err != nil {
		return err
	}
	if len(res.RuleResults) != rulesInRuleset {
		return fmt.Errorf("pull: %d rule results, want %d", len(res.RuleResults), rulesInRuleset)
	}
	return nil
}

// pgEpoch is PostgreSQL's timestamp origin.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// decodeBinaryCopy reads PostgreSQL's binary COPY format (a signature,
// flags and header extension, then per row a field count and per field a
// length, -1 for NULL, and the value in the type's binary send format)
// for the types the taxi table has.
func decodeBinaryCopy(r io.Reader, types []string, emit func(...driver.Value) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	hdr := make([]byte, 19)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return fmt.Errorf("binary COPY header: %w", err)
	}
	if string(hdr[:11]) != "PGCOPY\n\xff\r\n\x00" {
		return errors.New("not a binary COPY stream")
	}
	if ext := binary.BigEndian.Uint32(hdr[15:]); ext > 0 {
		if _, err := io.CopyN(io.Discard, br, int64(ext)); err != nil {
			return err
		}
	}
	row := make([]driver.Value, len(types))
	buf := make([]byte, 0, 64)
	var b4 [4]byte
	for {
		if _, err := io.ReadFull(br, b4[:2]); err != nil {
			return err
		}
		nf := int16(binary.BigEndian.Uint16(b4[:2]))
		if nf == -1 {
			return nil
		}
		if int(nf) != len(types) {
			return fmt.Errorf("binary COPY: %d fields, want %d", nf, len(types))
		}
		for i, t := range types {
			if _, err := io.ReadFull(br, b4[:]); err != nil {
				return err
			}
			n := int32(binary.BigEndian.Uint32(b4[:]))
			if n < 0 {
				row[i] = nil
				continue
			}
			buf = buf[:n]
			if _, err := io.ReadFull(br, buf); err != nil {
				return err
			}
			switch t {
			case "bigint":
				row[i] = int64(binary.BigEndian.Uint64(buf))
			case "integer":
				row[i] = int32(binary.BigEndian.Uint32(buf))
			case "smallint":
				row[i] = int16(binary.BigEndian.Uint16(buf))
			case "double precision":
				row[i] = math.Float64frombits(binary.BigEndian.Uint64(buf))
			case "text":
				row[i] = string(buf)
			case "timestamp without time zone":
				row[i] = pgEpoch.Add(time.Duration(int64(binary.BigEndian.Uint64(buf))) * time.Microsecond)
			default:
				return fmt.Errorf("binary COPY: type %s not handled", t)
			}
		}
		if err := emit(row...); err != nil {
			return err
		}
	}
}

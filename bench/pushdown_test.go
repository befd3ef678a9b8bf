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
//   - pushdown: dq's plan rendered in the PostgreSQL dialect runs in the
//     database (engine.EvaluateOnBackend with the postgres Backend); only
//     the statements' one-row results cross the connection;
//   - pull: the table is copied out (COPY TO STDOUT, binary format) into
//     an in-memory DuckDB and dq evaluates the ruleset there.
//
// The first iteration checks that both judge every rule alike (rules the
// dialect cannot express are logged). Both connections go through a dialer that counts the bytes in each
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
		pres, err := pushdown(ctx, url, rs, &push)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		lres, err := pullAndEvaluate(ctx, cluster, rs, &pull)
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			compareRuns(b, pres, lres)
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
// compareRuns checks that both paths judged every rule alike: the
// benchmark compares two ways to the same verdicts, or it compares
// nothing. Rules the PostgreSQL dialect cannot express ERROR on pushdown
// and are listed instead.
func compareRuns(b *testing.B, push, pull *engine.Result) {
	for i, p := range push.RuleResults {
		l := pull.RuleResults[i]
		if p.Result == engine.Error && strings.HasPrefix(p.EvaluationMessage, "Cannot evaluate on postgresql") {
			b.Logf("%s not pushed down: %s", p.Name, p.EvaluationMessage)
			continue
		}
		if p.Result != l.Result {
			b.Errorf("%s %s: pushdown %s (%s), pull %s (%s)", p.Name, p.Description, p.Result, p.EvaluationMessage, l.Result, l.EvaluationMessage)
		}
		for k, v := range l.EvaluatedMetrics {
			if pv, ok := p.EvaluatedMetrics[k]; !ok || math.Abs(pv-v) > 1e-9*math.Max(math.Abs(pv), math.Abs(v)) {
				b.Errorf("%s metric %s: pushdown %v, pull %v", p.Name, k, pv, v)
			}
		}
	}
}

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

// pushdown evaluates the ruleset with dq's plan rendered for PostgreSQL
// (engine.EvaluateOnBackend): a few statements out, one row each back.
func pushdown(ctx context.Context, url string, rs *dqdl.Ruleset, c *counter) (*engine.Result, error) {
	be, err := postgres.Open(ctx, url, postgres.Options{DialFunc: c.dial})
	if err != nil {
		return nil, err
	}
	defer be.Close()
	return engine.EvaluateOnBackend(ctx, rs, be, engine.Options{})
}

// pullAndEvaluate copies the table out in PostgreSQL's binary COPY format,
// appends the rows to DuckDB and evaluates the ruleset there.
func pullAndEvaluate(ctx context.Context, cl *pgtest.Cluster, rs *dqdl.Ruleset, c *counter) (*engine.Result, error) {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://%s@%s:%d/postgres?sslmode=disable", cl.User, cl.Host, cl.Port))
	if err != nil {
		return nil, err
	}
	cfg.DialFunc = c.dial
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	var names, types []string
	rows, err := conn.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = 'taxi' ORDER BY ordinal_position`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			return nil, err
		}
		names, types = append(names, n), append(types, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, err
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
			return nil, fmt.Errorf("column %s: type %s not handled", n, types[i])
		}
		defs = append(defs, engine.QuoteIdent(n)+" "+dt)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE taxi ("+strings.Join(defs, ", ")+")"); err != nil {
		return nil, err
	}
	dconn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
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
		return nil, err
	}
	sess, err := engine.OpenSessionOn(ctx, db)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	ds, err := sess.Register(ctx, "primary", engine.Table("taxi"))
	if err != nil {
		return nil, err
	}
	if err := sess.Seal(ctx); err != nil {
		return nil, err
	}
	res, err := engine.EvaluateOn(ctx, sess, rs, ds, engine.Options{})
	if err != nil {
		return nil, err
	}
	if len(res.RuleResults) != rulesInRuleset {
		return nil, fmt.Errorf("pull: %d rule results, want %d", len(res.RuleResults), rulesInRuleset)
	}
	return res, nil
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

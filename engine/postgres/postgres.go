// Package postgres is dq's PostgreSQL and Amazon Redshift backend
// (engine.Backend): a run's metric statements are rendered in the
// PostgreSQL (or Redshift) dialect and executed in the database that holds
// the table, over pgx v5 and the PostgreSQL wire protocol; only their
// one-row results travel back.
//
// A dataset is named by URL:
//
//	postgres://user@host:port/db?table=schema.table&sslmode=require
//
// (postgresql:// and redshift:// too; redshift:// selects the Redshift
// dialect and defaults to port 5439; with iam=true, credentials come from
// Redshift's GetClusterCredentials, see IAMAuth). The password comes from PGPASSWORD
// or the password file (~/.pgpass, PGPASSFILE), as with psql; a password
// written in the URL is refused, because the URL is echoed in results,
// history and logs. The other libpq parameters (sslmode, sslrootcert,
// connect_timeout, application_name...) pass through to pgx; TLS follows
// sslmode exactly as libpq does (pgx's default, prefer, tries TLS first).
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/dqlabs/dq/engine"
	"github.com/dqlabs/dq/engine/sqlexpr"
)

// Options configures Open.
type Options struct {
	// StatementTimeout bounds every statement on the server
	// (statement_timeout); 0 keeps the server's setting. Cancelling the
	// context also cancels a running statement.
	StatementTimeout time.Duration
	// DialFunc, when set, opens the network connections (the benchmark
	// counts the bytes that cross it).
	DialFunc pgconn.DialFunc
	// ApplicationName is shown in pg_stat_activity; default "dq".
	ApplicationName string
	// AWS is the configuration for Redshift IAM authentication (iam=true
	// in the URL); nil loads the default chain.
	AWS *aws.Config
}

// Backend is a connection to one database, with the dataset's table.
// It is safe for concurrent use; statements run one at a time.
type Backend struct {
	mu      sync.Mutex
	conn    *pgx.Conn
	dialect *sqlexpr.Dialect
	schema  string // "" until resolved: the connection's current_schema()
	table   string
	where   string // redacted URL, for messages
	// server is the host, port and database connected to: a reference
	// given as a URL must name the same to be joined with the table.
	server   string
	redshift bool
	// types are the primary table's column types (DuckDB spellings) once
	// described; the dialect consults them.
	types map[string]string
}

var _ engine.Backend = (*Backend)(nil)

// Target is a parsed dataset URL.
type Target struct {
	// ConnString is the URL pgx connects with (postgres:// scheme, no
	// table parameter).
	ConnString string
	// Schema ("" = the connection's current schema) and Table name the
	// table exactly as stored (PostgreSQL folds unquoted names to lower
	// case when tables are created; write them that way here).
	Schema, Table string
	// Redshift is true for redshift:// URLs.
	Redshift bool
	// Display is the URL without secrets, for messages.
	Display string
	// IAM, when set, fetches temporary credentials from Redshift.
	IAM *IAMAuth
}

// ParseURL parses a dataset URL (see the package documentation).
func ParseURL(raw string) (*Target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url's errors quote the whole input, which may hold a password.
		return nil, fmt.Errorf("dataset URL %s is not a valid URL", Redact(raw))
	}
	t := &Target{}
	switch u.Scheme {
	case "postgres", "postgresql":
	case "redshift":
		t.Redshift = true
		if u.Port() == "" && u.Host != "" {
			u.Host += ":5439"
		}
	default:
		return nil, fmt.Errorf("dataset URL %s: scheme %q is not postgres://, postgresql:// or redshift://", Redact(raw), u.Scheme)
	}
	if _, has := u.User.Password(); has {
		return nil, fmt.Errorf("dataset URL %s has a password in it; dq does not take passwords from URLs (they end up in results, history and shell history)\n  hint: set PGPASSWORD, or add the password to ~/.pgpass (host:port:db:user:password, mode 0600)", Redact(raw))
	}
	q := u.Query()
	if q.Has("password") {
		return nil, fmt.Errorf("dataset URL %s has a password parameter; dq does not take passwords from URLs\n  hint: set PGPASSWORD, or add the password to ~/.pgpass", Redact(raw))
	}
	table := q.Get("table")
	if table == "" {
		return nil, fmt.Errorf("dataset URL %s names no table\n  hint: add ?table=schema.table (or ?table=table for the search path's first schema)", Redact(raw))
	}
	t.Schema, t.Table, err = splitTable(table)
	if err != nil {
		return nil, fmt.Errorf("dataset URL %s: %w", Redact(raw), err)
	}
	if t.IAM, err = parseIAM(u, q, t.Redshift); err != nil {
		return nil, fmt.Errorf("dataset URL %s: %w", Redact(raw), err)
	}
	if strings.Trim(u.Path, "/") == "" {
		return nil, fmt.Errorf("dataset URL %s names no database\n  hint: postgres://user@host:port/DATABASE?table=schema.table", Redact(raw))
	}
	q.Del("table")
	u.RawQuery = q.Encode()
	u.Scheme = "postgres"
	t.ConnString = u.String()
	t.Display = Redact(raw)
	return t, nil
}

// splitTable splits schema.table; a name holding a dot can be written in
// double quotes ("my.schema"."t").
func splitTable(s string) (schema, table string, err error) {
	var parts []string
	for len(s) > 0 {
		var part string
		if s[0] == '"' {
			end := -1
			for i := 1; i < len(s); i++ {
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						i++
						continue
					}
					end = i
					break
				}
			}
			if end < 0 {
				return "", "", fmt.Errorf("table %q has an unterminated quote", s)
			}
			part = strings.ReplaceAll(s[1:end], `""`, `"`)
			s = s[end+1:]
		} else {
			i := strings.IndexByte(s, '.')
			if i < 0 {
				i = len(s)
			}
			part, s = s[:i], s[i:]
		}
		if part == "" {
			return "", "", fmt.Errorf("table %q has an empty name part", s)
		}
		parts = append(parts, part)
		if s != "" {
			if s[0] != '.' {
				return "", "", fmt.Errorf("table name: expected a dot after %q", part)
			}
			s = s[1:]
			if s == "" {
				return "", "", errors.New("table name ends with a dot")
			}
		}
	}
	switch len(parts) {
	case 1:
		return "", parts[0], nil
	case 2:
		return parts[0], parts[1], nil
	}
	return "", "", fmt.Errorf("table %q: want schema.table (the database is the URL's path)", s)
}

// Redact returns a dataset URL with any password replaced by "xxxxx",
// for messages; text that does not parse is replaced whole.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparseable URL>"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// Open connects to the database of a dataset URL.
func Open(ctx context.Context, rawURL string, opts Options) (*Backend, error) {
	t, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return OpenTarget(ctx, t, opts)
}

// OpenTarget connects to a parsed target.
func OpenTarget(ctx context.Context, t *Target, opts Options) (*Backend, error) {
	cfg, err := pgx.ParseConfig(t.ConnString)
	if err != nil {
		// pgx's text repeats the URL, redacted only on a best-effort basis.
		var pe *pgconn.ParseConfigError
		if errors.As(err, &pe) && errors.Unwrap(pe) != nil {
			err = errors.Unwrap(pe)
		} else {
			err = errors.New("not a valid connection URL")
		}
		return nil, fmt.Errorf("dataset URL %s: %v", t.Display, err)
	}
	if opts.DialFunc != nil {
		cfg.DialFunc = opts.DialFunc
	}
	app := opts.ApplicationName
	if app == "" {
		app = "dq"
	}
	if _, set := cfg.RuntimeParams["application_name"]; !set {
		cfg.RuntimeParams["application_name"] = app
	}
	if !t.Redshift {
		// The dialect writes standard-conforming literals: a backslash is
		// an ordinary character. (Redshift's dialect escapes backslashes.)
		cfg.RuntimeParams["standard_conforming_strings"] = "on"
		// Dates print as DuckDB prints them (YYYY-MM-DD) whatever the
		// server's default: cross-dataset rules compare some values as
		// text.
		cfg.RuntimeParams["datestyle"] = "ISO, MDY"
	}
	if opts.StatementTimeout > 0 {
		ms := opts.StatementTimeout.Milliseconds()
		if ms < 1 {
			ms = 1
		}
		cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(ms, 10)
	}
	d := Dialect()
	if t.Redshift {
		d = RedshiftDialect()
		// Redshift does not cache prepared statements the way pgx's
		// default mode expects; the simple protocol always works.
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	}
	if t.IAM != nil {
		if cfg.User, cfg.Password, err = t.IAM.credentials(ctx, opts.AWS); err != nil {
			return nil, err
		}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %v\n  hint: %s", t.Display, connectError(err), connectHint(err))
	}
	b := &Backend{conn: conn, schema: t.Schema, table: t.Table, where: t.Display, server: serverOf(cfg), redshift: t.Redshift}
	b.dialect = typedDialect(d, b.typeOf)
	return b, nil
}

// connectError is pgx's error without the parts that repeat the config.
func connectError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe
	}
	return err
}

func connectHint(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01", "28000":
			return "check the user, and the password in PGPASSWORD or ~/.pgpass (host:port:db:user:password)"
		case "3D000":
			return "the database in the URL's path does not exist"
		}
	}
	return "check the host, port and sslmode in the URL, and that the server accepts connections from here"
}

// typeOf is the type of a primary column, once described.
func (b *Backend) typeOf(col string) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.types[col]
	return t, ok
}

// Dialect renders the plan's expressions for this database.
func (b *Backend) Dialect() *sqlexpr.Dialect { return b.dialect }

// serverOf identifies the database a configuration connects to.
func serverOf(cfg *pgx.ConnConfig) string {
	return strings.ToLower(cfg.Host) + ":" + strconv.Itoa(int(cfg.Port)) + "/" + cfg.Database
}

// Describe resolves "primary" to the URL's table, and any other name to
// a table of the same database: schema.table or table, or a dataset URL
// of the same host, port and database. References must live where the
// data does, since the rules comparing with them are joins: a URL of
// another database, or a name that is a path or another kind of URL, is
// an error wrapping engine.ErrNotColocated.
func (b *Backend) Describe(ctx context.Context, name string) (*engine.Dataset, error) {
	schema, table := b.schema, b.table
	if name != "primary" {
		var err error
		if schema, table, err = b.reference(name); err != nil {
			return nil, err
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if schema == "" {
		if err := b.conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return nil, b.queryError(ctx, err)
		}
	}
	// information_schema, not pg_catalog: Redshift has it too.
	rows, err := b.conn.Query(ctx, `SELECT column_name, data_type, udt_name,
		character_maximum_length::int4, numeric_precision::int4, numeric_scale::int4
		FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2
		ORDER BY ordinal_position`, schema, table)
	if err != nil {
		return nil, b.queryError(ctx, err)
	}
	var cols []engine.Column
	for rows.Next() {
		var name, typ, udt string
		var charLen, prec, scale *int32
		if err := rows.Scan(&name, &typ, &udt, &charLen, &prec, &scale); err != nil {
			rows.Close()
			return nil, b.queryError(ctx, err)
		}
		cols = append(cols, engine.Column{Name: name, Type: DuckDBType(typ, udt, prec, scale)})
	}
	if err := rows.Err(); err != nil {
		return nil, b.queryError(ctx, err)
	}
	if len(cols) > 0 && name == "primary" {
		b.types = map[string]string{}
		for _, c := range cols {
			b.types[c.Name] = c.Type
		}
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("table %s.%s not found in %s (or this user may not read its columns)\n  hint: names are matched exactly as stored; PostgreSQL stores unquoted names in lower case", quoteIdent(schema), quoteIdent(table), b.where)
	}
	return &engine.Dataset{
		Alias:    name,
		Relation: quoteIdent(schema) + "." + quoteIdent(table),
		Columns:  cols,
		Location: b.where + " table " + schema + "." + table,
	}, nil
}

// reference resolves a reference name to a table of this database.
func (b *Backend) reference(name string) (schema, table string, err error) {
	if scheme, _, ok := strings.Cut(name, "://"); ok {
		switch strings.ToLower(scheme) {
		case "postgres", "postgresql", "redshift":
		default:
			return "", "", fmt.Errorf("%s is not a table of %s: %w", redactName(name), b.where, engine.ErrNotColocated)
		}
		t, err := ParseURL(name)
		if err != nil {
			return "", "", err
		}
		cfg, err := pgx.ParseConfig(t.ConnString)
		if err != nil {
			return "", "", fmt.Errorf("reference URL %s is not a valid connection URL", t.Display)
		}
		if s := serverOf(cfg); s != b.server || t.Redshift != b.redshift {
			return "", "", fmt.Errorf("%s is in database %s, the primary table in %s: %w", t.Display, s, b.server, engine.ErrNotColocated)
		}
		return t.Schema, t.Table, nil
	}
	if strings.ContainsAny(name, `/\`) {
		return "", "", fmt.Errorf("%s is a path, not a table of %s: %w", name, b.where, engine.ErrNotColocated)
	}
	if schema, table, err = splitTable(name); err != nil {
		return "", "", fmt.Errorf("reference %q: %w", name, err)
	}
	return schema, table, nil
}

// redactName is a reference name for messages: URLs without secrets.
func redactName(name string) string {
	if strings.Contains(name, "://") {
		return Redact(name)
	}
	return name
}

// DuckDBType spells a column type of information_schema.columns
// (data_type, udt_name, numeric precision and scale) as DuckDB does,
// because the planner's type rules are written in DuckDB's names.
//
// Types without a DuckDB counterpart the planner understands keep their
// PostgreSQL name in upper case (e.g. "USER-DEFINED(MOOD)", "ARRAY(_INT4)",
// "XML"): rules that need a number, string or date type reject such
// columns; completeness and uniqueness still apply.
func DuckDBType(dataType, udt string, prec, scale *int32) string {
	switch dataType {
	case "smallint":
		return "SMALLINT"
	case "integer":
		return "INTEGER"
	case "bigint":
		return "BIGINT"
	case "real":
		return "FLOAT"
	case "double precision":
		return "DOUBLE"
	case "numeric":
		// Unconstrained numeric (any precision) and precisions beyond
		// DuckDB's DECIMAL(38) compute in PostgreSQL's numeric; the planner
		// sees a DOUBLE, the type its metrics are returned in.
		if prec == nil || *prec > 38 {
			return "DOUBLE"
		}
		s := int32(0)
		if scale != nil {
			s = *scale
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", *prec, s)
	case "text", "character varying", "character", "name", "citext":
		return "VARCHAR"
	case "boolean":
		return "BOOLEAN"
	case "date":
		return "DATE"
	case "timestamp without time zone":
		return "TIMESTAMP"
	case "timestamp with time zone":
		return "TIMESTAMP WITH TIME ZONE"
	case "time without time zone":
		return "TIME"
	case "uuid":
		return "UUID"
	case "bytea":
		return "BLOB"
	case "interval":
		return "INTERVAL"
	case "json", "jsonb":
		return "JSON"
	case "USER-DEFINED", "ARRAY":
		return dataType + "(" + strings.ToUpper(udt) + ")"
	}
	return strings.ToUpper(dataType)
}

// QueryRow runs a statement returning one row of n numeric columns
// (counts, sums, averages, booleans as 1/0).
func (b *Backend) QueryRow(ctx context.Context, query string, n int) ([]sql.NullFloat64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	rows, err := b.conn.Query(ctx, query)
	if err != nil {
		return nil, b.queryError(ctx, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, b.queryError(ctx, err)
		}
		return nil, fmt.Errorf("%s: the statement returned no row", b.where)
	}
	vals, err := rows.Values()
	if err != nil {
		return nil, b.queryError(ctx, err)
	}
	if len(vals) != n {
		return nil, fmt.Errorf("%s: the statement returned %d columns, want %d", b.where, len(vals), n)
	}
	out := make([]sql.NullFloat64, n)
	for i, v := range vals {
		f, ok, err := toFloat(v)
		if err != nil {
			return nil, fmt.Errorf("%s: column %d of the result: %w", b.where, i+1, err)
		}
		out[i] = sql.NullFloat64{Float64: f, Valid: ok}
	}
	if rows.Next() {
		return nil, fmt.Errorf("%s: the statement returned more than one row", b.where)
	}
	if err := rows.Err(); err != nil {
		return nil, b.queryError(ctx, err)
	}
	return out, nil
}

var _ engine.UserQuerier = (*Backend)(nil)

// QueryUser implements engine.UserQuerier: it runs a CustomSql statement
// in a READ ONLY transaction that is always rolled back, under the
// connection's statement_timeout, and returns its column names and at
// most maxRows rows, each value read as a number. A data-modifying
// statement (a WITH holding DELETE, SELECT … INTO, nextval) fails in the
// read-only transaction. On Redshift, whose connections use the simple
// query protocol (which runs several statements sent together), text
// with a backslash or a dollar sign is refused: Redshift reads those
// inside literals differently from dq's statement splitter, which could
// hide a second statement; PostgreSQL's extended protocol accepts one
// statement only.
func (b *Backend) QueryUser(ctx context.Context, query string, maxRows int) ([]string, [][]sql.NullFloat64, error) {
	if b.redshift && strings.ContainsAny(query, `\$`) {
		return nil, nil, errors.New("on Redshift, CustomSql text may not contain a backslash or a dollar sign")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	tx, err := b.conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, nil, b.queryError(ctx, err)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = tx.Rollback(rctx)
	}()
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return nil, nil, b.userError(ctx, err)
	}
	defer rows.Close()
	var names []string
	for _, f := range rows.FieldDescriptions() {
		names = append(names, f.Name)
	}
	var out [][]sql.NullFloat64
	for len(out) < maxRows && rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, nil, b.userError(ctx, err)
		}
		row := make([]sql.NullFloat64, len(vals))
		for i, v := range vals {
			f, ok, err := toFloat(v)
			if err != nil {
				return nil, nil, fmt.Errorf("column %s of the result: %w", names[i], err)
			}
			row[i] = sql.NullFloat64{Float64: f, Valid: ok}
		}
		out = append(out, row)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, b.userError(ctx, err)
	}
	return names, out, nil
}

// userError is the server's message on the user's own statement, which
// the rule reports: without the dataset URL that queryError leads with.
func (b *Backend) userError(ctx context.Context, err error) error {
	var pe *pgconn.PgError
	if ctx.Err() == nil && errors.As(err, &pe) && pe.Code != "57014" {
		return fmt.Errorf("%s [SQLSTATE %s]", pe.Message, pe.Code)
	}
	return b.queryError(ctx, err)
}

// toFloat converts a result value; ok is false for NULL.
func toFloat(v any) (f float64, ok bool, err error) {
	switch v := v.(type) {
	case nil:
		return 0, false, nil
	case int16:
		return float64(v), true, nil
	case int32:
		return float64(v), true, nil
	case int64:
		return float64(v), true, nil
	case float32:
		return float64(v), true, nil
	case float64:
		return v, true, nil
	case bool:
		if v {
			return 1, true, nil
		}
		return 0, true, nil
	case pgtype.Numeric:
		if !v.Valid {
			return 0, false, nil
		}
		f8, err := v.Float64Value()
		if err != nil {
			return 0, false, err
		}
		return f8.Float64, f8.Valid, nil
	case string: // Redshift's simple protocol returns unknown types as text
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, false, fmt.Errorf("not a number: %q", v)
		}
		return f, true, nil
	}
	return math.NaN(), false, fmt.Errorf("unexpected value type %T", v)
}

// queryError explains a failed statement: a cancelled or timed-out run
// says so rather than reporting the server's cancellation message alone.
func (b *Backend) queryError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: statement cancelled: %w", b.where, ctx.Err())
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		if pe.Code == "57014" { // query_canceled: statement_timeout
			return fmt.Errorf("%s: the statement ran past statement_timeout (--timeout): %s", b.where, pe.Message)
		}
		msg := pe.Message
		if pe.Detail != "" {
			msg += " (" + pe.Detail + ")"
		}
		return fmt.Errorf("%s: %s [SQLSTATE %s]", b.where, msg, pe.Code)
	}
	return fmt.Errorf("%s: %w", b.where, err)
}

// Close closes the connection.
func (b *Backend) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return b.conn.Close(ctx)
}

// Conn is the backend's connection, for callers that need more than
// metric rows (tests loading data, the benchmark's COPY). Do not use it
// concurrently with the Backend's methods.
func (b *Backend) Conn() *pgx.Conn { return b.conn }
